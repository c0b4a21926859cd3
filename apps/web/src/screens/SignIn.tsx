import { useEffect, useState, type FormEvent } from 'react';
import { CreateSessionResponse, RequestCodeResponse } from '@parta/protocol';
import { useI18n } from '../i18n/index.ts';
import { api, clearCachedData, loadMe, localeStore, tokenStore } from '../app/state.ts';
import { Button, Field } from '../ui/kit.tsx';
import { LanguageSwitch } from '../ui/LanguageSwitch.tsx';

/** Phone, then the six-digit code from the SMS. */
export function SignIn() {
  const { t, error } = useI18n();
  const [step, setStep] = useState<'phone' | 'code'>('phone');
  const [phone, setPhone] = useState('');
  const [normalised, setNormalised] = useState('');
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const [resendAt, setResendAt] = useState(0);
  const [now, setNow] = useState(Date.now());

  useEffect(() => {
    if (step !== 'code') return;
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, [step]);

  async function requestCode(e?: FormEvent) {
    e?.preventDefault();
    setErr(null);
    if (phone.replace(/\D/g, '').length < 10) {
      setErr(t('signin.phoneTooShort'));
      return;
    }
    setBusy(true);
    try {
      const res = await api.post('/api/v1/auth/code', RequestCodeResponse, { phone });
      setNormalised(res.phone);
      setResendAt(new Date(res.resendAfter).getTime());
      setStep('code');
      setCode('');
    } catch (ex) {
      setErr(error(ex));
    } finally {
      setBusy(false);
    }
  }

  async function submitCode(e: FormEvent) {
    e.preventDefault();
    setErr(null);
    if (!/^\d{6}$/.test(code)) {
      setErr(t('signin.codeSixDigits'));
      return;
    }
    setBusy(true);
    try {
      const res = await api.post('/api/v1/auth/session', CreateSessionResponse, { phone: normalised, code, deviceName: deviceName() });
      clearCachedData();
      tokenStore.set(res.token);
      if (res.user.locale !== localeStore.get()) localeStore.set(res.user.locale);
      await loadMe();
    } catch (ex) {
      setErr(error(ex));
      setBusy(false);
    }
  }

  const wait = Math.max(0, Math.ceil((resendAt - now) / 1000));
  return (
    <main className="auth" id="main">
      <div className="auth-card">
        <div className="auth-top">
          <img src="/icons/icon.svg" alt="" width="48" height="48" />
          <LanguageSwitch />
        </div>
        <h1>{t('app.name')}</h1>
        <p className="lead">{t('signin.lead')}</p>
        {step === 'phone' ? (
          <form onSubmit={requestCode} noValidate>
            <Field
              label={t('signin.phone')}
              type="tel"
              inputMode="tel"
              autoComplete="tel"
              placeholder="+7 900 000-00-00"
              value={phone}
              onChange={(e) => setPhone(e.target.value)}
              error={err}
              autoFocus
            />
            <Button type="submit" busy={busy} className="wide">
              {t('signin.getCode')}
            </Button>
          </form>
        ) : (
          <form onSubmit={submitCode} noValidate>
            <p>{t('signin.codeSent', { phone: normalised })}</p>
            <Field
              label={t('signin.code')}
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={6}
              value={code}
              onChange={(e) => setCode(e.target.value.replace(/\D/g, '').slice(0, 6))}
              error={err}
              autoFocus
            />
            <Button type="submit" busy={busy} className="wide">
              {t('signin.signIn')}
            </Button>
            <div className="row gap">
              <Button variant="ghost" onClick={() => { setStep('phone'); setErr(null); }}>
                {t('signin.otherPhone')}
              </Button>
              <Button variant="ghost" disabled={wait > 0 || busy} onClick={() => void requestCode()}>
                {wait > 0 ? t('signin.resendIn', { s: wait }) : t('signin.resend')}
              </Button>
            </div>
          </form>
        )}
      </div>
    </main>
  );
}

function deviceName(): string {
  const ua = navigator.userAgent;
  const os = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Windows/.test(ua) ? 'Windows' : /Mac OS/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : '';
  const browser = /Firefox\//.test(ua) ? 'Firefox' : /Edg\//.test(ua) ? 'Edge' : /YaBrowser\//.test(ua) ? 'Yandex' : /Chrome\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : 'Browser';
  return [browser, os].filter(Boolean).join(', ');
}
