import { useEffect, useState } from 'react';
import { MyEmail } from '@parta/protocol';
import { api } from '../app/state.ts';
import { useI18n } from '../i18n/index.ts';
import { Button, ErrorNote, Field } from '../ui/kit.tsx';

/** Settings: an e-mail address for digests of unread messages while away; verified by a link sent to it. */
export function EmailSettings() {
  const { t, error } = useI18n();
  const [state, setState] = useState<MyEmail | null>(null);
  const [email, setEmail] = useState('');
  const [err, setErr] = useState<string | null>(null);

  useEffect(() => {
    api.get('/api/v1/me/email', MyEmail).then(
      (s) => {
        setState(s);
        setEmail(s.email ?? '');
      },
      (e) => setErr(error(e)),
    );
  }, [error]);

  const save = (body: { email: string; digest?: boolean }) => {
    setErr(null);
    api.put('/api/v1/me/email', MyEmail, body).then(setState, (e) => setErr(error(e)));
  };
  const remove = () => {
    setErr(null);
    api.delete('/api/v1/me/email').then(
      () => {
        setState((s) => (s ? { ...s, email: null, verified: false, digest: false } : s));
        setEmail('');
      },
      (e) => setErr(error(e)),
    );
  };

  if (!state) return err ? <ErrorNote>{err}</ErrorNote> : null;
  return (
    <section className="card" aria-labelledby="email-h" data-email-settings>
      <h2 id="email-h">{t('email.title')}</h2>
      <p className="muted">{t('email.explain')}</p>
      {!state.available ? (
        <p className="muted">{t('email.unavailable')}</p>
      ) : (
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            save({ email });
          }}
        >
          <Field
            label={t('email.address')}
            type="email"
            autoComplete="email"
            value={email}
            maxLength={254}
            onChange={(e) => setEmail(e.target.value)}
            data-email-input
          />
          {state.email && (
            <p className={state.verified ? 'ok small' : 'muted small'} role="status">
              {state.verified ? t('email.verified') : t('email.unverified')}
            </p>
          )}
          {state.email && state.verified && (
            <label className="row gap">
              <input type="checkbox" checked={state.digest} onChange={(e) => save({ email: state.email!, digest: e.target.checked })} />
              <span>{t('email.digest')}</span>
            </label>
          )}
          <div className="row gap">
            <Button type="submit" disabled={!email.trim()}>
              {t('email.save')}
            </Button>
            {state.email && (
              <Button type="button" variant="secondary" onClick={remove}>
                {t('email.remove')}
              </Button>
            )}
          </div>
        </form>
      )}
      {err && <ErrorNote>{err}</ErrorNote>}
    </section>
  );
}
