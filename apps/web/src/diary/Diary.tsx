import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { z } from 'zod';
import { AbsenceNotice, AttendanceSummary, DiaryGrades, DiaryWeek, HomeworkList, type Grade, type Homework, type Lesson } from '@parta/protocol';
import { api } from '../app/state.ts';
import { useEngine } from '../app/engine-context.ts';
import { navigate } from '../lib/router.ts';
import { Button, ErrorNote, Field, Select } from '../ui/kit.tsx';
import { useDt } from './i18n.ts';
import { addDays, gradeClass, localToday, showGrade } from './format.ts';
import { Trend } from './Trend.tsx';
import { HomeworkFiles } from './HomeworkFiles.tsx';

type Tab = 'week' | 'grades' | 'homework' | 'attendance' | 'absence';

/** Opens a direct chat with a teacher, the grade or homework quoted in the message being written. */
async function askTeacher(schoolId: string, teacherId: string, quote: string) {
  const { chatId } = await api.post(`/api/v1/schools/${schoolId}/directs`, z.object({ chatId: z.string() }), { personId: teacherId });
  try {
    sessionStorage.setItem(`parta.draft.${chatId}`, quote);
  } catch {
    /* no storage: the chat opens without the quote */
  }
  navigate(`/chats/${chatId}`);
}

/** A student's diary, as the student or a guardian sees it: the week, grades, homework, attendance. */
export function DiaryView({ schoolId, studentId, isStudent, isGuardian }: { schoolId: string; studentId: string; isStudent: boolean; isGuardian: boolean }) {
  const { dt } = useDt();
  const [tab, setTab] = useState<Tab>('week');
  const tabs: Tab[] = ['week', 'grades', 'homework', 'attendance', ...(isGuardian ? (['absence'] as const) : [])];
  const base = `/api/v1/schools/${schoolId}/diary/students/${studentId}`;
  return (
    <div className="diary">
      <div role="tablist" className="diary-tabs" aria-label={dt('d.title')}>
        {tabs.map((x) => (
          <button
            key={x}
            role="tab"
            type="button"
            id={`tab-${x}`}
            aria-selected={tab === x}
            aria-controls={`panel-${x}`}
            tabIndex={tab === x ? 0 : -1}
            onClick={() => setTab(x)}
            onKeyDown={(e) => {
              const i = tabs.indexOf(x);
              if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
                const next = tabs[(i + (e.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length]!;
                setTab(next);
                document.getElementById(`tab-${next}`)?.focus();
              }
            }}
          >
            {dt(`d.tab.${x}`)}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} className="diary-panel">
        {tab === 'week' && <WeekView base={base} schoolId={schoolId} isGuardian={isGuardian} />}
        {tab === 'grades' && <GradesView base={base} schoolId={schoolId} />}
        {tab === 'homework' && <HomeworkView base={base} schoolId={schoolId} isStudent={isStudent} />}
        {tab === 'attendance' && <AttendanceView base={base} />}
        {tab === 'absence' && <AbsenceForm base={base} />}
      </div>
    </div>
  );
}

/** Loads a diary resource and loads it again when a diary event comes in. */
function useLive<T>(load: () => Promise<T>): { data: T | null; err: unknown; reload: () => void } {
  const engine = useEngine();
  const [data, setData] = useState<T | null>(null);
  const [err, setErr] = useState<unknown>(null);
  const run = useCallback(() => {
    load().then(
      (d) => {
        setData(d);
        setErr(null);
      },
      (e) => setErr(e),
    );
  }, [load]);
  useEffect(() => {
    run();
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = engine.onDiary(() => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(run, 250);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [engine, run]);
  return { data, err, reload: run };
}

function WeekView({ base, schoolId, isGuardian }: { base: string; schoolId: string; isGuardian: boolean }) {
  const { dt, date, error } = useDt();
  const [day, setDay] = useState(localToday());
  const load = useCallback(() => api.get(`${base}/week?date=${day}`, DiaryWeek), [base, day]);
  const { data, err, reload } = useLive(load);
  if (err) return <ErrorNote>{error(err)}</ErrorNote>;
  if (!data) return <p aria-live="polite">{dt('d.loading')}</p>;
  const gradesOf = (l: Lesson) => data.grades.filter((g) => g.lessonId === l.id);
  return (
    <div className="stack">
      <div className="row diary-weeknav">
        <Button variant="secondary" onClick={() => setDay(addDays(data.weekStart, -7))}>{`‹ ${dt('d.prevWeek')}`}</Button>
        <Button variant="ghost" onClick={() => setDay(localToday())}>
          {dt('d.thisWeek')}
        </Button>
        <Button variant="secondary" onClick={() => setDay(addDays(data.weekStart, 7))}>{`${dt('d.nextWeek')} ›`}</Button>
      </div>
      <h3>{dt('d.weekOf', { date: date(data.weekStart) })}</h3>
      {data.days.map((d) => (
        <section key={d.date} className="diary-day" aria-label={date(d.date, { weekday: 'long', day: 'numeric', month: 'long' })}>
          <h4>{date(d.date, { weekday: 'long', day: 'numeric', month: 'long' })}</h4>
          {d.holiday && <p className="hint">{dt('d.holiday', { name: d.holiday })}</p>}
          {d.lessons.length === 0 && !d.holiday && <p className="hint">{dt('d.noLessons')}</p>}
          <ol className="diary-lessons">
            {d.lessons.map((l) => {
              const due = data.homeworkDue.filter((h) => h.dueLessonId === l.id);
              const mark = data.attendance.find((a) => a.lessonId === l.id);
              return (
                <li key={l.id} data-lesson-id={l.id} className={`diary-lesson ${l.cancelled ? 'is-cancelled' : ''}`}>
                  <div className="diary-lesson-head">
                    <span className="diary-time">{l.startsAt ? `${l.startsAt}–${l.endsAt}` : dt('d.lesson', { n: l.lessonNo })}</span>
                    <strong>{l.subjectName}</strong>
                    {l.room && <span className="hint">{dt('d.room', { room: l.room })}</span>}
                    {l.teacher && <span className="hint">{l.teacher.name}</span>}
                    {l.changed && <span className="badge">{dt(`d.change.${l.changed}`)}</span>}
                    {mark && <span className={`att att-${mark.status}`}>{dt(`d.att.${mark.status}`)}</span>}
                    {gradesOf(l).map((g) => (
                      <GradeChip key={g.studentId} grade={g} lesson={l} schoolId={schoolId} />
                    ))}
                  </div>
                  {l.topic && <p className="diary-topic">{`${dt('d.topic')}: ${l.topic}`}</p>}
                  {due.map((h) => (
                    <div key={h.id}>
                      <p className="diary-hw">{`${dt('d.homeworkDue')}: ${h.text}`}</p>
                      <HomeworkFiles files={h.files} />
                    </div>
                  ))}
                </li>
              );
            })}
          </ol>
        </section>
      ))}
      {isGuardian && (
        <div className="row">
          {data.signedOff ? (
            <p className="badge badge-ok" role="status">
              {dt('d.signedOff')}
            </p>
          ) : (
            <Button onClick={() => void api.post(`${base}/signoff`, null, { weekStart: data.weekStart }).then(reload)}>{dt('d.signoff')}</Button>
          )}
        </div>
      )}
    </div>
  );
}

function GradeChip({ grade, lesson, schoolId }: { grade: Grade; lesson: Lesson; schoolId: string }) {
  const { dt, date } = useDt();
  const text = showGrade(grade.value, dt);
  const teacher = lesson.teacher;
  return (
    <button
      type="button"
      className={`grade grade-chip ${gradeClass(grade.value)}`}
      title={teacher ? dt('d.askTeacher') : undefined}
      aria-label={`${dt('d.grade')} ${text}${teacher ? `. ${dt('d.askTeacher')}` : ''}`}
      disabled={!teacher}
      onClick={() =>
        teacher && void askTeacher(schoolId, teacher.id, dt('d.quote.grade', { subject: lesson.subjectName, date: date(grade.date), value: text }))
      }
    >
      {text}
    </button>
  );
}

function GradesView({ base, schoolId }: { base: string; schoolId: string }) {
  const { dt, date, error } = useDt();
  const load = useCallback(() => api.get(`${base}/grades`, DiaryGrades), [base]);
  const { data, err } = useLive(load);
  if (err) return <ErrorNote>{error(err)}</ErrorNote>;
  if (!data) return <p aria-live="polite">{dt('d.loading')}</p>;
  const [min, max] = data.scale === '1-10' ? [1, 10] : data.scale === '1-100' ? [1, 100] : [2, 5];
  return (
    <div className="stack">
      {data.period && <h3>{data.period.name}</h3>}
      <table className="diary-grades">
        <thead>
          <tr>
            <th scope="col">{dt('j.pick')}</th>
            <th scope="col">{dt('d.tab.grades')}</th>
            <th scope="col">{dt('d.average')}</th>
            <th scope="col">{dt('d.trend')}</th>
            <th scope="col">{dt('d.final')}</th>
          </tr>
        </thead>
        <tbody>
          {data.subjects.map((s) => (
            <tr key={s.subject.id}>
              <th scope="row">
                {s.subject.name}
                {s.teacher && (
                  <button type="button" className="linkish" onClick={() => void askTeacher(schoolId, s.teacher!.id, `«${s.subject.name}». `)}>
                    {dt('d.askTeacher')}
                  </button>
                )}
              </th>
              <td>
                {s.grades.map((g) => (
                  <span key={`${g.lessonId}`} className={`grade ${gradeClass(g.value)}`} title={date(g.date)}>
                    {showGrade(g.value, dt)}
                  </span>
                ))}
              </td>
              <td>{s.average?.toFixed(2) ?? '—'}</td>
              <td>
                <Trend points={s.trend} label={`${dt('d.trend')}: ${s.subject.name}`} min={min} max={max} />
              </td>
              <td>{s.finalMark ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function HomeworkView({ base, schoolId, isStudent }: { base: string; schoolId: string; isStudent: boolean }) {
  const { dt, date, error } = useDt();
  const load = useCallback(() => api.get(`${base}/homework`, HomeworkList), [base]);
  const { data, err, reload } = useLive(load);
  const [ticks, setTicks] = useState<Record<string, boolean>>({});
  const [tickErr, setTickErr] = useState<unknown>(null);
  if (err) return <ErrorNote>{error(err)}</ErrorNote>;
  if (!data) return <p aria-live="polite">{dt('d.loading')}</p>;
  if (data.homework.length === 0) return <p>{dt('d.empty')}</p>;
  const school = base.split('/diary/')[0];
  const isDone = (h: Homework) => ticks[h.id] ?? !!h.done;
  // The tick shows at once; a refusal puts it back.
  const tick = (h: Homework, done: boolean) => {
    setTickErr(null);
    setTicks((t) => ({ ...t, [h.id]: done }));
    api.put(`${school}/diary/homework/${h.id}/done`, null, { done }).then(reload, (e) => {
      setTicks(({ [h.id]: _gone, ...rest }) => rest);
      setTickErr(e);
    });
  };
  return (
    <>
      {tickErr ? <ErrorNote>{error(tickErr)}</ErrorNote> : null}
      <ul className="diary-hwlist">
        {data.homework.map((h) => (
          <li key={h.id} data-homework-id={h.id} className={isDone(h) ? 'is-done' : ''}>
            <div className="row">
              <strong>{h.subjectName}</strong>
              <span className="hint">{dt('d.due', { date: date(h.dueOn) })}</span>
            </div>
            <p>{h.text}</p>
            <HomeworkFiles files={h.files} />
            <div className="row">
              {isStudent && (
                <label className="check">
                  <input type="checkbox" checked={isDone(h)} onChange={(e) => tick(h, e.target.checked)} />
                  {dt('d.done')}
                </label>
              )}
              {h.teacher && (
                <button
                  type="button"
                  className="linkish"
                  onClick={() =>
                    void askTeacher(schoolId, h.teacher!.id, dt('d.quote.homework', { subject: h.subjectName, date: date(h.dueOn), text: h.text }))
                  }
                >
                  {dt('d.askTeacher')}
                </button>
              )}
            </div>
          </li>
        ))}
      </ul>
    </>
  );
}

function AttendanceView({ base }: { base: string }) {
  const { dt, date, error } = useDt();
  const load = useCallback(() => api.get(`${base}/attendance`, AttendanceSummary), [base]);
  const { data, err } = useLive(load);
  if (err) return <ErrorNote>{error(err)}</ErrorNote>;
  if (!data) return <p aria-live="polite">{dt('d.loading')}</p>;
  return (
    <div className="stack">
      <p>{dt('d.att.lessons', { n: data.lessons })}</p>
      <ul className="diary-attcounts">
        {(['absent', 'ill', 'excused', 'late'] as const).map((k) => (
          <li key={k}>
            <span className={`att att-${k}`}>{dt(`d.att.${k}`)}</span> {data.counts[k]}
          </li>
        ))}
      </ul>
      <ul>
        {data.marks.map((m) => (
          <li key={m.lessonId}>{`${date(m.date)} · ${m.subjectName} · ${dt(`d.att.${m.status}`)}${m.fromNotice ? ` (${dt('d.att.fromNotice')})` : ''}`}</li>
        ))}
      </ul>
    </div>
  );
}

function AbsenceForm({ base }: { base: string }) {
  const { dt, error } = useDt();
  const tomorrow = addDays(localToday(), 1);
  const [from, setFrom] = useState(tomorrow);
  const [to, setTo] = useState(tomorrow);
  const [reason, setReason] = useState<'ill' | 'family' | 'other'>('ill');
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const [sent, setSent] = useState<number | null>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErr(null);
    try {
      const n = await api.post(`${base}/absences`, AbsenceNotice, { fromDate: from, toDate: to < from ? from : to, reason, comment: comment.trim() || null });
      setSent(n.lessonsExcused);
    } catch (e2) {
      setErr(error(e2));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="stack diary-absence" onSubmit={submit}>
      <Field label={dt('d.absence.from')} type="date" value={from} onChange={(e) => setFrom(e.target.value)} required />
      <Field label={dt('d.absence.to')} type="date" value={to} onChange={(e) => setTo(e.target.value)} required />
      <Select label={dt('d.absence.reason')} value={reason} onChange={(e) => setReason(e.target.value as typeof reason)}>
        <option value="ill">{dt('d.absence.ill')}</option>
        <option value="family">{dt('d.absence.family')}</option>
        <option value="other">{dt('d.absence.other')}</option>
      </Select>
      <Field label={dt('d.absence.comment')} value={comment} onChange={(e) => setComment(e.target.value)} maxLength={300} />
      <ErrorNote>{err}</ErrorNote>
      {sent !== null && <p role="status">{dt('d.absence.sent', { n: sent })}</p>}
      <Button type="submit" busy={busy}>
        {dt('d.absence.send')}
      </Button>
    </form>
  );
}
