import { useEffect, useState, type FormEvent } from 'react';
import { z } from 'zod';
import { SessionList, User, WorkingHours } from '@parta/protocol';
import { api, displayName, localeStore, meStore, signOutLocally } from '../app/state.ts';
import { useI18n } from '../i18n/index.ts';
import { useStore } from '../lib/store.ts';
import { paths } from '../sync/paths.ts';
import { Avatar } from '../ui/Avatar.tsx';
import { Button, ErrorNote, Field } from '../ui/kit.tsx';
import { PhotoCrop, type Crop } from '../ui/PhotoCrop.tsx';
import { PushSettings } from './PushSettings.tsx';
import { PasskeySettings } from './Passkeys.tsx';
import { EmailSettings } from './EmailSettings.tsx';

const HoursResponse = z.object({ workingHours: WorkingHours.nullable() });
const DAYS = [1, 2, 3, 4, 5, 6, 7];

export default function Settings() {
  const { t } = useI18n();
  return (
    <main className="page" id="main">
      <h1>{t('settings.title')}</h1>
      <Profile />
      <Hours />
      <PushSettings />
      <EmailSettings />
      <Language />
      <PasskeySettings />
      <Sessions />
    </main>
  );
}

function Profile() {
  const { t, error } = useI18n();
  const me = useStore(meStore)!;
  const [form, setForm] = useState({ lastName: me.user.lastName ?? '', firstName: me.user.firstName ?? '', middleName: me.user.middleName ?? '' });
  const [msg, setMsg] = useState<string | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [file, setFile] = useState<File | null>(null);

  async function save(e: FormEvent) {
    e.preventDefault();
    setErr(null);
    setMsg(null);
    if (!form.lastName.trim() || !form.firstName.trim()) {
      setErr(t('link.fillNames'));
      return;
    }
    setBusy(true);
    try {
      const user = await api.patch('/api/v1/me', User, { lastName: form.lastName, firstName: form.firstName, middleName: form.middleName || null });
      meStore.set((m) => (m ? { ...m, user } : m));
      setMsg(t('common.saved'));
    } catch (ex) {
      setErr(error(ex));
    } finally {
      setBusy(false);
    }
  }

  async function upload(crop: Crop) {
    if (!file) return;
    setBusy(true);
    setErr(null);
    const form = new FormData();
    form.append('cropLeft', String(crop.cropLeft));
    form.append('cropTop', String(crop.cropTop));
    form.append('cropSize', String(crop.cropSize));
    form.append('file', file, file.name);
    try {
      const user = await api.upload('PUT', '/api/v1/me/photo', User, form);
      meStore.set((m) => (m ? { ...m, user } : m));
      setFile(null);
      setMsg(t('common.saved'));
    } catch (ex) {
      setErr(error(ex));
    } finally {
      setBusy(false);
    }
  }

  async function removePhoto() {
    try {
      await api.delete('/api/v1/me/photo');
      meStore.set((m) => (m ? { ...m, user: { ...m.user, photo: null } } : m));
    } catch (ex) {
      setErr(error(ex));
    }
  }

  return (
    <section className="card" aria-labelledby="profile-h">
      <h2 id="profile-h">{t('settings.profile')}</h2>
      <div className="profile-photo">
        {file ? (
          <PhotoCrop file={file} busy={busy} onDone={(c) => void upload(c)} onCancel={() => setFile(null)} />
        ) : (
          <>
            <Avatar id={me.user.id} name={displayName(me.user)} photo={me.user.photo} size={96} />
            <div className="stack">
              <label className="btn btn-secondary file-label">
                {me.user.photo ? t('settings.changePhoto') : t('settings.addPhoto')}
                <input
                  type="file"
                  accept="image/jpeg,image/png,image/webp"
                  className="sr-only"
                  onChange={(e) => {
                    setFile(e.target.files?.[0] ?? null);
                    e.target.value = '';
                  }}
                />
              </label>
              {me.user.photo && (
                <Button variant="ghost" onClick={() => void removePhoto()}>
                  {t('settings.removePhoto')}
                </Button>
              )}
            </div>
          </>
        )}
      </div>
      <form onSubmit={save} noValidate>
        <div className="grid2">
          <Field
            label={t('person.lastName')}
            value={form.lastName}
            onChange={(e) => setForm({ ...form, lastName: e.target.value })}
            autoComplete="family-name"
          />
          <Field
            label={t('person.firstName')}
            value={form.firstName}
            onChange={(e) => setForm({ ...form, firstName: e.target.value })}
            autoComplete="given-name"
          />
        </div>
        <Field label={t('person.middleName')} value={form.middleName} onChange={(e) => setForm({ ...form, middleName: e.target.value })} />
        <p className="muted small">{t('settings.phone', { phone: me.user.phone })}</p>
        <ErrorNote>{err}</ErrorNote>
        {msg && (
          <p className="ok" role="status">
            {msg}
          </p>
        )}
        <Button type="submit" busy={busy}>
          {t('common.save')}
        </Button>
      </form>
    </section>
  );
}

function Hours() {
  const { t, error } = useI18n();
  const [hours, setHours] = useState<WorkingHours | null>(null);
  const [enabled, setEnabled] = useState(false);
  const [loaded, setLoaded] = useState(false);
  const [msg, setMsg] = useState<string | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone || 'Europe/Moscow';

  useEffect(() => {
    api.get(paths.workingHours(), HoursResponse).then(
      (r) => {
        setHours(r.workingHours ?? { timezone: tz, start: '08:00', end: '18:00', days: [1, 2, 3, 4, 5] });
        setEnabled(!!r.workingHours);
        setLoaded(true);
      },
      (e) => setErr(error(e)),
    );
  }, [tz, error]);

  async function save(e: FormEvent) {
    e.preventDefault();
    setErr(null);
    setMsg(null);
    try {
      if (enabled && hours) {
        const r = await api.put(paths.workingHours(), HoursResponse, hours);
        setHours(r.workingHours);
      } else {
        await api.delete(paths.workingHours());
      }
      setMsg(t('common.saved'));
    } catch (ex) {
      setErr(error(ex));
    }
  }

  const dayName = (d: number) => new Date(2024, 0, d).toLocaleDateString(t('locale.tag'), { weekday: 'short' });
  return (
    <section className="card" aria-labelledby="hours-h">
      <h2 id="hours-h">{t('settings.hours')}</h2>
      <p className="muted">{t('settings.hoursExplain')}</p>
      {loaded && hours && (
        <form onSubmit={save}>
          <label className="check">
            <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> {t('settings.hoursOn')}
          </label>
          <fieldset disabled={!enabled} className="hours">
            <legend className="sr-only">{t('settings.hours')}</legend>
            <div className="grid2">
              <Field label={t('settings.from')} type="time" value={hours.start} onChange={(e) => setHours({ ...hours, start: e.target.value })} />
              <Field label={t('settings.to')} type="time" value={hours.end} onChange={(e) => setHours({ ...hours, end: e.target.value })} />
            </div>
            <div className="days" role="group" aria-label={t('settings.days')}>
              {DAYS.map((d) => (
                <label key={d} className="check day">
                  <input
                    type="checkbox"
                    checked={hours.days.includes(d)}
                    onChange={(e) => setHours({ ...hours, days: e.target.checked ? [...hours.days, d].sort() : hours.days.filter((x) => x !== d) })}
                  />
                  {dayName(d)}
                </label>
              ))}
            </div>
            <p className="muted small">{t('settings.timezone', { tz: hours.timezone })}</p>
          </fieldset>
          <ErrorNote>{err}</ErrorNote>
          {msg && (
            <p className="ok" role="status">
              {msg}
            </p>
          )}
          <Button type="submit">{t('common.save')}</Button>
        </form>
      )}
      {!loaded && <ErrorNote>{err}</ErrorNote>}
    </section>
  );
}

function Language() {
  const { t, locale } = useI18n();
  return (
    <section className="card" aria-labelledby="lang-h">
      <h2 id="lang-h">{t('settings.language')}</h2>
      <div className="row gap" role="radiogroup" aria-labelledby="lang-h">
        {(['ru', 'en'] as const).map((l) => (
          <label key={l} className="check" lang={l}>
            <input
              type="radio"
              name="lang"
              checked={locale === l}
              onChange={() => {
                localeStore.set(l);
                void api.patch('/api/v1/me', User, { locale: l }).catch(() => undefined);
              }}
            />
            {l === 'ru' ? 'Русский' : 'English'}
          </label>
        ))}
      </div>
    </section>
  );
}

function Sessions() {
  const { t, error, date, time } = useI18n();
  const [list, setList] = useState<z.infer<typeof SessionList>['sessions'] | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const load = () =>
    api.get('/api/v1/sessions', SessionList).then(
      (r) => setList(r.sessions),
      (e) => setErr(error(e)),
    );
  useEffect(() => {
    void load();
  }, []);
  const others = list?.filter((s) => !s.current).length ?? 0;
  return (
    <section className="card" aria-labelledby="sessions-h">
      <h2 id="sessions-h">{t('settings.sessions')}</h2>
      <ErrorNote>{err}</ErrorNote>
      <ul className="plain sessions">
        {list?.map((s) => (
          <li key={s.id} className="row between">
            <span>
              <strong>{s.deviceName ?? s.userAgent?.slice(0, 40) ?? t('settings.unknownDevice')}</strong>
              {s.current && <span className="pill">{t('settings.thisDevice')}</span>}
              <br />
              <span className="muted small">
                {t('settings.lastSeen', { when: `${date(s.lastSeenAt)} ${time(s.lastSeenAt)}` })}
                {s.ip ? ` · ${s.ip}` : ''}
              </span>
            </span>
            {!s.current && (
              <Button variant="secondary" onClick={() => void api.delete(`/api/v1/sessions/${s.id}`).then(load, (e) => setErr(error(e)))}>
                {t('settings.signOutDevice')}
              </Button>
            )}
          </li>
        ))}
      </ul>
      <div className="row gap wrap">
        {others > 0 && (
          <Button
            variant="secondary"
            onClick={() => void api.post('/api/v1/sessions/revoke-others', z.object({ revoked: z.number() })).then(load, (e) => setErr(error(e)))}
          >
            {t('settings.signOutOthers')}
          </Button>
        )}
        <Button variant="danger" onClick={() => void api.post('/api/v1/auth/logout', null).finally(signOutLocally)}>
          {t('nav.signOut')}
        </Button>
        <Button
          variant="danger"
          onClick={() =>
            window.confirm(t('settings.confirmSignOutEverywhere')) &&
            void api.post('/api/v1/sessions/revoke-all', z.object({ revoked: z.number() })).then(signOutLocally, (e) => setErr(error(e)))
          }
        >
          {t('settings.signOutEverywhere')}
        </Button>
      </div>
    </section>
  );
}
