import { useCallback, useEffect, useState } from 'react';
import { AbsenceList, SignoffOverview } from '@parta/protocol';
import type { AbsenceList as Absences, SignoffOverview as Signoffs } from '@parta/protocol';
import { api } from '../app/state.ts';
import { useEngine } from '../app/engine-context.ts';
import { ErrorNote } from '../ui/kit.tsx';
import { useDt } from './i18n.ts';
import { localToday } from './format.ts';

/** The class teacher's view of a class: absences announced by families, and who signed off the week's diary. */
export function ClassOverview({ schoolId, classId }: { schoolId: string; classId: string }) {
  const { dt, date, error } = useDt();
  const engine = useEngine();
  const [absences, setAbsences] = useState<Absences | null>(null);
  const [signoffs, setSignoffs] = useState<Signoffs | null>(null);
  const [err, setErr] = useState<unknown>(null);
  const base = `/api/v1/schools/${schoolId}/diary/classes/${classId}`;
  const load = useCallback(() => {
    Promise.all([api.get(`${base}/absences`, AbsenceList), api.get(`${base}/signoffs?week=${localToday()}`, SignoffOverview)]).then(([a, s]) => {
      setAbsences(a);
      setSignoffs(s);
    }, setErr);
  }, [base]);
  useEffect(() => {
    load();
    return engine.onDiary((u) => {
      if ((u.type === 'diary.absence' || u.type === 'diary.signoff') && u.classId === classId) load();
    });
  }, [engine, load, classId]);
  if (err) return <ErrorNote>{error(err)}</ErrorNote>;
  if (!absences || !signoffs) return null;
  const signed = signoffs.families.filter((f) => f.signedAt).length;
  const reason = (r: 'ill' | 'family' | 'other') => dt(`d.absence.${r}`);
  return (
    <div className="class-overview">
      <section aria-labelledby="absences-title">
        <h3 id="absences-title">{dt('d.absences')}</h3>
        {absences.notices.length === 0 ? (
          <p className="hint">{dt('d.empty')}</p>
        ) : (
          <ul className="absence-list">
            {absences.notices.slice(0, 20).map((n) => (
              <li key={n.id}>
                {dt('d.absence.item', { name: n.studentName, from: date(n.fromDate), to: date(n.toDate), reason: reason(n.reason) })}
                {n.comment && <span className="hint">{` — ${n.comment}`}</span>}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="signoffs-title">
        <h3 id="signoffs-title">{dt('d.signoffs')}</h3>
        <p>{dt('d.signoffs.count', { n: signed, total: signoffs.families.length })}</p>
        <ul className="signoff-list">
          {signoffs.families.map((f) => (
            <li key={f.studentId} className={f.signedAt ? 'is-signed' : ''}>
              {`${f.studentName}: ${f.signedAt ? f.signedBy.map((g) => g.name).join(', ') : dt('d.notSigned')}`}
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
