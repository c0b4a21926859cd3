import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { z } from 'zod';
import { Id, PersonList, SchoolClass, type Person } from '@parta/protocol';
import { api, currentMembership, meStore, schoolStore } from '../app/state.ts';
import { useI18n } from '../i18n/index.ts';
import { useStore } from '../lib/store.ts';
import { navigate } from '../lib/router.ts';
import { Button, ErrorNote, Field, Select } from '../ui/kit.tsx';

const Created = z.object({ chatId: Id, notLinked: z.array(Id) });
type Kind = 'students' | 'guardians' | 'teachers';
const KINDS: Kind[] = ['students', 'guardians', 'teachers'];

const fullName = (p: Person) => `${p.lastName} ${p.firstName}`;

/**
 * A teacher (or an admin) makes a group chat, «5А — олимпиада», from the people of one of their
 * classes: students, their guardians (shown as whose parent they are) and the class's teachers.
 * The server checks again who may be added (messaging/groups.ts).
 */
export default function NewGroup() {
  const { t, plural, error } = useI18n();
  const me = useStore(meStore);
  const schoolId = useStore(schoolStore);
  const membership = currentMembership(me, schoolId);
  const isAdmin = !!membership?.roles.includes('admin');
  const own = useMemo(() => (membership?.classes ?? []).filter((c) => c.as === 'teacher' || c.as === 'class_teacher'), [membership]);
  const [classes, setClasses] = useState<{ id: string; name: string }[]>(own);
  const [classId, setClassId] = useState(own[0]?.id ?? '');
  const [people, setPeople] = useState<Person[] | null>(null);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [title, setTitle] = useState('');
  const [err, setErr] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // An admin may make a group of any class of the school.
  useEffect(() => {
    if (!isAdmin || !schoolId) return;
    api.request('GET', `/api/v1/schools/${schoolId}/classes`, z.object({ classes: z.array(SchoolClass) })).then(
      (r) => {
        const all = r.classes.map((c) => ({ id: c.id, name: c.name }));
        setClasses(all);
        setClassId((current) => current || all[0]?.id || '');
      },
      (e) => setErr(error(e)),
    );
  }, [isAdmin, schoolId, error]);

  useEffect(() => {
    if (!schoolId || !classId) return;
    let cancelled = false;
    setPeople(null);
    setChosen(new Set());
    const name = classes.find((c) => c.id === classId)?.name ?? '';
    setTitle((current) => (current && !/^\S+ — $/.test(current) ? current : `${name} — `));
    (async () => {
      const all: Person[] = [];
      for (let offset = 0; ;) {
        const page = await api.request('GET', `/api/v1/schools/${schoolId}/people?classId=${classId}&offset=${offset}`, PersonList);
        all.push(...page.people);
        offset += page.people.length;
        if (page.people.length === 0 || offset >= (page.total ?? offset)) break;
      }
      if (!cancelled) setPeople(all.filter((p) => p.id !== membership?.personId));
    })().catch((e) => !cancelled && setErr(error(e)));
    return () => {
      cancelled = true;
    };
  }, [schoolId, classId, classes, membership?.personId, error]);

  const byKind = useMemo(() => {
    const list = people ?? [];
    const students = list.filter((p) => p.roles.includes('student') && p.classIds.includes(classId));
    const names = new Map(students.map((s) => [s.id, s.firstName]));
    return {
      students: students.map((p) => ({ p, note: '' })),
      guardians: list
        .filter((p) => p.roles.includes('guardian') && p.childIds.some((c) => names.has(c)))
        .map((p) => ({
          p,
          note: t('group.parentOf', {
            names: p.childIds
              .filter((c) => names.has(c))
              .map((c) => names.get(c))
              .join(', '),
          }),
        })),
      teachers: list.filter((p) => p.roles.includes('teacher') && !p.roles.includes('student')).map((p) => ({ p, note: '' })),
    } satisfies Record<Kind, { p: Person; note: string }[]>;
  }, [people, classId, t]);

  const toggle = (ids: string[], on: boolean) =>
    setChosen((s) => {
      const next = new Set(s);
      for (const id of ids)
        if (on) next.add(id);
        else next.delete(id);
      return next;
    });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!schoolId) return;
    setErr(null);
    if (chosen.size === 0) return setErr(t('group.pickSomeone'));
    setBusy(true);
    try {
      const r = await api.request('POST', `/api/v1/schools/${schoolId}/groups`, Created, { title: title.trim(), personIds: [...chosen] });
      navigate(`/chats/${r.chatId}${r.notLinked.length ? `?notLinked=${r.notLinked.length}` : ''}`);
    } catch (e2) {
      setErr(error(e2));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" className="page">
      <h1>{t('group.new')}</h1>
      <p className="muted">{t('group.explain')}</p>
      <form onSubmit={(e) => void submit(e)} className="stack">
        <Select label={t('group.class')} value={classId} onChange={(e) => setClassId(e.target.value)}>
          {classes.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </Select>
        <Field label={t('group.title')} value={title} maxLength={100} required onChange={(e) => setTitle(e.target.value)} />
        {people === null && classId && <p className="muted">{t('common.loading')}</p>}
        {classes.length === 0 && <p className="muted">{t('group.noClasses')}</p>}
        {people !== null &&
          KINDS.map((kind) => {
            const rows = byKind[kind];
            if (rows.length === 0) return null;
            const ids = rows.map((r) => r.p.id);
            const all = ids.every((id) => chosen.has(id));
            return (
              <fieldset key={kind} className="group-pick">
                <legend>{t(`group.kind.${kind}`)}</legend>
                <label className="check">
                  <input type="checkbox" checked={all} onChange={(e) => toggle(ids, e.target.checked)} /> {t('group.all', { n: rows.length })}
                </label>
                <ul className="plain">
                  {rows.map(({ p, note }) => (
                    <li key={p.id}>
                      <label className="check">
                        <input type="checkbox" checked={chosen.has(p.id)} onChange={(e) => toggle([p.id], e.target.checked)} />
                        <span>
                          {fullName(p)}
                          {note && <span className="muted"> ({note})</span>}
                          {!p.linked && <span className="muted"> · {t('group.notLinked')}</span>}
                        </span>
                      </label>
                    </li>
                  ))}
                </ul>
              </fieldset>
            );
          })}
        <p className="muted" aria-live="polite">
          {plural('group.chosen', chosen.size)}
        </p>
        <div className="row">
          <Button type="submit" busy={busy} disabled={!title.trim() || chosen.size === 0}>
            {t('group.create')}
          </Button>
          <Button variant="secondary" onClick={() => navigate('/chats')}>
            {t('common.cancel')}
          </Button>
        </div>
        <ErrorNote>{err}</ErrorNote>
      </form>
    </main>
  );
}
