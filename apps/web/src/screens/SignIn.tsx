import { useEffect, useRef, useState, type FormEvent } from 'react';
import { CreateSessionResponse, RequestCodeResponse, SignInMethods } from '@parta/protocol';
import { useI18n } from '../i18n/index.ts';
import { api, clearCachedData, loadMe, localeStore, tokenStore } from '../app/state.ts';
import { ApiError } from '../lib/api.ts';
import { deviceName } from './device-name.ts';
import { Button, Field } from '../ui/kit.tsx';
import { LanguageSwitch } from '../ui/LanguageSwitch.tsx';
import { OFFER_KEY, PasskeyCancelled, passkeySignIn, passkeysSupported } from './Passkeys.tsx';

/** Signs this browser in with a session the server has just opened. */
async function adoptSession(res: { token: string; user: { locale: 'ru' | 'en' } }) {
  await clearCachedData();
  tokenStore.set(res.token);
  if (res.user.locale !== localeStore.get()) localeStore.set(res.user.locale);
  await loadMe();
}

/** The hand-off code the server put in the fragment after an OpenID Connect sign-in (/signin/oidc#handoff=…). */
function takeHandoff(): string | null {
  if (location.pathname !== '/signin/oidc') return null;
  const handoff = new URLSearchParams(location.hash.slice(1)).get('handoff');
  history.replaceState(null, '', '/');
  return handoff;
}

/**
 * Phone, then the six-digit code from the SMS; beside it, the e-journal (OpenID Connect) when the
 * installation or a school has one, and a passkey.
 */
export function SignIn() {
  const { t, error, locale } = useI18n();
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
  const [methods, setMethods] = useState<SignInMethods | null>(null);
  const [handoff] = useState(takeHandoff);
  const [finishing, setFinishing] = useState(!!handoff);
  const [otherErr, setOtherErr] = useState<string | null>(null);

  useEffect(() => {
    api.get('/api/v1/auth/methods', SignInMethods).then(setMethods, () => setMethods(null));
  }, []);

  const exchanged = useRef(false);
  useEffect(() => {
    // Once: the hand-off code is single use (a re-render must not spend it again).
    if (!handoff || exchanged.current) return;
    exchanged.current = true;
    api
      .post('/api/v1/auth/oidc/session', CreateSessionResponse, { handoff, deviceName: deviceName() })
      .then(adoptSession)
      .catch((ex: unknown) => {
        setOtherErr(error(ex));
        setFinishing(false);
      });
  }, [handoff, error]);

  async function withPasskey() {
    setOtherErr(null);
    setBusy(true);
    try {
      await adoptSession(await passkeySignIn());
    } catch (ex) {
      setOtherErr(ex instanceof PasskeyCancelled ? t('signin.passkeyCancelled') : error(ex));
      setBusy(false);
    }
  }

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
      // After a sign-in by SMS the app offers a passkey, so the next one needs no SMS (Passkeys.tsx).
      sessionStorage.setItem(OFFER_KEY, '1');
      await adoptSession(res);
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
        {finishing ? (
          <p role="status">{t('signin.finishing')}</p>
        ) : step === 'phone' ? (
          <>
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
            {methods?.oidc.length || (methods?.passkeys && passkeysSupported()) ? (
              <div className="signin-other stack">
                <p className="muted signin-or">{t('signin.or')}</p>
                {methods.oidc.map((p) => (
                  <a key={p.id} className="btn btn-secondary wide" href={`/api/v1/auth/oidc/start?provider=${encodeURIComponent(p.id)}&locale=${locale}`}>
                    {p.name ? t('signin.withProvider', { name: p.name }) : t('signin.withEjournal')}
                    {p.schoolName && methods.oidc.length > 1 ? ` · ${p.schoolName}` : ''}
                  </a>
                ))}
                {methods.passkeys && passkeysSupported() && (
                  <Button variant="secondary" className="wide" busy={busy} onClick={() => void withPasskey()}>
                    {t('signin.withPasskey')}
                  </Button>
                )}
              </div>
            ) : null}
            {otherErr && (
              <p className="error" role="alert">
                {otherErr}
              </p>
            )}
          </>
        ) : (
          <form onSubmit={submitCode} noValidate>
            <p>{t('signin.codeSent', { phone: normalised })}</p>
            {note && (
              <p className="muted" role="status">
                {note}
              </p>
            )}
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
              <Button
                variant="ghost"
                onClick={() => {
                  setStep('phone');
                  setErr(null);
                  setNote(null);
                  submitted.current = '';
                }}
              >
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
