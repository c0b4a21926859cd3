import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { z } from 'zod';
import { JoinRequest, JoinRequestList, PublicSchoolList, type SchoolRole } from '@parta/protocol';
import { useI18n } from '../i18n/index.ts';
import { api, loadMe, meStore, signOutLocally } from '../app/state.ts';
import { useStore } from '../lib/store.ts';
import { navigate } from '../lib/router.ts';
import { Button, ErrorNote, Field, Select } from '../ui/kit.tsx';
import { LanguageSwitch } from '../ui/LanguageSwitch.tsx';
import { useStreamUpdates } from '../app/follow-stream.ts';

type JR = z.infer<typeof JoinRequest>;

/**
 * The signed-in phone is on no school's roster: explain the closed space, then let the person
 * join with an invitation code or ask the school's admin.
 */
export function Link() {
  const { t, error, date } = useI18n();
  const me = useStore(meStore);
  const [code, setCode] = useState(() => new URLSearchParams(location.search).get('code') ?? '');
  const [codeErr, setCodeErr] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [requests, setRequests] = useState<JR[]>([]);
  const [schools, setSchools] = useState<{ id: string; name: string }[]>([]);
  const [form, setForm] = useState({
    schoolId: '',
    lastName: me?.user.lastName ?? '',
    firstName: me?.user.firstName ?? '',
    middleName: '',
    role: 'guardian' as SchoolRole,
    comment: '',
  });
  const [formErr, setFormErr] = useState<string | null>(null);
  const [sent, setSent] = useState(false);
  // Approved while waiting: the account's stream gets its new chats; load the account again (the app
  // then opens the school), and the requests (a rejection shows as such).
  const [streamTick, setStreamTick] = useState(0);
  const onUpdate = useCallback(() => {
    setStreamTick((n) => n + 1);
    void loadMe().catch(() => undefined);
  }, []);
  useStreamUpdates(onUpdate);
  // Opened from an invitation link (/join?code=…): apply its code at once.
  const linked = useRef(false);
  useEffect(() => {
    const fromLink = location.pathname === '/join' ? new URLSearchParams(location.search).get('code') : null;
    if (!fromLink || linked.current) return;
    linked.current = true;
    void redeem(undefined, fromLink);
  }, []);

  useEffect(() => {
    api.get('/api/v1/join-requests', JoinRequestList).then(
      (r) => setRequests(r.joinRequests),
      () => undefined,
    );
    api.get('/api/v1/schools', PublicSchoolList).then(
      (r) => {
        setSchools(r.schools);
        setForm((f) => (f.schoolId ? f : { ...f, schoolId: r.schools[0]?.id ?? '' }));
      },
      () => undefined,
    );
  }, [sent, streamTick]);

  async function redeem(e?: FormEvent, value = code) {
    e?.preventDefault();
    setCodeErr(null);
    if (value.trim().length < 4) {
      setCodeErr(t('link.codeEmpty'));
      return;
    }
    setBusy(true);
    try {
      await api.post('/api/v1/invitations/redeem', z.object({ schoolId: z.string(), personId: z.string() }), { code: value.trim() });
      await loadMe();
      navigate('/chats', { replace: true });
    } catch (ex) {
      setCodeErr(error(ex));
    } finally {
      setBusy(false);
    }
  }

  async function requestJoin(e: FormEvent) {
    e.preventDefault();
    setFormErr(null);
    if (!form.schoolId || !form.lastName.trim() || !form.firstName.trim()) {
      setFormErr(t('link.fillNames'));
      return;
    }
    setBusy(true);
    try {
      await api.post('/api/v1/join-requests', JoinRequest, {
        schoolId: form.schoolId,
        lastName: form.lastName,
        firstName: form.firstName,
        middleName: form.middleName || null,
        role: form.role,
        comment: form.comment || null,
      });
      setSent((s) => !s);
    } catch (ex) {
      setFormErr(error(ex));
    } finally {
      setBusy(false);
    }
  }

  const pending = requests.filter((r) => r.status === 'pending');
  return (
    <main className="auth" id="main">
      <div className="auth-card wide-card">
        <div className="auth-top">
          <img src="/icons/icon.svg" alt="" width="48" height="48" />
          <LanguageSwitch />
        </div>
        <h1>{t('link.title')}</h1>
        <p className="lead">{t('link.explain1', { phone: me?.user.phone ?? '' })}</p>
        <p>{t('link.explain2')}</p>

        <section aria-labelledby="invite-h" className="card">
          <h2 id="invite-h">{t('link.haveCode')}</h2>
          <form onSubmit={redeem} noValidate>
            <Field
              label={t('link.inviteCode')}
              value={code}
              onChange={(e) => setCode(e.target.value)}
              error={codeErr}
              autoCapitalize="characters"
              autoComplete="off"
            />
            <Button type="submit" busy={busy}>
              {t('link.join')}
            </Button>
          </form>
        </section>

        <section aria-labelledby="jr-h" className="card">
          <h2 id="jr-h">{t('link.noCode')}</h2>
          {pending.length > 0 && (
            <ul className="plain">
              {pending.map((r) => (
                <li key={r.id} className="row between">
                  <span>{t('link.pendingSince', { date: date(r.createdAt) })}</span>
                  <Button variant="secondary" onClick={() => void api.delete(`/api/v1/join-requests/${r.id}`).then(() => setSent((s) => !s))}>
                    {t('link.withdraw')}
                  </Button>
                </li>
              ))}
            </ul>
          )}
          {requests.filter((r) => r.status === 'rejected').length > 0 && <p>{t('link.rejected')}</p>}
          {pending.length === 0 && (
            <form onSubmit={requestJoin} noValidate>
              <Select label={t('link.school')} value={form.schoolId} onChange={(e) => setForm({ ...form, schoolId: e.target.value })}>
                {schools.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
              </Select>
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
              <Field
                label={t('person.middleName')}
                value={form.middleName}
                onChange={(e) => setForm({ ...form, middleName: e.target.value })}
                autoComplete="additional-name"
              />
              <Select label={t('link.iAm')} value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as SchoolRole })}>
                <option value="guardian">{t('role.guardian')}</option>
                <option value="student">{t('role.student')}</option>
                <option value="teacher">{t('role.teacher')}</option>
              </Select>
              <Field
                label={t('link.comment')}
                hint={t('link.commentHint')}
                value={form.comment}
                onChange={(e) => setForm({ ...form, comment: e.target.value })}
                maxLength={500}
              />
              <ErrorNote>{formErr}</ErrorNote>
              <Button type="submit" busy={busy}>
                {t('link.send')}
              </Button>
            </form>
          )}
        </section>
        {me && me.schools.length > 0 ? (
          <Button variant="ghost" onClick={() => navigate('/chats', { replace: true })}>
            {t('link.backToChats')}
          </Button>
        ) : (
          <Button variant="ghost" onClick={() => void api.post('/api/v1/auth/logout', null).finally(signOutLocally)}>
            {t('nav.signOut')}
          </Button>
        )}
      </div>
    </main>
  );
}
