import { useEffect, useMemo, useState, type FormEvent } from 'react';
import type { z } from 'zod';
import { Person, type SchoolClass, type SchoolRole } from '@parta/protocol';
import { api } from '../app/state.ts';
import { useI18n } from '../i18n/index.ts';
import { Button, ErrorNote, Field, Select } from '../ui/kit.tsx';
import { fio } from './Admin.tsx';
import { useAction } from '../ui/useAction.ts';

type P = z.infer<typeof Person>;
type C = z.infer<typeof SchoolClass>;
const PAGE = 100;

/** The roster: filters, a page of people at a time, and (admins) adding a person. */
export function People({ sid, classes, people, reload, isAdmin }: { sid: string; classes: C[]; people: P[]; reload: () => void; isAdmin: boolean }) {
  const { t } = useI18n();
  const [q, setQ] = useState('');
  const [role, setRole] = useState<SchoolRole | ''>('');
  const [classId, setClassId] = useState('');
  const [form, setForm] = useState({ lastName: '', firstName: '', middleName: '', role: 'student' as SchoolRole, phone: '', birthDate: '', classId: '' });
  const { err, busy, run } = useAction();
  const shown = useMemo(
    () =>
      people
        .filter((p) => !role || p.roles.includes(role))
        .filter((p) => !classId || p.classIds.includes(classId) || p.childIds.some((c) => people.find((x) => x.id === c)?.classIds.includes(classId)))
        .filter((p) => !q || fio(p).toLocaleLowerCase().includes(q.toLocaleLowerCase())),
    [people, role, classId, q],
  );
  // Pages of PAGE rows: every matching person is reachable, and the line above the table says which are shown.
  const pages = Math.max(1, Math.ceil(shown.length / PAGE));
  const [page, setPage] = useState(0);
  useEffect(() => setPage(0), [role, classId, q]);
  useEffect(() => setPage((p) => Math.min(p, pages - 1)), [pages]);
  const className = (ids: string[]) =>
    ids
      .map((id) => classes.find((c) => c.id === id)?.name)
      .filter(Boolean)
      .join(', ');

  async function add(e: FormEvent) {
    e.preventDefault();
    const ok = await run(() =>
      api.post(`/api/v1/schools/${sid}/people`, Person, {
        lastName: form.lastName,
        firstName: form.firstName,
        middleName: form.middleName || null,
        roles: [form.role],
        phone: form.phone || null,
        birthDate: form.birthDate || null,
        ...(form.role === 'student' && form.classId ? { classId: form.classId } : {}),
      }),
    );
    if (ok) {
      setForm({ ...form, lastName: '', firstName: '', middleName: '', phone: '', birthDate: '' });
      reload();
    }
  }

  return (
    <div className="stack">
      <div className="filters">
        <input type="search" aria-label={t('admin.findPerson')} placeholder={t('admin.findPerson')} value={q} onChange={(e) => setQ(e.target.value)} />
        <select aria-label={t('admin.role')} value={role} onChange={(e) => setRole(e.target.value as SchoolRole | '')}>
          <option value="">{t('admin.allRoles')}</option>
          {(['student', 'guardian', 'teacher', 'admin'] as const).map((r) => (
            <option key={r} value={r}>
              {t(`role.${r}`)}
            </option>
          ))}
        </select>
        <select aria-label={t('admin.class')} value={classId} onChange={(e) => setClassId(e.target.value)}>
          <option value="">{t('admin.allClasses')}</option>
          {classes.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </div>
      <Pager
        page={page}
        pages={pages}
        onPage={setPage}
        label={t('admin.shownRange', {
          from: shown.length ? page * PAGE + 1 : 0,
          to: Math.min(shown.length, (page + 1) * PAGE),
          n: shown.length,
          total: people.length,
        })}
      />
      <div className="table-wrap" tabIndex={0} role="region" aria-label={t('admin.tab.people')}>
        <table className="table">
          <caption className="sr-only">{t('admin.tab.people')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('admin.name')}</th>
              <th scope="col">{t('admin.role')}</th>
              <th scope="col">{t('admin.class')}</th>
              <th scope="col">{t('admin.phone')}</th>
              <th scope="col">{t('admin.account')}</th>
            </tr>
          </thead>
          <tbody>
            {shown.slice(page * PAGE, (page + 1) * PAGE).map((p) => (
              <tr key={p.id}>
                <th scope="row">{fio(p)}</th>
                <td>{p.roles.map((r) => t(`role.${r}`)).join(', ')}</td>
                <td>{className(p.classIds)}</td>
                <td>{p.phone ?? '—'}</td>
                <td>{p.linked ? t('admin.linked') : t('admin.notLinked')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {isAdmin && (
        <form className="card" onSubmit={add} noValidate>
          <h2>{t('admin.addPerson')}</h2>
          <div className="grid2">
            <Field label={t('person.lastName')} value={form.lastName} onChange={(e) => setForm({ ...form, lastName: e.target.value })} />
            <Field label={t('person.firstName')} value={form.firstName} onChange={(e) => setForm({ ...form, firstName: e.target.value })} />
            <Field label={t('person.middleName')} value={form.middleName} onChange={(e) => setForm({ ...form, middleName: e.target.value })} />
            <Select label={t('admin.role')} value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as SchoolRole })}>
              {(['student', 'guardian', 'teacher', 'admin'] as const).map((r) => (
                <option key={r} value={r}>
                  {t(`role.${r}`)}
                </option>
              ))}
            </Select>
            <Field label={t('admin.phone')} type="tel" value={form.phone} onChange={(e) => setForm({ ...form, phone: e.target.value })} />
            <Field label={t('admin.birthDate')} type="date" value={form.birthDate} onChange={(e) => setForm({ ...form, birthDate: e.target.value })} />
            {form.role === 'student' && (
              <Select label={t('admin.class')} value={form.classId} onChange={(e) => setForm({ ...form, classId: e.target.value })}>
                <option value="">—</option>
                {classes.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name}
                  </option>
                ))}
              </Select>
            )}
          </div>
          <ErrorNote>{err}</ErrorNote>
          <Button type="submit" busy={busy}>
            {t('admin.add')}
          </Button>
        </form>
      )}
    </div>
  );
}

function Pager({ page, pages, onPage, label }: { page: number; pages: number; onPage: (p: number) => void; label: string }) {
  const { t } = useI18n();
  return (
    <div className="row wrap gap pager">
      <p className="muted small" role="status">
        {label}
      </p>
      {pages > 1 && (
        <nav className="row gap" aria-label={t('admin.pages')}>
          <Button variant="secondary" disabled={page === 0} onClick={() => onPage(page - 1)}>
            {t('admin.prevPage')}
          </Button>
          <span className="small">{t('admin.pageOf', { n: page + 1, m: pages })}</span>
          <Button variant="secondary" disabled={page >= pages - 1} onClick={() => onPage(page + 1)}>
            {t('admin.nextPage')}
          </Button>
        </nav>
      )}
    </div>
  );
}
