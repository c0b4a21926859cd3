import { useEffect, useState, type FormEvent } from 'react';
import { SchoolOidc } from '@parta/protocol';
import { api } from '../app/state.ts';
import { useI18n } from '../i18n/index.ts';
import { ApiError } from '../lib/api.ts';
import { Button, ErrorNote, Field, Select } from '../ui/kit.tsx';

interface Form {
  enabled: boolean;
  displayName: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
  claim: string;
  matchField: 'source_id' | 'phone';
}

const EMPTY: Form = { enabled: true, displayName: '', issuer: '', clientId: '', clientSecret: '', scopes: 'openid', claim: 'sub', matchField: 'source_id' };

/** Admin → «Вход»: the school's own OpenID Connect provider (its e-journal). */
export function AdminSignIn({ sid }: { sid: string }) {
  const { t, error } = useI18n();
  const [saved, setSaved] = useState<SchoolOidc | null>(null);
  const [form, setForm] = useState<Form>(EMPTY);
  const [loaded, setLoaded] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const show = (s: SchoolOidc) => {
    setSaved(s);
    setForm({
      enabled: s.enabled,
      displayName: s.displayName ?? '',
      issuer: s.issuer,
      clientId: s.clientId,
      clientSecret: '',
      scopes: s.scopes,
      claim: s.claim,
      matchField: s.matchField,
    });
  };
  useEffect(() => {
    api
      .get(`/api/v1/schools/${sid}/oidc`, SchoolOidc)
      .then(show, (e: unknown) => {
        if (!(e instanceof ApiError && e.code === 'oidc_not_configured')) setErr(error(e));
      })
      .finally(() => setLoaded(true));
  }, [sid, error]);

  const set = <K extends keyof Form>(k: K, v: Form[K]) => setForm((f) => ({ ...f, [k]: v }));

  async function save(e: FormEvent) {
    e.preventDefault();
    setErr(null);
    setNote(null);
    setBusy(true);
    try {
      const body = {
        enabled: form.enabled,
        displayName: form.displayName.trim() || null,
        issuer: form.issuer.trim(),
        clientId: form.clientId.trim(),
        // Empty: keep the stored secret.
        ...(form.clientSecret ? { clientSecret: form.clientSecret } : {}),
        redirectUri: null,
        scopes: form.scopes.trim(),
        claim: form.claim.trim(),
        matchField: form.matchField,
      };
      show(await api.put(`/api/v1/schools/${sid}/oidc`, SchoolOidc, body));
      setNote(t('common.saved'));
    } catch (ex) {
      setErr(error(ex));
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    if (!window.confirm(t('adminSignin.confirmRemove'))) return;
    setErr(null);
    await api.delete(`/api/v1/schools/${sid}/oidc`).then(
      () => {
        setSaved(null);
        setForm(EMPTY);
      },
      (e: unknown) => setErr(error(e)),
    );
  }

  if (!loaded) return <p>{t('common.loading')}</p>;
  return (
    <form className="card stack" onSubmit={save} aria-labelledby="oidc-h" noValidate>
      <h2 id="oidc-h">{t('adminSignin.title')}</h2>
      <p className="muted">{t('adminSignin.explain')}</p>
      {saved && <p className="notice-box">{t('adminSignin.redirect', { uri: saved.redirectUri })}</p>}
      <label className="check">
        <input type="checkbox" checked={form.enabled} onChange={(e) => set('enabled', e.target.checked)} /> {t('adminSignin.enabled')}
      </label>
      <Field
        label={t('adminSignin.displayName')}
        value={form.displayName}
        onChange={(e) => set('displayName', e.target.value)}
        hint={t('adminSignin.displayNameHint')}
      />
      <Field
        label={t('adminSignin.issuer')}
        type="url"
        required
        value={form.issuer}
        onChange={(e) => set('issuer', e.target.value)}
        placeholder="https://journal.example.ru"
      />
      <Field label={t('adminSignin.clientId')} required value={form.clientId} onChange={(e) => set('clientId', e.target.value)} />
      <Field
        label={t('adminSignin.clientSecret')}
        type="password"
        autoComplete="new-password"
        value={form.clientSecret}
        onChange={(e) => set('clientSecret', e.target.value)}
        hint={saved?.hasClientSecret ? t('adminSignin.secretKept') : undefined}
      />
      <Field label={t('adminSignin.scopes')} value={form.scopes} onChange={(e) => set('scopes', e.target.value)} />
      <Field label={t('adminSignin.claim')} value={form.claim} onChange={(e) => set('claim', e.target.value)} hint={t('adminSignin.claimHint')} />
      <Select label={t('adminSignin.matchField')} value={form.matchField} onChange={(e) => set('matchField', e.target.value as Form['matchField'])}>
        <option value="source_id">{t('adminSignin.match.source_id')}</option>
        <option value="phone">{t('adminSignin.match.phone')}</option>
      </Select>
      <ErrorNote>{err}</ErrorNote>
      {note && <p role="status">{note}</p>}
      <div className="row gap wrap">
        <Button type="submit" busy={busy}>
          {t('common.save')}
        </Button>
        {saved && (
          <Button variant="danger" onClick={() => void remove()}>
            {t('adminSignin.remove')}
          </Button>
        )}
      </div>
    </form>
  );
}
