import { useEffect, useRef, useState, type FormEvent } from 'react';
import { CreateSessionResponse, RequestCodeResponse } from '@parta/protocol';
import { useI18n } from '../i18n/index.ts';
import { api, clearCachedData, loadMe, localeStore, tokenStore } from '../app/state.ts';
import { ApiError } from '../lib/api.ts';
import { deviceName } from './device-name.ts';
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
  const [note, setNote] = useState<string | null>(null);
  const submitted = useRef('');
  const inflight = useRef(false);
  // An invitation link (/join?code=…): the code is applied right after signing in.
  const invite = location.pathname === '/join' ? new URLSearchParams(location.search).get('code') : null;

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
      setNote(null);
    } catch (ex) {
      // The same number again while its code is still on the way: back to the code field, with the countdown.
      if (ex instanceof ApiError && ex.code === 'code_resend_too_soon') {
        const wait = Number((ex.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds ?? 60);
        setNormalised((n) => (n && sameNumber(n, phone) ? n : phone));
        setResendAt(Date.now() + wait * 1000);
        setNow(Date.now());
        setStep('code');
        setCode('');
        setNote(t('signin.codeStillValid'));
      } else {
        setErr(error(ex));
      }
    } finally {
      setBusy(false);
    }
  }

  async function submitCode(e?: FormEvent, value = code) {
    e?.preventDefault();
    setErr(null);
    if (inflight.current) return;
    if (!/^\d{6}$/.test(value)) {
      setErr(t('signin.codeSixDigits'));
      return;
    }
    setBusy(true);
    try {
      submitted.current = value;
      inflight.current = true;
      const res = await api.post('/api/v1/auth/session', CreateSessionResponse, { phone: normalised, code: value, deviceName: deviceName() });
      clearCachedData();
      tokenStore.set(res.token);
      if (res.user.locale !== localeStore.get()) localeStore.set(res.user.locale);
      await loadMe();
    } catch (ex) {
      inflight.current = false;
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
        {invite && (
          <p className="notice-box" role="note" data-invite={invite}>
            {t('signin.invited', { code: invite })}
          </p>
        )}
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
            {note && <p className="muted" role="status">{note}</p>}
            <Field
              label={t('signin.code')}
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={6}
              value={code}
              onChange={(e) => {
                const value = e.target.value.replace(/\D/g, '').slice(0, 6);
                setCode(value);
                // The sixth digit submits (typed, pasted or filled in from the SMS); the same code once.
                if (value.length === 6 && value !== submitted.current && !busy) void submitCode(undefined, value);
              }}
              error={err}
              autoFocus
            />
            <Button type="submit" busy={busy} className="wide">
              {t('signin.signIn')}
            </Button>
            <div className="row gap">
              <Button variant="ghost" onClick={() => { setStep('phone'); setErr(null); setNote(null); submitted.current = ''; }}>
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

/** Two spellings of one number (+7 900 000-00-02 and 89000000002). */
function sameNumber(a: string, b: string): boolean {
  const digits = (x: string) => x.replace(/\D/g, '').replace(/^8(?=\d{10}$)/, '7');
  return digits(a) === digits(b);
}
