import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { z } from 'zod';
import { CreatedInvitation, InvitationList, JoinRequest, JoinRequestList, PEOPLE_PAGE, PersonList, SchoolClass, type Person } from '@parta/protocol';
import { api, currentMembership, meStore, schoolStore } from '../app/state.ts';
import { useI18n } from '../i18n/index.ts';
import { useStore } from '../lib/store.ts';
import { navigate, useLocation } from '../lib/router.ts';
import { Button, ErrorNote, Field, Select } from '../ui/kit.tsx';
import { useAction } from '../ui/useAction.ts';
import { People } from './AdminPeople.tsx';
import { AdminSignIn } from './AdminSignIn.tsx';

const BotsAdmin = lazy(() => import('../bots/BotsAdmin.tsx'));

const AdminImport = lazy(() => import('./AdminImport.tsx'));

type P = z.infer<typeof Person>;
type C = z.infer<typeof SchoolClass>;
const ClassList = z.object({ classes: z.array(SchoolClass) });

/** The whole roster, page by page: the server answers at most PEOPLE_PAGE at a time and says how many there are. */
async function loadPeople(sid: string): Promise<P[]> {
  const all: P[] = [];
  for (;;) {
    const r = await api.get(`/api/v1/schools/${sid}/people?offset=${all.length}&limit=${PEOPLE_PAGE}`, PersonList);
    all.push(...r.people);
    if (r.people.length === 0 || r.total === undefined || all.length >= r.total) return all;
  }
}
const TABS = ['classes', 'people', 'guardians', 'invitations', 'requests', 'import', 'signin', 'bots', 'helper'] as const;
type Tab = (typeof TABS)[number];

export const fio = (p: Pick<P, 'lastName' | 'firstName' | 'middleName'>) => [p.lastName, p.firstName, p.middleName].filter(Boolean).join(' ');

/** School administration: classes, people, guardians' links, invitations and join requests. */
export default function Admin() {
  const { t } = useI18n();
  const me = useStore(meStore);
  const schoolId = useStore(schoolStore);
  const m = currentMembership(me, schoolId);
  const isAdmin = !!m?.roles.includes('admin');
  const { path } = useLocation();
  const tab = (TABS.find((x) => path === `/admin/${x}`) ?? 'people') as Tab;
  const tabs = TABS.filter((x) => isAdmin || x === 'people' || x === 'invitations');
  const [classes, setClasses] = useState<C[]>([]);
  const [people, setPeople] = useState<P[]>([]);
  const [err, setErr] = useState<unknown>(null);
  const { error } = useI18n();
  const sid = m?.school.id ?? '';

  const reload = useCallback(() => {
    if (!sid) return;
    api.get(`/api/v1/schools/${sid}/classes`, ClassList).then((r) => setClasses(r.classes), setErr);
    loadPeople(sid).then(setPeople, setErr);
  }, [sid]);
  useEffect(reload, [reload]);

  if (!m) return null;
  return (
    <main className="page wide" id="main">
      <h1>{t('admin.title', { school: m.school.name })}</h1>
      <div className="tabs" role="tablist" aria-label={t('admin.sections')}>
        {tabs.map((x) => (
          <button
            key={x}
            type="button"
            role="tab"
            id={`tab-${x}`}
            aria-selected={tab === x}
            aria-controls={`panel-${x}`}
            tabIndex={tab === x ? 0 : -1}
            className={tab === x ? 'active' : ''}
            onClick={() => navigate(`/admin/${x}`)}
            onKeyDown={(e) => {
              const i = tabs.indexOf(x);
              const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
              if (!d) return;
              const next = tabs[(i + d + tabs.length) % tabs.length]!;
              navigate(`/admin/${next}`);
              requestAnimationFrame(() => document.getElementById(`tab-${next}`)?.focus());
            }}
          >
            {t(`admin.tab.${x}`)}
          </button>
        ))}
      </div>
      <ErrorNote>{err ? error(err) : null}</ErrorNote>
      <section role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'classes' && <Classes sid={sid} classes={classes} people={people} reload={reload} />}
        {tab === 'people' && <People sid={sid} classes={classes} people={people} reload={reload} isAdmin={isAdmin} />}
        {tab === 'guardians' && <Guardians sid={sid} people={people} classes={classes} reload={reload} />}
        {tab === 'invitations' && <Invitations sid={sid} people={people} />}
        {tab === 'requests' && <Requests sid={sid} people={people} reload={reload} />}
        {tab === 'signin' && <AdminSignIn sid={sid} />}
        {(tab === 'bots' || tab === 'helper') && isAdmin && (
          <Suspense fallback={null}>
            <BotsAdmin sid={sid} section={tab} />
          </Suspense>
        )}
        {tab === 'import' && isAdmin && (
          <Suspense fallback={<p>{t('common.loading')}</p>}>
            <AdminImport sid={sid} classes={classes} reload={reload} />
          </Suspense>
        )}
      </section>
    </main>
  );
}

function Classes({ sid, classes, people, reload }: { sid: string; classes: C[]; people: P[]; reload: () => void }) {
  const { t, plural } = useI18n();
  const [name, setName] = useState('');
  const [assign, setAssign] = useState<{ classId: string; personId: string; subject: string; isClassTeacher: boolean }>({
    classId: '',
    personId: '',
    subject: '',
    isClassTeacher: false,
  });
  const { err, busy, run } = useAction();
  const teachers = people.filter((p) => p.roles.includes('teacher'));
  const nameOf = (id: string) => {
    const p = people.find((x) => x.id === id);
    return p ? fio(p) : '';
  };
  return (
    <div className="stack">
      <form
        className="row gap wrap end"
        onSubmit={(e) => {
          e.preventDefault();
          void run(() => api.post(`/api/v1/schools/${sid}/classes`, SchoolClass, { name })).then((ok) => ok && (setName(''), reload()));
        }}
      >
        <Field label={t('admin.className')} value={name} onChange={(e) => setName(e.target.value)} placeholder="5А" maxLength={20} />
        <Button type="submit" busy={busy}>
          {t('admin.addClass')}
        </Button>
      </form>
      <ErrorNote>{err}</ErrorNote>
      <table className="table">
        <caption className="sr-only">{t('admin.tab.classes')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('admin.class')}</th>
            <th scope="col">{t('admin.students')}</th>
            <th scope="col">{t('admin.teachers')}</th>
            <th scope="col">
              <span className="sr-only">{t('admin.actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {classes.map((c) => (
            <tr key={c.id}>
              <th scope="row">{c.name}</th>
              <td>{plural('admin.studentCount', c.studentCount)}</td>
              <td>
                {c.teachers.map((tc) => (
                  <div key={tc.personId}>
                    {nameOf(tc.personId)}
                    {tc.subject ? ` — ${tc.subject}` : ''}
                    {tc.isClassTeacher ? ` (${t('admin.classTeacher')})` : ''}
                  </div>
                ))}
              </td>
              <td>
                <Button
                  variant="ghost"
                  onClick={() =>
                    window.confirm(t('admin.confirmArchive', { name: c.name })) &&
                    void run(() => api.delete(`/api/v1/schools/${sid}/classes/${c.id}`)).then(reload)
                  }
                >
                  {t('admin.archive')}
                </Button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        className="card"
        onSubmit={(e) => {
          e.preventDefault();
          void run(() =>
            api.post(`/api/v1/schools/${sid}/classes/${assign.classId}/teachers`, null, {
              personId: assign.personId,
              subject: assign.subject || null,
              isClassTeacher: assign.isClassTeacher,
            }),
          ).then((ok) => ok && reload());
        }}
      >
        <h2>{t('admin.assignTeacher')}</h2>
        <div className="grid2">
          <Select label={t('admin.class')} value={assign.classId} onChange={(e) => setAssign({ ...assign, classId: e.target.value })}>
            <option value="">—</option>
            {classes.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </Select>
          <Select label={t('role.teacher')} value={assign.personId} onChange={(e) => setAssign({ ...assign, personId: e.target.value })}>
            <option value="">—</option>
            {teachers.map((p) => (
              <option key={p.id} value={p.id}>
                {fio(p)}
              </option>
            ))}
          </Select>
        </div>
        <Field label={t('admin.subject')} value={assign.subject} onChange={(e) => setAssign({ ...assign, subject: e.target.value })} />
        <label className="check">
          <input type="checkbox" checked={assign.isClassTeacher} onChange={(e) => setAssign({ ...assign, isClassTeacher: e.target.checked })} />{' '}
          {t('admin.classTeacher')}
        </label>
        <Button type="submit" busy={busy} disabled={!assign.classId || !assign.personId}>
          {t('admin.assign')}
        </Button>
      </form>
    </div>
  );
}

function Guardians({ sid, people, classes, reload }: { sid: string; people: P[]; classes: C[]; reload: () => void }) {
  const { t } = useI18n();
  const [link, setLink] = useState({ guardianId: '', studentId: '', relation: '' });
  const [classId, setClassId] = useState(classes[0]?.id ?? '');
  const { err, busy, run } = useAction();
  const students = people.filter((p) => p.roles.includes('student') && (!classId || p.classIds.includes(classId)));
  const guardians = people.filter((p) => p.roles.includes('guardian'));
  const byId = new Map(people.map((p) => [p.id, p]));
  return (
    <div className="stack">
      <form
        className="card"
        onSubmit={(e) => {
          e.preventDefault();
          void run(() =>
            api.post(`/api/v1/schools/${sid}/guardianships`, null, {
              guardianId: link.guardianId,
              studentId: link.studentId,
              ...(link.relation ? { relation: link.relation } : {}),
            }),
          ).then((ok) => ok && reload());
        }}
      >
        <h2>{t('admin.linkGuardian')}</h2>
        <div className="grid2">
          <Select label={t('role.guardian')} value={link.guardianId} onChange={(e) => setLink({ ...link, guardianId: e.target.value })}>
            <option value="">—</option>
            {guardians.map((p) => (
              <option key={p.id} value={p.id}>
                {fio(p)}
              </option>
            ))}
          </Select>
          <Select label={t('role.student')} value={link.studentId} onChange={(e) => setLink({ ...link, studentId: e.target.value })}>
            <option value="">—</option>
            {people
              .filter((p) => p.roles.includes('student'))
              .map((p) => (
                <option key={p.id} value={p.id}>
                  {fio(p)}
                </option>
              ))}
          </Select>
        </div>
        <Field label={t('admin.relation')} value={link.relation} onChange={(e) => setLink({ ...link, relation: e.target.value })} maxLength={40} />
        <ErrorNote>{err}</ErrorNote>
        <Button type="submit" busy={busy} disabled={!link.guardianId || !link.studentId}>
          {t('admin.link')}
        </Button>
      </form>
      <Select label={t('admin.class')} value={classId} onChange={(e) => setClassId(e.target.value)}>
        <option value="">{t('admin.allClasses')}</option>
        {classes.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
          </option>
        ))}
      </Select>
      <table className="table">
        <caption className="sr-only">{t('admin.tab.guardians')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('role.student')}</th>
            <th scope="col">{t('admin.guardians')}</th>
          </tr>
        </thead>
        <tbody>
          {students.map((s) => (
            <tr key={s.id}>
              <th scope="row">{fio(s)}</th>
              <td>
                {s.guardianIds.map((g) => (
                  <div key={g} className="row gap">
                    <span>{byId.get(g) ? fio(byId.get(g)!) : ''}</span>
                    <Button
                      variant="ghost"
                      aria-label={t('admin.unlinkNamed', { name: byId.get(g) ? fio(byId.get(g)!) : '' })}
                      onClick={() => void run(() => api.delete(`/api/v1/schools/${sid}/guardianships/${g}/${s.id}`)).then(reload)}
                    >
                      {t('admin.unlink')}
                    </Button>
                  </div>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Invitations({ sid, people }: { sid: string; people: P[] }) {
  const { t, date } = useI18n();
  const [list, setList] = useState<z.infer<typeof InvitationList>['invitations']>([]);
  const [personId, setPersonId] = useState('');
  const [ttl, setTtl] = useState(72);
  const [created, setCreated] = useState<z.infer<typeof CreatedInvitation> | null>(null);
  const [q, setQ] = useState('');
  const { err, busy, run } = useAction();
  const load = useCallback(
    () =>
      void api.get(`/api/v1/schools/${sid}/invitations`, InvitationList).then(
        (r) => setList(r.invitations),
        () => undefined,
      ),
    [sid],
  );
  useEffect(load, [load]);
  const candidates = people.filter((p) => !p.linked && (!q || fio(p).toLocaleLowerCase().includes(q.toLocaleLowerCase()))).slice(0, 200);

  async function share() {
    if (!created) return;
    const text = t('admin.inviteText', { code: created.code, link: created.link });
    if (navigator.share) await navigator.share({ title: t('app.name'), text }).catch(() => undefined);
    else await navigator.clipboard?.writeText(text);
  }

  return (
    <div className="stack">
      <form
        className="card no-print"
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            setCreated(await api.post(`/api/v1/schools/${sid}/invitations`, CreatedInvitation, { personId, ttlHours: ttl }));
            load();
          });
        }}
      >
        <h2>{t('admin.newInvitation')}</h2>
        <p className="muted small">{t('admin.inviteExplain')}</p>
        <Field label={t('admin.findPerson')} type="search" value={q} onChange={(e) => setQ(e.target.value)} />
        <div className="grid2">
          <Select label={t('admin.person')} value={personId} onChange={(e) => setPersonId(e.target.value)}>
            <option value="">—</option>
            {candidates.map((p) => (
              <option key={p.id} value={p.id}>
                {fio(p)} ({p.roles.map((r) => t(`role.${r}`)).join(', ')})
              </option>
            ))}
          </Select>
          <Select label={t('admin.validFor')} value={String(ttl)} onChange={(e) => setTtl(Number(e.target.value))}>
            {[24, 72, 168, 720].map((h) => (
              <option key={h} value={h}>
                {t('admin.days', { n: h / 24 })}
              </option>
            ))}
          </Select>
        </div>
        <ErrorNote>{err}</ErrorNote>
        <Button type="submit" busy={busy} disabled={!personId}>
          {t('admin.createInvitation')}
        </Button>
      </form>
      {created && (
        <div className="card invite-slip" aria-live="polite">
          <h2>{t('admin.inviteFor', { name: created.personName })}</h2>
          <p>{t('admin.inviteSlip')}</p>
          <p className="invite-code" aria-label={t('admin.code')}>
            {created.code}
          </p>
          <p className="small">{created.link}</p>
          <p className="muted small">{t('admin.validUntil', { date: date(created.expiresAt) })}</p>
          <div className="row gap no-print">
            <Button onClick={() => window.print()}>{t('admin.print')}</Button>
            <Button variant="secondary" onClick={() => void share()}>
              {t('admin.share')}
            </Button>
          </div>
        </div>
      )}
      <table className="table no-print">
        <caption className="sr-only">{t('admin.tab.invitations')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('admin.person')}</th>
            <th scope="col">{t('admin.created')}</th>
            <th scope="col">{t('admin.status')}</th>
            <th scope="col">
              <span className="sr-only">{t('admin.actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {list.map((i) => {
            const state = i.usedAt ? 'used' : i.revokedAt ? 'revoked' : new Date(i.expiresAt) < new Date() ? 'expired' : 'active';
            return (
              <tr key={i.id}>
                <th scope="row">{i.personName}</th>
                <td>{date(i.createdAt)}</td>
                <td>{t(`admin.invite.${state}`)}</td>
                <td>
                  {state === 'active' && (
                    <Button variant="ghost" onClick={() => void run(() => api.delete(`/api/v1/schools/${sid}/invitations/${i.id}`)).then(load)}>
                      {t('admin.revoke')}
                    </Button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function Requests({ sid, people, reload }: { sid: string; people: P[]; reload: () => void }) {
  const { t, date } = useI18n();
  const [list, setList] = useState<z.infer<typeof JoinRequest>[]>([]);
  const [chosen, setChosen] = useState<Record<string, string>>({});
  const { err, run } = useAction();
  const load = useCallback(
    () =>
      void api.get(`/api/v1/schools/${sid}/join-requests?status=pending`, JoinRequestList).then(
        (r) => setList(r.joinRequests),
        () => undefined,
      ),
    [sid],
  );
  useEffect(load, [load]);
  return (
    <div className="stack">
      <ErrorNote>{err}</ErrorNote>
      {list.length === 0 && <p className="muted">{t('admin.noRequests')}</p>}
      {list.map((r) => {
        const matches = people.filter((p) => !p.linked && p.roles.includes(r.role) && p.lastName.toLocaleLowerCase() === r.lastName.toLocaleLowerCase());
        const options = matches.length ? matches : people.filter((p) => !p.linked && p.roles.includes(r.role));
        return (
          <div key={r.id} className="card">
            <h2>{fio(r)}</h2>
            <p>
              {t(`role.${r.role}`)} · {r.phone} · {date(r.createdAt)}
            </p>
            {r.comment && <blockquote>{r.comment}</blockquote>}
            <Select label={t('admin.rosterPerson')} value={chosen[r.id] ?? ''} onChange={(e) => setChosen({ ...chosen, [r.id]: e.target.value })}>
              <option value="">—</option>
              {options.slice(0, 300).map((p) => (
                <option key={p.id} value={p.id}>
                  {fio(p)}
                </option>
              ))}
            </Select>
            <div className="row gap">
              <Button
                disabled={!chosen[r.id]}
                onClick={() =>
                  void run(() => api.post(`/api/v1/schools/${sid}/join-requests/${r.id}/approve`, JoinRequest, { personId: chosen[r.id] })).then(() => {
                    load();
                    reload();
                  })
                }
              >
                {t('admin.approve')}
              </Button>
              <Button
                variant="secondary"
                onClick={() => void run(() => api.post(`/api/v1/schools/${sid}/join-requests/${r.id}/reject`, JoinRequest)).then(load)}
              >
                {t('admin.reject')}
              </Button>
            </div>
          </div>
        );
      })}
    </div>
  );
}
