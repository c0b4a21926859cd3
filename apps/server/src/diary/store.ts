import type { Selectable } from 'kysely';
import type { DiarySettings, Grade, Homework, Lesson, LessonAttendance, ReportingPeriod } from '@parta/protocol';
import type { Queryable } from '../db/schema.ts';
import { t } from '../i18n/messages.ts';
import { AppError } from '../http/errors.ts';
import type { DiaryTables, Scale } from './tables.ts';
import { weightOf } from './averages.ts';

type LessonRow = Selectable<DiaryTables['lessons']>;
type PeriodRow = Selectable<DiaryTables['reporting_periods']>;

const ensured = new Set<string>();

/** Gives a school its diary settings and the usual forms of work the first time the diary is used. */
export async function ensureDiary(db: Queryable, schoolId: string): Promise<void> {
  if (ensured.has(schoolId)) return;
  const row = await db
    .insertInto('diary_settings')
    .values({ school_id: schoolId })
    .onConflict((oc) => oc.doNothing())
    .returning('school_id')
    .executeTakeFirst();
  if (row) {
    const defaults: [string, number][] = [
      ['answer', 1],
      ['homework', 1],
      ['independent', 1.5],
      ['test', 2],
    ];
    await db
      .insertInto('work_types')
      .values(defaults.map(([key, weight], i) => ({ school_id: schoolId, name: t('ru', 'diary_work_type', { key }), weight, position: i })))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  ensured.add(schoolId);
}

export async function schoolScale(db: Queryable, schoolId: string): Promise<Scale> {
  await ensureDiary(db, schoolId);
  const s = await db.selectFrom('diary_settings').select('scale').where('school_id', '=', schoolId).executeTakeFirstOrThrow();
  return s.scale;
}

export async function workTypes(db: Queryable, schoolId: string) {
  await ensureDiary(db, schoolId);
  const rows = await db
    .selectFrom('work_types')
    .select(['id', 'name', 'weight'])
    .where('school_id', '=', schoolId)
    .where('archived_at', 'is', null)
    .orderBy('position')
    .execute();
  return rows.map((w) => ({ id: w.id, name: w.name, weight: Number(w.weight) }));
}

export const presentPeriod = (p: PeriodRow): ReportingPeriod => ({
  id: p.id,
  academicYearId: p.academic_year_id,
  kind: p.kind,
  number: p.number,
  name: p.name,
  startsOn: p.starts_on,
  endsOn: p.ends_on,
});

export async function currentYearId(db: Queryable, schoolId: string): Promise<string> {
  const y = await db.selectFrom('academic_years').select('id').where('school_id', '=', schoolId).where('is_current', '=', true).executeTakeFirst();
  if (!y) throw new AppError('academic_year_missing', 409);
  return y.id;
}

/** The period asked for, or the one containing `date`, or the last one before it; null when the school has none. */
export async function pickPeriod(db: Queryable, schoolId: string, periodId: string | undefined, date: string): Promise<PeriodRow | null> {
  if (periodId) {
    const p = await db.selectFrom('reporting_periods').selectAll().where('id', '=', periodId).where('school_id', '=', schoolId).executeTakeFirst();
    if (!p) throw new AppError('period_not_found', 404);
    return p;
  }
  const yearId = await currentYearId(db, schoolId);
  const all = await db.selectFrom('reporting_periods').selectAll().where('academic_year_id', '=', yearId).orderBy('starts_on').execute();
  return all.find((p) => p.starts_on <= date && date <= p.ends_on) ?? [...all].reverse().find((p) => p.starts_on <= date) ?? all[0] ?? null;
}

export async function loadSettings(db: Queryable, schoolId: string): Promise<DiarySettings> {
  await ensureDiary(db, schoolId);
  const yearId = await currentYearId(db, schoolId);
  const [s, wt, periods, holidays, subjects, bells, teaching] = await Promise.all([
    db.selectFrom('diary_settings').selectAll().where('school_id', '=', schoolId).executeTakeFirstOrThrow(),
    workTypes(db, schoolId),
    db.selectFrom('reporting_periods').selectAll().where('academic_year_id', '=', yearId).orderBy('number').execute(),
    db.selectFrom('holidays').selectAll().where('academic_year_id', '=', yearId).orderBy('starts_on').execute(),
    db.selectFrom('subjects').select(['id', 'name']).where('school_id', '=', schoolId).where('archived_at', 'is', null).orderBy('name').execute(),
    db.selectFrom('bells').selectAll().where('school_id', '=', schoolId).orderBy('shift').orderBy('lesson_no').execute(),
    db
      .selectFrom('class_teachers as t')
      .innerJoin('class_teacher_subjects as cs', 'cs.class_teacher_id', 't.id')
      .innerJoin('classes as c', 'c.id', 't.class_id')
      .innerJoin('subjects as s', 's.id', 'cs.subject_id')
      .select(['t.class_id', 'c.name as class_name', 's.id as subject_id', 's.name as subject_name', 't.person_id', 't.is_class_teacher'])
      .where('c.school_id', '=', schoolId)
      .where('c.archived_at', 'is', null)
      .execute(),
  ]);
  return {
    scale: s.scale,
    periodKind: s.period_kind,
    workTypes: wt,
    periods: periods.map(presentPeriod),
    holidays: holidays.map((h) => ({ id: h.id, name: h.name, startsOn: h.starts_on, endsOn: h.ends_on })),
    subjects,
    bells: bells.map((b) => ({ shift: b.shift, lessonNo: b.lesson_no, startsAt: b.starts_at, endsAt: b.ends_at })),
    teaching: teaching.map((r) => ({
      classId: r.class_id,
      className: r.class_name,
      subjectId: r.subject_id,
      subjectName: r.subject_name,
      personId: r.person_id,
      isClassTeacher: r.is_class_teacher,
    })),
  };
}

const shortName = (p: { last_name: string; first_name: string; middle_name: string | null }) =>
  `${p.last_name} ${p.first_name.slice(0, 1)}.${p.middle_name ? ` ${p.middle_name.slice(0, 1)}.` : ''}`;

/**
 * Lessons as the API shows them: subject and teacher names, bell times (by the class's shift),
 * the homework set at each, with the student's tick when `studentId` is given. A fixed number of
 * queries whatever the number of lessons.
 */
export async function presentLessons(db: Queryable, schoolId: string, lessons: LessonRow[], studentId: string | null = null): Promise<Lesson[]> {
  if (lessons.length === 0) return [];
  const ids = lessons.map((l) => l.id);
  const classIds = [...new Set(lessons.map((l) => l.class_id))];
  const [subjects, teachers, bells, shifts, homework] = await Promise.all([
    db.selectFrom('subjects').select(['id', 'name']).where('school_id', '=', schoolId).execute(),
    db
      .selectFrom('persons')
      .select(['id', 'last_name', 'first_name', 'middle_name'])
      .where('id', 'in', [...new Set(lessons.map((l) => l.teacher_id).filter((x): x is string => !!x)), '00000000-0000-0000-0000-000000000000'])
      .execute(),
    db.selectFrom('bells').selectAll().where('school_id', '=', schoolId).execute(),
    db.selectFrom('timetables').select(['class_id', 'valid_from', 'shift']).where('class_id', 'in', classIds).execute(),
    db.selectFrom('homework').selectAll().where('lesson_id', 'in', ids).execute(),
  ]);
  const hw = await presentHomework(db, schoolId, homework, studentId, { lessons, subjects, teachers });
  const subjectName = new Map(subjects.map((s) => [s.id, s.name]));
  const teacher = new Map(teachers.map((p) => [p.id, { id: p.id, name: shortName(p) }]));
  const shiftOn = (classId: string, date: string) =>
    shifts.filter((s) => s.class_id === classId && s.valid_from <= date).sort((a, b) => (a.valid_from < b.valid_from ? 1 : -1))[0]?.shift ?? 1;
  return lessons.map((l) => {
    const bell = bells.find((b) => b.shift === shiftOn(l.class_id, l.on_date) && b.lesson_no === l.lesson_no);
    return {
      id: l.id,
      classId: l.class_id,
      subjectId: l.subject_id,
      subjectName: subjectName.get(l.subject_id) ?? '',
      teacher: (l.teacher_id && teacher.get(l.teacher_id)) || null,
      date: l.on_date,
      lessonNo: l.lesson_no,
      groupNo: l.group_no,
      room: l.room,
      startsAt: bell?.starts_at ?? null,
      endsAt: bell?.ends_at ?? null,
      cancelled: l.cancelled,
      changed: l.change_kind,
      topic: l.topic,
      workTypeId: l.work_type_id,
      homework: hw.find((h) => h.lessonId === l.id) ?? null,
    };
  });
}

type HomeworkRow = Selectable<DiaryTables['homework']>;

export async function presentHomework(
  db: Queryable,
  schoolId: string,
  rows: HomeworkRow[],
  studentId: string | null,
  known?: {
    lessons: LessonRow[];
    subjects: { id: string; name: string }[];
    teachers: { id: string; last_name: string; first_name: string; middle_name: string | null }[];
  },
): Promise<Homework[]> {
  if (rows.length === 0) return [];
  const lessonIds = rows.map((h) => h.lesson_id);
  const fileIds = [...new Set(rows.flatMap((h) => h.file_ids))];
  const lessons =
    known?.lessons.some((l) => lessonIds.includes(l.id)) && lessonIds.every((id) => known.lessons.some((l) => l.id === id))
      ? known.lessons
      : await db.selectFrom('lessons').selectAll().where('id', 'in', lessonIds).execute();
  const teacherIds = [...new Set(rows.map((h) => h.set_by).filter((x): x is string => !!x)), '00000000-0000-0000-0000-000000000000'];
  const [subjects, teachers, files, done] = await Promise.all([
    known ? known.subjects : db.selectFrom('subjects').select(['id', 'name']).where('school_id', '=', schoolId).execute(),
    db.selectFrom('persons').select(['id', 'last_name', 'first_name', 'middle_name']).where('id', 'in', teacherIds).execute(),
    fileIds.length ? db.selectFrom('files').select(['id', 'name', 'size']).where('id', 'in', fileIds).execute() : Promise.resolve([]),
    studentId
      ? db
          .selectFrom('homework_done')
          .select('homework_id')
          .where('student_id', '=', studentId)
          .where(
            'homework_id',
            'in',
            rows.map((h) => h.id),
          )
          .execute()
      : Promise.resolve([]),
  ]);
  return rows.map((h) => {
    const l = lessons.find((x) => x.id === h.lesson_id)!;
    const by = teachers.find((p) => p.id === h.set_by);
    return {
      id: h.id,
      lessonId: h.lesson_id,
      subjectId: l.subject_id,
      subjectName: subjects.find((s) => s.id === l.subject_id)?.name ?? '',
      text: h.text,
      files: h.file_ids
        .map((id) => files.find((f) => f.id === id))
        .filter((f) => !!f)
        .map((f) => ({ id: f.id, name: f.name, size: Number(f.size) })),
      dueOn: h.due_on,
      dueLessonId: h.due_lesson_id,
      setOn: l.on_date,
      teacher: by ? { id: by.id, name: shortName(by) } : null,
      done: studentId ? done.some((d) => d.homework_id === h.id) : null,
    };
  });
}

type GradeRow = Selectable<DiaryTables['grades']> & { on_date: string; subject_id: string; lesson_work_type_id: string | null };

export function presentGrade(g: GradeRow, weights: ReadonlyMap<string, number>): Grade {
  const wt = g.work_type_id ?? g.lesson_work_type_id;
  return {
    lessonId: g.lesson_id,
    studentId: g.student_id,
    value: g.value,
    workTypeId: wt,
    weight: weightOf(wt, weights),
    comment: g.comment,
    date: g.on_date,
    subjectId: g.subject_id,
    updatedAt: new Date(g.updated_at).toISOString(),
  };
}

/** Grades of lessons matched by `where`, with the lesson's date, subject and work type. */
export function gradesQuery(db: Queryable) {
  return db
    .selectFrom('grades')
    .innerJoin('lessons', 'lessons.id', 'grades.lesson_id')
    .selectAll('grades')
    .select(['lessons.on_date', 'lessons.subject_id', 'lessons.work_type_id as lesson_work_type_id']);
}

export function attendanceQuery(db: Queryable) {
  return db
    .selectFrom('attendance')
    .innerJoin('lessons', 'lessons.id', 'attendance.lesson_id')
    .select(['attendance.lesson_id', 'attendance.student_id', 'attendance.status', 'attendance.notice_id', 'lessons.on_date', 'lessons.subject_id']);
}

export const presentAttendance = (a: {
  lesson_id: string;
  student_id: string;
  status: LessonAttendance['status'];
  notice_id: string | null;
}): LessonAttendance => ({
  lessonId: a.lesson_id,
  studentId: a.student_id,
  status: a.status,
  fromNotice: a.notice_id !== null,
});

export async function getLesson(db: Queryable, schoolId: string, lessonId: string): Promise<LessonRow> {
  const l = await db
    .selectFrom('lessons')
    .innerJoin('classes', 'classes.id', 'lessons.class_id')
    .selectAll('lessons')
    .where('lessons.id', '=', lessonId)
    .where('classes.school_id', '=', schoolId)
    .executeTakeFirst();
  if (!l) throw new AppError('lesson_not_found', 404);
  return l;
}

/** Students of a class now (with a group: of that group of the subject), in name order. */
export async function classStudents(db: Queryable, classId: string, subjectId: string | null, groupNo: number | null) {
  let q = db
    .selectFrom('enrolments as e')
    .innerJoin('persons as p', 'p.id', 'e.student_id')
    .select(['p.id', 'p.last_name', 'p.first_name'])
    .where('e.class_id', '=', classId)
    .where('e.left_at', 'is', null)
    .where('p.archived_at', 'is', null);
  if (groupNo !== null && subjectId) {
    q = q.where(
      'p.id',
      'in',
      db.selectFrom('subject_groups').select('student_id').where('class_id', '=', classId).where('subject_id', '=', subjectId).where('group_no', '=', groupNo),
    );
  }
  const rows = await q.execute();
  return rows.sort((a, b) => a.last_name.localeCompare(b.last_name, 'ru') || a.first_name.localeCompare(b.first_name, 'ru'));
}
