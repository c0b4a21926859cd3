import { useEffect, useMemo, useState } from 'react';
import { z } from 'zod';
import { DiarySettings, Teaching } from '@parta/protocol';
import { api, currentMembership, meStore, schoolStore } from '../app/state.ts';
import { useStore } from '../lib/store.ts';
import { ErrorNote, Select } from '../ui/kit.tsx';
import { useDt } from './i18n.ts';
import { localToday } from './format.ts';
import { JournalGrid } from './Journal.tsx';
import { DiaryView } from './Diary.tsx';
import { ClassOverview } from './ClassOverview.tsx';
import './diary.css';

/** `/diary`: the journal for teachers and the admin, the diary for students and guardians (both for whoever is both). */
export default function DiaryScreen() {
  const { dt } = useDt();
  const me = useStore(meStore);
  const schoolId = useStore(schoolStore);
  const m = currentMembership(me, schoolId);
  const isStaff = !!m?.roles.some((r) => r === 'teacher' || r === 'admin');
  const isStudent = !!m?.roles.includes('student');
  const family = isStudent || (m?.children.length ?? 0) > 0;
  const [mode, setMode] = useState<'journal' | 'diary'>(isStaff ? 'journal' : 'diary');
  if (!m) return null;
  return (
    <main id="main" className="diary-screen">
      <header className="diary-header">
        <h1>{mode === 'journal' ? dt('d.journal') : dt('d.title')}</h1>
        {isStaff && family && (
          <div className="row" role="group">
            <button type="button" className="btn btn-ghost" aria-pressed={mode === 'journal'} onClick={() => setMode('journal')}>
              {dt('d.journal')}
            </button>
            <button type="button" className="btn btn-ghost" aria-pressed={mode === 'diary'} onClick={() => setMode('diary')}>
              {dt('d.title')}
            </button>
          </div>
        )}
      </header>
      {mode === 'journal' ? (
        <TeacherSide schoolId={m.school.id} classTeacherOf={m.classes.filter((c) => c.as === 'class_teacher').map((c) => c.id)} />
      ) : (
        <FamilySide schoolId={m.school.id} selfId={isStudent ? m.personId : null} children={m.children} />
      )}
    </main>
  );
}

function FamilySide({
  schoolId,
  selfId,
  children,
}: {
  schoolId: string;
  selfId: string | null;
  children: { personId: string; lastName: string; firstName: string }[];
}) {
  const { dt } = useDt();
  const [child, setChild] = useState(children[0]?.personId ?? null);
  const studentId = selfId ?? child;
  if (!studentId) return <p>{dt('d.empty')}</p>;
  return (
    <div className="stack">
      {!selfId && children.length > 1 && (
        <Select label={dt('d.child')} value={child ?? ''} onChange={(e) => setChild(e.target.value)}>
          {children.map((c) => (
            <option key={c.personId} value={c.personId}>{`${c.firstName} ${c.lastName}`}</option>
          ))}
        </Select>
      )}
      {!selfId && children.length === 1 && <p className="diary-child">{`${children[0]!.firstName} ${children[0]!.lastName}`}</p>}
      <DiaryView key={studentId} schoolId={schoolId} studentId={studentId} isStudent={!!selfId} isGuardian={!selfId} />
    </div>
  );
}

function TeacherSide({ schoolId, classTeacherOf }: { schoolId: string; classTeacherOf: string[] }) {
  const { dt, error } = useDt();
  const [teaching, setTeaching] = useState<Teaching[] | null>(null);
  const [settings, setSettings] = useState<DiarySettings | null>(null);
  const [err, setErr] = useState<unknown>(null);
  const [pick, setPick] = useState('');
  const [period, setPeriod] = useState('');
  useEffect(() => {
    const base = `/api/v1/schools/${schoolId}/diary`;
    Promise.all([api.get(`${base}/teaching`, z.object({ teaching: z.array(Teaching) })), api.get(`${base}/settings`, DiarySettings)]).then(([t, s]) => {
      setTeaching(t.teaching);
      setSettings(s);
      const today = localToday();
      setPeriod(s.periods.find((p) => p.startsOn <= today && today <= p.endsOn)?.id ?? s.periods.at(-1)?.id ?? '');
      const first = t.teaching.find((x) => !classTeacherOf.includes(x.classId) || x.isClassTeacher) ?? t.teaching[0];
      if (first) setPick(`${first.classId}:${first.subjectId}`);
    }, setErr);
  }, [schoolId, classTeacherOf]);
  const options = useMemo(
    () => [...(teaching ?? [])].sort((a, b) => `${a.className}${a.subjectName}`.localeCompare(`${b.className}${b.subjectName}`, 'ru')),
    [teaching],
  );
  if (err) return <ErrorNote>{error(err)}</ErrorNote>;
  if (!teaching || !settings) return <p aria-live="polite">{dt('d.loading')}</p>;
  if (teaching.length === 0) return <p>{dt('d.empty')}</p>;
  const [classId, subjectId] = pick.split(':');
  return (
    <div className="stack">
      <div className="row journal-pickers">
        <Select label={dt('j.pick')} value={pick} onChange={(e) => setPick(e.target.value)}>
          {options.map((t) => (
            <option key={`${t.classId}:${t.subjectId}`} value={`${t.classId}:${t.subjectId}`}>{`${t.className} · ${t.subjectName}`}</option>
          ))}
        </Select>
        <Select label={dt('j.period')} value={period} onChange={(e) => setPeriod(e.target.value)}>
          {settings.periods.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </Select>
      </div>
      {classId && subjectId && <JournalGrid key={`${pick}:${period}`} schoolId={schoolId} classId={classId} subjectId={subjectId} periodId={period || null} />}
      {classId && classTeacherOf.includes(classId) && <ClassOverview schoolId={schoolId} classId={classId} />}
    </div>
  );
}
