import { useEffect, useState } from 'react';
import {
  browserSupportsWebAuthn,
  startAuthentication,
  startRegistration,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/browser';
import { CreateSessionResponse, Passkey, PasskeyList, PasskeyOptionsResponse } from '@parta/protocol';
import { api, meStore } from '../app/state.ts';
import { useI18n } from '../i18n/index.ts';
import { useStore } from '../lib/store.ts';
import { Button, ErrorNote } from '../ui/kit.tsx';
import { deviceName } from './device-name.ts';

/** Passkeys (WebAuthn): sign in with one, add one after signing in, list and delete them in Settings. */

export function passkeysSupported(): boolean {
  return typeof window !== 'undefined' && browserSupportsWebAuthn();
}

/** The browser refused or the person cancelled: not the server's error. */
export class PasskeyCancelled extends Error {}

function browserError(err: unknown): never {
  const name = (err as { name?: string } | null)?.name;
  if (name === 'NotAllowedError' || name === 'AbortError') throw new PasskeyCancelled();
  if (name === 'InvalidStateError') throw Object.assign(new Error('passkey_already_registered'), { code: 'passkey_already_registered' });
  throw err;
}

/** Asks the browser for a passkey and exchanges its answer for a session. */
export async function passkeySignIn() {
  const { challengeId, options } = await api.post('/api/v1/auth/passkey/options', PasskeyOptionsResponse);
  const response = await startAuthentication({ optionsJSON: options as unknown as PublicKeyCredentialRequestOptionsJSON }).catch(browserError);
  return api.post('/api/v1/auth/passkey/session', CreateSessionResponse, { challengeId, response, deviceName: deviceName() });
}

/** Makes a passkey for the signed-in account on this device. */
export async function addPasskey(): Promise<Passkey> {
  const { challengeId, options } = await api.post('/api/v1/passkeys/options', PasskeyOptionsResponse);
  const response = await startRegistration({ optionsJSON: options as unknown as PublicKeyCredentialCreationOptionsJSON }).catch(browserError);
  return api.post('/api/v1/passkeys', Passkey, { challengeId, response, name: deviceName() });
}

/** Set right after a sign-in by SMS: the app then offers to add a passkey (once). */
export const OFFER_KEY = 'parta.offerPasskey';

/** «Добавить ключ входа»: offered after a sign-in by SMS, to an account with no passkey yet. */
export function PasskeyOffer() {
  const { t, error } = useI18n();
  const me = useStore(meStore);
  const [show, setShow] = useState(false);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const [done, setDone] = useState(false);

  useEffect(() => {
    if (!me || sessionStorage.getItem(OFFER_KEY) !== '1' || !passkeysSupported()) return;
    let live = true;
    api.get('/api/v1/passkeys', PasskeyList).then(
      (r) => {
        // Answered "not now" (or added one) while this was on its way: the offer stays closed.
        if (!live || sessionStorage.getItem(OFFER_KEY) !== '1') return;
        if (r.passkeys.length === 0) setShow(true);
        else sessionStorage.removeItem(OFFER_KEY);
      },
      () => {},
    );
    return () => {
      live = false;
    };
  }, [me]);

  const close = () => {
    sessionStorage.removeItem(OFFER_KEY);
    setShow(false);
  };
  async function add() {
    setBusy(true);
    setErr(null);
    try {
      await addPasskey();
      sessionStorage.removeItem(OFFER_KEY);
      setDone(true);
    } catch (e) {
      if (!(e instanceof PasskeyCancelled)) setErr(error(e));
    } finally {
      setBusy(false);
    }
  }
  if (!show) return null;
  return (
    <aside className="passkey-offer" aria-labelledby="passkey-offer-h">
      <h2 id="passkey-offer-h">{done ? t('passkey.added') : t('passkey.offerTitle')}</h2>
      {!done && <p>{t('passkey.offerText')}</p>}
      <ErrorNote>{err}</ErrorNote>
      <div className="row gap wrap">
        {done ? (
          <Button variant="secondary" onClick={close}>
            {t('common.close')}
          </Button>
        ) : (
          <>
            <Button busy={busy} onClick={() => void add()}>
              {t('passkey.add')}
            </Button>
            <Button variant="ghost" onClick={close}>
              {t('passkey.notNow')}
            </Button>
          </>
        )}
      </div>
    </aside>
  );
}

/** Settings → «Ключи входа». */
export function PasskeySettings() {
  const { t, error, date } = useI18n();
  const [list, setList] = useState<Passkey[] | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const load = () =>
    api.get('/api/v1/passkeys', PasskeyList).then(
      (r) => setList(r.passkeys),
      (e) => setErr(error(e)),
    );
  useEffect(() => {
    void load();
  }, []);
  async function add() {
    setBusy(true);
    setErr(null);
    try {
      await addPasskey();
      await load();
    } catch (e) {
      if (!(e instanceof PasskeyCancelled)) setErr(error(e));
    } finally {
      setBusy(false);
    }
  }
  async function remove(p: Passkey) {
    if (!window.confirm(t('passkey.confirmDelete', { name: p.name }))) return;
    await api.delete(`/api/v1/passkeys/${encodeURIComponent(p.id)}`).then(load, (e) => setErr(error(e)));
  }
  return (
    <section className="card" aria-labelledby="passkeys-h">
      <h2 id="passkeys-h">{t('passkey.title')}</h2>
      <p className="muted">{t('passkey.explain')}</p>
      <ErrorNote>{err}</ErrorNote>
      {list && list.length === 0 && <p>{t('passkey.none')}</p>}
      <ul className="plain sessions" aria-label={t('passkey.title')}>
        {list?.map((p) => (
          <li key={p.id} className="row between">
            <span>
              <strong>{p.name}</strong>
              <br />
              <span className="muted small">
                {t('passkey.created', { when: date(p.createdAt) })}
                {p.lastUsedAt ? ` · ${t('passkey.lastUsed', { when: date(p.lastUsedAt) })}` : ''}
              </span>
            </span>
            <Button variant="secondary" aria-label={t('passkey.deleteNamed', { name: p.name })} onClick={() => void remove(p)}>
              {t('passkey.delete')}
            </Button>
          </li>
        ))}
      </ul>
      {passkeysSupported() ? (
        <Button variant="secondary" busy={busy} onClick={() => void add()}>
          {t('passkey.add')}
        </Button>
      ) : (
        <p className="muted">{t('passkey.unsupported')}</p>
      )}
    </section>
  );
}
