import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { Journal as JournalSchema, type AttendanceStatus, type Grade, type Journal as JournalData, type Lesson } from '@parta/protocol';
import { api } from '../app/state.ts';
import { useEngine } from '../app/engine-context.ts';
import { useStore } from '../lib/store.ts';
import { Button } from '../ui/kit.tsx';
import { useDt } from './i18n.ts';
import { ATT_LETTER, gradeClass, localToday, parseTyped, showGrade } from './format.ts';
import { SaveQueue } from './queue.ts';
import { LessonEditor } from './LessonEditor.tsx';

const cellKey = (lessonId: string, studentId: string) => `${lessonId}:${studentId}`;
let queue: SaveQueue | null = null;
const saves = () => (queue ??= new SaveQueue((s) => api.request(s.method, s.path, null, s.body)));

function useNarrow(): boolean {
  const q = '(max-width: 640px)';
  const [narrow, setNarrow] = useState(() => typeof matchMedia !== 'undefined' && matchMedia(q).matches);
  useEffect(() => {
    const m = matchMedia(q);
    const on = () => setNarrow(m.matches);
    m.addEventListener('change', on);
    return () => m.removeEventListener('change', on);
  }, []);
  return narrow;
}

/**
 * The teacher's journal: students × lessons of one class, subject and period. Keyboard only:
 * type a grade or a mark and press Enter to save and move down; arrows move; Shift+↑/↓ selects
 * several students; Ctrl+Enter fills the whole column; Delete clears. Saved as typed (SaveQueue),
 * and kept live by the update stream's diary events.
 */
export function JournalGrid({ schoolId, classId, subjectId, periodId }: { schoolId: string; classId: string; subjectId: string; periodId: string | null }) {
  const { dt, error, locale } = useDt();
  const engine = useEngine();
  const narrow = useNarrow();
  const [data, setData] = useState<JournalData | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [grades, setGrades] = useState<Record<string, Grade>>({});
  const [att, setAtt] = useState<Record<string, AttendanceStatus>>({});
  const [pos, setPos] = useState({ row: 0, col: 0 });
  const [anchor, setAnchor] = useState<number | null>(null);
  const [draft, setDraft] = useState<string | null>(null);
  const [invalid, setInvalid] = useState(false);
  const [editing, setEditing] = useState<Lesson | null>(null);
  const q = useStore(saves().state);
  const grid = useRef<HTMLDivElement>(null);
  const base = `/api/v1/schools/${schoolId}/diary`;

  /** Loads the journal; `cellsToo: false` refreshes only the rest (averages, headers), keeping cells being typed. */
  const load = useCallback(
    async (cellsToo = true) => {
      try {
        const j = await api.get(`${base}/journal?classId=${classId}&subjectId=${subjectId}${periodId ? `&periodId=${periodId}` : ''}`, JournalSchema);
        setData(j);
        if (!cellsToo) return j;
        setGrades(Object.fromEntries(j.grades.map((g) => [cellKey(g.lessonId, g.studentId), g])));
        setAtt(Object.fromEntries(j.attendance.map((a) => [cellKey(a.lessonId, a.studentId), a.status])));
        setErr(null);
        return j;
      } catch (e) {
        setErr(error(e));
        return null;
      }
    },
    [base, classId, subjectId, periodId, error],
  );

  useEffect(() => {
    void load().then((j) => {
      if (!j) return;
      const today = localToday();
      const idx = j.lessons.filter((l) => l.date <= today).length - 1;
      setPos({ row: 0, col: Math.max(0, idx) });
    });
  }, [load]);

  // Live: grades and marks of this journal are applied as they come; other changes refetch it.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    let averages: ReturnType<typeof setTimeout> | null = null;
    return engine.onDiary((u) => {
      if (!('classId' in u) || u.classId !== classId) return;
      if ('subjectId' in u && u.subjectId !== subjectId) return;
      if (u.type === 'diary.grade') {
        // Averages are computed in one place, on the server: fetched again once typing pauses.
        if (averages) clearTimeout(averages);
        averages = setTimeout(() => void load(false), 1500);
        setGrades((g) => {
          const k = cellKey(u.lessonId, u.studentId);
          const { [k]: _old, ...rest } = g;
          return u.grade ? { ...rest, [k]: u.grade } : rest;
        });
      } else if (u.type === 'diary.attendance') {
        setAtt((a) => {
          const next = { ...a };
          for (const m of u.marks) {
            if (m.status) next[cellKey(u.lessonId, m.studentId)] = m.status;
            else delete next[cellKey(u.lessonId, m.studentId)];
          }
          return next;
        });
      } else {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => void load(), 300);
      }
    });
  }, [engine, classId, subjectId, load]);

  const students = data?.students ?? [];
  const lessons = data?.lessons ?? [];
  const lesson = lessons[pos.col];
  const selected = useMemo(() => {
    if (anchor === null) return [pos.row];
    const [a, b] = anchor < pos.row ? [anchor, pos.row] : [pos.row, anchor];
    return Array.from({ length: b - a + 1 }, (_, i) => a + i);
  }, [anchor, pos.row]);

  useEffect(() => {
    if (draft === null) grid.current?.querySelector<HTMLElement>(`[data-cell="${pos.row}:${pos.col}"]`)?.focus();
  }, [pos, draft, data, narrow]);

  if (err)
    return (
      <p role="alert" className="error">
        {err}
      </p>
    );
  if (!data) return <p aria-live="polite">{dt('d.loading')}</p>;
  const editable = data.canEdit;
  const canMark = data.canMarkAttendance;

  function commit(raw: string, rows: number[]) {
    if (!lesson) return false;
    const typed = parseTyped(raw, data!.scale);
    if (typed.kind === 'invalid') return false;
    const ids = rows.map((r) => students[r]!.id);
    if (typed.kind === 'attendance' || typed.kind === 'clear') {
      if (!canMark && typed.kind === 'attendance') return false;
      if (canMark) {
        const marks = ids.map((studentId) => ({ studentId, status: typed.kind === 'attendance' ? typed.status : null }));
        setAtt((a) => {
          const next = { ...a };
          for (const m of marks) {
            if (m.status) next[cellKey(lesson.id, m.studentId)] = m.status;
            else delete next[cellKey(lesson.id, m.studentId)];
          }
          return next;
        });
        if (typed.kind === 'attendance' || ids.some((id) => att[cellKey(lesson.id, id)])) {
          saves().add({ key: `att:${lesson.id}:${ids.join(',')}`, method: 'PUT', path: `${base}/lessons/${lesson.id}/attendance`, body: { marks } });
        }
      }
      if (typed.kind === 'attendance') return true;
    }
    if (!editable) return typed.kind === 'clear';
    for (const studentId of ids) {
      const k = cellKey(lesson.id, studentId);
      if (typed.kind === 'clear') {
        if (!grades[k]) continue;
        setGrades(({ [k]: _gone, ...rest }) => rest);
        saves().add({ key: `grade:${k}`, method: 'DELETE', path: `${base}/lessons/${lesson.id}/grades/${studentId}` });
      } else if (typed.kind === 'grade') {
        const prev = grades[k];
        setGrades((g) => ({
          ...g,
          [k]: {
            lessonId: lesson.id,
            studentId,
            value: typed.value,
            workTypeId: prev?.workTypeId ?? lesson.workTypeId,
            weight: prev?.weight ?? 1,
            comment: prev?.comment ?? null,
            date: lesson.date,
            subjectId,
            updatedAt: new Date().toISOString(),
          },
        }));
        saves().add({ key: `grade:${k}`, method: 'PUT', path: `${base}/lessons/${lesson.id}/grades/${studentId}`, body: { value: typed.value } });
      }
    }
    return true;
  }

  function move(dr: number, dc: number, extend = false) {
    if (extend && anchor === null) setAnchor(pos.row);
    if (!extend) setAnchor(null);
    setPos((p) => ({ row: Math.min(Math.max(p.row + dr, 0), students.length - 1), col: Math.min(Math.max(p.col + dc, 0), lessons.length - 1) }));
  }

  function onCellKey(e: KeyboardEvent<HTMLElement>) {
    if (draft !== null) return;
    const k = e.key;
    if (k === 'ArrowDown' || k === 'ArrowUp') {
      e.preventDefault();
      move(k === 'ArrowDown' ? 1 : -1, 0, e.shiftKey);
    } else if (k === 'ArrowLeft' || k === 'ArrowRight') {
      e.preventDefault();
      move(0, k === 'ArrowRight' ? 1 : -1);
    } else if (k === 'Home' || k === 'End') {
      e.preventDefault();
      setAnchor(null);
      setPos((p) => ({ ...p, col: k === 'Home' ? 0 : lessons.length - 1 }));
    } else if (k === 'Delete' || k === 'Backspace') {
      e.preventDefault();
      commit('', selected);
    } else if (k === 'Escape') {
      setAnchor(null);
    } else if (k === 'F2' || (k === 'Enter' && !e.ctrlKey)) {
      e.preventDefault();
      if (k === 'F2') setDraft('');
      else move(1, 0);
    } else if (k.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey && (editable || canMark)) {
      e.preventDefault();
      setInvalid(false);
      setDraft(k);
    }
  }

  function onDraftKey(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === 'Escape') {
      e.preventDefault();
      setDraft(null);
      setInvalid(false);
    } else if (e.key === 'Enter' || e.key === 'Tab') {
      e.preventDefault();
      const rows = e.ctrlKey ? students.map((_, i) => i) : selected;
      if (!commit(draft ?? '', rows)) {
        setInvalid(true);
        return;
      }
      setDraft(null);
      setInvalid(false);
      setAnchor(null);
      if (e.key === 'Tab') move(0, 1);
      else if (!e.ctrlKey) move(1, 0);
    }
  }

  const visible = narrow ? (lesson ? [pos.col] : []) : lessons.map((_, i) => i);
  const status =
    q.pending.length > 0 && q.inFlight === 0
      ? dt('j.queued', { n: q.pending.length })
      : q.inFlight
        ? dt('j.saving')
        : q.lastError
          ? dt('j.failed', { error: error(q.lastError.error) })
          : q.savedAt
            ? dt('j.saved')
            : '';
  const letter = (s: AttendanceStatus) => ATT_LETTER[s][locale];
  const shortDate = (d: string) => new Date(`${d}T00:00:00`).toLocaleDateString(locale === 'ru' ? 'ru-RU' : 'en-GB', { day: 'numeric', month: 'numeric' });

  return (
    <section className="journal" aria-labelledby="journal-title">
      <h2 id="journal-title" className="sr-only">{`${data.className} · ${data.subject.name}`}</h2>
      <p className="journal-help" id="journal-help">
        {editable || canMark ? dt('j.help') : dt('j.readonly')}
      </p>
      <p className="journal-status" role="status" aria-live="polite">
        {status}
      </p>
      {narrow && lesson && (
        <div className="journal-pager">
          <Button variant="secondary" onClick={() => move(0, -1)} disabled={pos.col === 0} aria-label={dt('j.prevLesson')}>
            ‹
          </Button>
          <span>{dt('j.lessonOf', { n: pos.col + 1, total: lessons.length })}</span>
          <Button variant="secondary" onClick={() => move(0, 1)} disabled={pos.col >= lessons.length - 1} aria-label={dt('j.nextLesson')}>
            ›
          </Button>
        </div>
      )}
      <div className="journal-scroll" ref={grid}>
        <table role="grid" aria-describedby="journal-help" aria-rowcount={students.length + 1} className="journal-table">
          <thead>
            <tr>
              <th scope="col" className="journal-name">
                {dt('j.student')}
              </th>
              {visible.map((c) => {
                const l = lessons[c]!;
                return (
                  <th scope="col" key={l.id} className={`journal-col ${c === pos.col ? 'is-current' : ''} ${l.cancelled ? 'is-cancelled' : ''}`}>
                    <button
                      type="button"
                      className="journal-head"
                      onClick={() => setEditing(l)}
                      title={[l.topic, l.homework?.text].filter(Boolean).join(' · ')}
                    >
                      <span className="journal-date">{shortDate(l.date)}</span>
                      <span className="journal-topic">{l.topic ?? dt('j.noTopic')}</span>
                      {l.homework && <span className="journal-hw">{l.homework.text}</span>}
                    </button>
                  </th>
                );
              })}
              <th scope="col" className="journal-avg">
                {dt('d.averageShort')}
              </th>
              <th scope="col" className="journal-avg">
                {dt('d.final')}
              </th>
            </tr>
          </thead>
          <tbody>
            {students.map((s, r) => {
              return (
                <tr key={s.id}>
                  <th scope="row" className="journal-name">{`${s.lastName} ${s.firstName}`}</th>
                  {visible.map((c) => {
                    const l = lessons[c]!;
                    const k = cellKey(l.id, s.id);
                    const g = grades[k];
                    const a = att[k];
                    const active = r === pos.row && c === pos.col;
                    const inSel = c === pos.col && selected.includes(r);
                    const label = dt('j.cell', { student: `${s.lastName} ${s.firstName}`, date: shortDate(l.date) });
                    return (
                      <td
                        key={l.id}
                        role="gridcell"
                        data-cell={`${r}:${c}`}
                        tabIndex={active ? 0 : -1}
                        aria-selected={inSel}
                        className={`journal-cell ${inSel ? 'is-selected' : ''} ${l.cancelled ? 'is-cancelled' : ''}`}
                        onKeyDown={onCellKey}
                        onFocus={() => {
                          if (!active && draft === null) {
                            setAnchor(null);
                            setPos({ row: r, col: c });
                          }
                        }}
                        onClick={() => {
                          setAnchor(null);
                          setPos({ row: r, col: c });
                        }}
                      >
                        {active && draft !== null ? (
                          <input
                            className="journal-input"
                            autoFocus
                            value={draft}
                            aria-label={label}
                            aria-invalid={invalid || undefined}
                            onChange={(e) => {
                              setInvalid(false);
                              setDraft(e.target.value);
                            }}
                            onKeyDown={onDraftKey}
                            onBlur={() => setDraft(null)}
                          />
                        ) : (
                          <>
                            <span className="sr-only">{`${label}: `}</span>
                            {a && <span className={`att att-${a}`}>{letter(a)}</span>}
                            {a && g && ' '}
                            {g && <span className={`grade ${gradeClass(g.value)}`}>{showGrade(g.value, dt)}</span>}
                          </>
                        )}
                      </td>
                    );
                  })}
                  <td className="journal-avg">{s.average?.toFixed(2) ?? ''}</td>
                  <td className="journal-avg">{s.finalMark ?? ''}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {editing && (
        <LessonEditor base={base} lesson={editing} workTypes={data.workTypes} canEdit={editable} onClose={() => setEditing(null)} onSaved={() => void load()} />
      )}
    </section>
  );
}
