import type { Selectable } from 'kysely';
import type { Tx } from '../db/schema.ts';
import type { ChangeKind, DiaryTables } from './tables.ts';
import { eachDay, weekday } from './dates.ts';

type Slot = Selectable<DiaryTables['timetable_slots']>;
type Change = Selectable<DiaryTables['timetable_changes']>;

/** One lesson as the timetable and its changes say it happens. */
export interface PlannedLesson {
  date: string;
  lessonNo: number;
  groupNo: number | null;
  subjectId: string;
  teacherId: string | null;
  room: string | null;
  cancelled: boolean;
  change: ChangeKind | null;
}

export interface TimetableSource {
  /** Templates of the class, each with its slots, any order. */
  templates: { validFrom: string; slots: Slot[] }[];
  /** Changes whose `on_date` or `to_date` falls in the range. */
  changes: Change[];
  holidays: { startsOn: string; endsOn: string }[];
}

export const slotKey = (date: string, lessonNo: number, groupNo: number | null) => `${date}|${lessonNo}|${groupNo ?? 0}`;

/**
 * The timetable of a class over [from, to], as a pure function of the weekly templates (the one
 * valid on each date is the latest whose `valid_from` is not after it) and the changes kept beside
 * them: a change never edits a template, it is applied on top for its one date.
 *  - cancellation: the lesson stays, marked cancelled;
 *  - substitution / room: teacher (and subject) or room replaced;
 *  - moved: the lesson leaves its place and appears at `to_date` / `to_lesson_no`;
 *  - added: a lesson not in the template.
 * Holidays have no lessons (moved-in and added lessons included).
 */
export function planLessons(src: TimetableSource, from: string, to: string): PlannedLesson[] {
  const templates = [...src.templates].sort((a, b) => (a.validFrom < b.validFrom ? 1 : -1));
  const isHoliday = (d: string) => src.holidays.some((h) => h.startsOn <= d && d <= h.endsOn);
  const changeAt = new Map<string, Change>();
  for (const c of src.changes) changeAt.set(slotKey(c.on_date, c.lesson_no, c.group_no), c);
  const out = new Map<string, PlannedLesson>();
  for (const date of eachDay(from, to)) {
    if (isHoliday(date)) continue;
    const template = templates.find((t) => t.validFrom <= date);
    if (!template) continue;
    const wd = weekday(date);
    for (const s of template.slots) {
      if (s.weekday !== wd) continue;
      const key = slotKey(date, s.lesson_no, s.group_no);
      const c = changeAt.get(key);
      const lesson: PlannedLesson = {
        date,
        lessonNo: s.lesson_no,
        groupNo: s.group_no,
        subjectId: s.subject_id,
        teacherId: s.teacher_id,
        room: s.room,
        cancelled: false,
        change: null,
      };
      if (c?.kind === 'moved') continue;
      if (c) applyChange(lesson, c);
      out.set(key, lesson);
    }
  }
  for (const c of src.changes) {
    if (
      c.kind === 'added' &&
      c.on_date >= from &&
      c.on_date <= to &&
      !isHoliday(c.on_date) &&
      c.subject_id &&
      !out.has(slotKey(c.on_date, c.lesson_no, c.group_no))
    ) {
      out.set(slotKey(c.on_date, c.lesson_no, c.group_no), {
        date: c.on_date,
        lessonNo: c.lesson_no,
        groupNo: c.group_no,
        subjectId: c.subject_id,
        teacherId: c.teacher_id,
        room: c.room,
        cancelled: false,
        change: 'added',
      });
    }
  }
  // Moved lessons arrive at their new place (which the template may not have taken).
  for (const c of src.changes) {
    if (c.kind !== 'moved' || !c.to_date || c.to_date < from || c.to_date > to || isHoliday(c.to_date)) continue;
    const template = templates.find((t) => t.validFrom <= c.on_date);
    const s = template?.slots.find((x) => x.weekday === weekday(c.on_date) && x.lesson_no === c.lesson_no && x.group_no === c.group_no);
    if (!s) continue;
    const lessonNo = c.to_lesson_no ?? c.lesson_no;
    out.set(slotKey(c.to_date, lessonNo, c.group_no), {
      date: c.to_date,
      lessonNo,
      groupNo: c.group_no,
      subjectId: s.subject_id,
      teacherId: c.teacher_id ?? s.teacher_id,
      room: c.room ?? s.room,
      cancelled: false,
      change: 'moved',
    });
  }
  return [...out.values()].sort((a, b) => (a.date === b.date ? a.lessonNo - b.lessonNo : a.date < b.date ? -1 : 1));
}

function applyChange(l: PlannedLesson, c: Change): void {
  l.change = c.kind;
  if (c.kind === 'cancellation') l.cancelled = true;
  if (c.kind === 'substitution') {
    l.teacherId = c.teacher_id ?? l.teacherId;
    l.subjectId = c.subject_id ?? l.subjectId;
  }
  if (c.room) l.room = c.room;
}

/**
 * Brings the stored lessons of a class over [from, to] in step with the plan: new ones are
 * inserted, changed ones updated, and ones the plan no longer has are deleted when nothing was
 * recorded at them, or kept as cancelled when something was (a topic, homework, grades, attendance).
 * Lessons announced absent in advance are pre-marked excused. Runs in the caller's transaction.
 */
export async function reconcileLessons(trx: Tx, classId: string, from: string, to: string): Promise<void> {
  const cls = await trx
    .selectFrom('classes')
    .innerJoin('academic_years as y', 'y.id', 'classes.academic_year_id')
    .select(['classes.academic_year_id', 'y.starts_on', 'y.ends_on'])
    .where('classes.id', '=', classId)
    .executeTakeFirstOrThrow();
  if (from < cls.starts_on) from = cls.starts_on;
  if (to > cls.ends_on) to = cls.ends_on;
  if (from > to) return;
  const [templates, slots, changes, holidays, existing] = await Promise.all([
    trx.selectFrom('timetables').select(['id', 'valid_from']).where('class_id', '=', classId).where('valid_from', '<=', to).execute(),
    trx
      .selectFrom('timetable_slots')
      .innerJoin('timetables', 'timetables.id', 'timetable_slots.timetable_id')
      .selectAll('timetable_slots')
      .where('timetables.class_id', '=', classId)
      .execute(),
    trx
      .selectFrom('timetable_changes')
      .selectAll()
      .where('class_id', '=', classId)
      .where((eb) => eb.or([eb.between('on_date', from, to), eb.between('to_date', from, to)]))
      .execute(),
    trx.selectFrom('holidays').select(['starts_on', 'ends_on']).where('academic_year_id', '=', cls.academic_year_id).execute(),
    trx.selectFrom('lessons').selectAll().where('class_id', '=', classId).where('on_date', '>=', from).where('on_date', '<=', to).execute(),
  ]);
  // Moved-out lessons' originals may lie outside the range: their templates are all loaded.
  const plan = planLessons(
    {
      templates: templates.map((t) => ({ validFrom: t.valid_from, slots: slots.filter((s) => s.timetable_id === t.id) })),
      changes,
      holidays: holidays.map((h) => ({ startsOn: h.starts_on, endsOn: h.ends_on })),
    },
    from,
    to,
  );
  const have = new Map(existing.map((l) => [slotKey(l.on_date, l.lesson_no, l.group_no), l]));
  const inserts = [];
  for (const p of plan) {
    const key = slotKey(p.date, p.lessonNo, p.groupNo);
    const l = have.get(key);
    have.delete(key);
    const row = { subject_id: p.subjectId, teacher_id: p.teacherId, room: p.room, cancelled: p.cancelled, change_kind: p.change };
    if (!l) {
      inserts.push({ class_id: classId, on_date: p.date, lesson_no: p.lessonNo, group_no: p.groupNo, ...row });
    } else if (l.subject_id !== p.subjectId || l.teacher_id !== p.teacherId || l.room !== p.room || l.cancelled !== p.cancelled || l.change_kind !== p.change) {
      await trx
        .updateTable('lessons')
        .set({ ...row, updated_at: new Date() })
        .where('id', '=', l.id)
        .execute();
    }
  }
  const gone = [...have.values()];
  if (gone.length > 0) {
    const ids = gone.map((l) => l.id);
    const [g, a, h] = await Promise.all([
      trx.selectFrom('grades').select('lesson_id').where('lesson_id', 'in', ids).execute(),
      trx.selectFrom('attendance').select('lesson_id').where('lesson_id', 'in', ids).where('notice_id', 'is', null).execute(),
      trx.selectFrom('homework').select('lesson_id').where('lesson_id', 'in', ids).execute(),
    ]);
    const used = new Set([...g, ...a, ...h].map((r) => r.lesson_id));
    const keep = gone.filter((l) => used.has(l.id) || (l.topic ?? '') !== '').map((l) => l.id);
    const drop = ids.filter((id) => !keep.includes(id));
    if (keep.length) await trx.updateTable('lessons').set({ cancelled: true, change_kind: 'cancellation' }).where('id', 'in', keep).execute();
    if (drop.length) await trx.deleteFrom('lessons').where('id', 'in', drop).execute();
  }
  for (let i = 0; i < inserts.length; i += 500) {
    const inserted = await trx
      .insertInto('lessons')
      .values(inserts.slice(i, i + 500))
      .returning(['id', 'on_date', 'group_no', 'subject_id'])
      .execute();
    await excuseAnnounced(trx, classId, inserted);
  }
}

/** Pre-marks as excused the new lessons that fall on days a guardian has announced an absence for. */
async function excuseAnnounced(trx: Tx, classId: string, lessons: { id: string; on_date: string }[]): Promise<void> {
  if (lessons.length === 0) return;
  const dates = lessons.map((l) => l.on_date).sort();
  const notices = await trx
    .selectFrom('absence_notices as n')
    .innerJoin('enrolments as e', (j) => j.onRef('e.student_id', '=', 'n.student_id').on('e.left_at', 'is', null))
    .select(['n.id', 'n.student_id', 'n.from_date', 'n.to_date'])
    .where('e.class_id', '=', classId)
    .where('n.to_date', '>=', dates[0]!)
    .where('n.from_date', '<=', dates[dates.length - 1]!)
    .execute();
  const rows = [];
  for (const n of notices)
    for (const l of lessons)
      if (n.from_date <= l.on_date && l.on_date <= n.to_date)
        rows.push({ lesson_id: l.id, student_id: n.student_id, status: 'excused' as const, notice_id: n.id, set_by: null });
  if (rows.length)
    await trx
      .insertInto('attendance')
      .values(rows)
      .onConflict((oc) => oc.doNothing())
      .execute();
}
