import type { z } from 'zod';
import type { AbsenceBody, AbsenceNotice, DiaryGrades, DiaryWeek } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import type { Queryable } from '../db/schema.ts';
import { AppError } from '../http/errors.ts';
import { withOutbox } from '../stream/transaction.ts';
import { notFound, seesSubject, studentView, type DiaryAccess, type StudentView } from './access.ts';
import { tell } from './events.ts';
import { weightedAverage } from './averages.ts';
import { addDays, todayIn, weekStart } from './dates.ts';
import {
  attendanceQuery,
  gradesQuery,
  pickPeriod,
  presentAttendance,
  presentGrade,
  presentHomework,
  presentLessons,
  presentPeriod,
  schoolScale,
  workTypes,
} from './store.ts';

/** A student's diary as the student, a guardian or the student's teachers see it. */

async function studentHead(db: Queryable, studentId: string) {
  return db
    .selectFrom('persons as p')
    .leftJoin('enrolments as e', (j) => j.onRef('e.student_id', '=', 'p.id').on('e.left_at', 'is', null))
    .leftJoin('classes as c', 'c.id', 'e.class_id')
    .select(['p.id', 'p.last_name', 'p.first_name', 'c.id as class_id', 'c.name as class_name'])
    .where('p.id', '=', studentId)
    .executeTakeFirstOrThrow();
}

/** Lessons of the student's class over [from, to] that are theirs (their group) and that the viewer may see. */
function studentLessons(db: Queryable, v: StudentView, studentId: string, from: string, to: string) {
  let q = db
    .selectFrom('lessons as l')
    .selectAll('l')
    .where('l.class_id', '=', v.classId ?? '00000000-0000-0000-0000-000000000000')
    .where('l.on_date', '>=', from)
    .where('l.on_date', '<=', to)
    .where((eb) =>
      eb.or([
        eb('l.group_no', 'is', null),
        eb(
          'l.group_no',
          '=',
          eb
            .selectFrom('subject_groups as g')
            .select('g.group_no')
            .whereRef('g.class_id', '=', 'l.class_id')
            .whereRef('g.subject_id', '=', 'l.subject_id')
            .where('g.student_id', '=', studentId),
        ),
      ]),
    );
  if (v.subjects !== 'all') q = q.where('l.subject_id', 'in', [...v.subjects]);
  return q.orderBy('l.on_date').orderBy('l.lesson_no').execute();
}

/** The week of `date` in one request: each day's lessons, homework due, grades, attendance, and the family's sign-off. */
export async function loadWeek(db: Queryable, a: DiaryAccess, studentId: string, date: string | undefined, timezone: string): Promise<DiaryWeek> {
  const v = await studentView(db, a, studentId);
  const from = weekStart(date ?? todayIn(timezone));
  const to = addDays(from, 6);
  const [head, rows, scale, wts, holidays, signed] = await Promise.all([
    studentHead(db, studentId),
    studentLessons(db, v, studentId, from, to),
    schoolScale(db, a.schoolId),
    workTypes(db, a.schoolId),
    db
      .selectFrom('holidays')
      .select(['name', 'starts_on', 'ends_on'])
      .where('school_id', '=', a.schoolId)
      .where('ends_on', '>=', from)
      .where('starts_on', '<=', to)
      .execute(),
    db.selectFrom('diary_signoffs').select('guardian_id').where('student_id', '=', studentId).where('week_start', '=', from).execute(),
  ]);
  const ids = rows.length ? rows.map((l) => l.id) : ['00000000-0000-0000-0000-000000000000'];
  const [lessons, grades, attendance, dueRows] = await Promise.all([
    presentLessons(db, a.schoolId, rows, v.self || v.guardian ? studentId : null),
    gradesQuery(db).where('grades.student_id', '=', studentId).where('grades.lesson_id', 'in', ids).execute(),
    attendanceQuery(db).where('attendance.student_id', '=', studentId).where('attendance.lesson_id', 'in', ids).execute(),
    db.selectFrom('homework').selectAll().where('due_lesson_id', 'in', ids).execute(),
  ]);
  const weights = new Map(wts.map((w) => [w.id, w.weight]));
  const days = [];
  for (let i = 0; i < 7; i++) {
    const d = addDays(from, i);
    const holiday = holidays.find((h) => h.starts_on <= d && d <= h.ends_on)?.name ?? null;
    const ls = lessons.filter((l) => l.date === d);
    if (i < 5 || ls.length) days.push({ date: d, holiday, lessons: ls });
  }
  return {
    student: { id: head.id, lastName: head.last_name, firstName: head.first_name, classId: head.class_id, className: head.class_name },
    weekStart: from,
    scale,
    days,
    homeworkDue: await presentHomework(db, a.schoolId, dueRows, v.self || v.guardian ? studentId : null),
    grades: grades.map((g) => presentGrade(g, weights)),
    attendance: attendance.map(presentAttendance),
    signedOff: signed.length > 0,
  };
}

/** Grades by subject over a period, with each subject's weighted average and period mark. */
export async function loadGrades(db: Queryable, a: DiaryAccess, studentId: string, periodId: string | undefined, timezone: string): Promise<DiaryGrades> {
  const v = await studentView(db, a, studentId);
  const period = await pickPeriod(db, a.schoolId, periodId, todayIn(timezone));
  let q = gradesQuery(db).where('grades.student_id', '=', studentId);
  if (period) q = q.where('lessons.on_date', '>=', period.starts_on).where('lessons.on_date', '<=', period.ends_on);
  const [rows, wts, scale, subjects, finals, teachers] = await Promise.all([
    q.orderBy('lessons.on_date').execute(),
    workTypes(db, a.schoolId),
    schoolScale(db, a.schoolId),
    db.selectFrom('subjects').select(['id', 'name']).where('school_id', '=', a.schoolId).execute(),
    period
      ? db.selectFrom('final_marks').select(['subject_id', 'value']).where('student_id', '=', studentId).where('period_id', '=', period.id).execute()
      : Promise.resolve([]),
    db
      .selectFrom('class_teachers as t')
      .innerJoin('class_teacher_subjects as s', 's.class_teacher_id', 't.id')
      .innerJoin('persons as p', 'p.id', 't.person_id')
      .select(['s.subject_id', 'p.id', 'p.last_name', 'p.first_name', 'p.middle_name'])
      .where('t.class_id', '=', v.classId ?? '00000000-0000-0000-0000-000000000000')
      .execute(),
  ]);
  const weights = new Map(wts.map((w) => [w.id, w.weight]));
  const grades = rows.filter((g) => seesSubject(v, g.subject_id)).map((g) => presentGrade(g, weights));
  const subjectIds = [...new Set([...teachers.map((t) => t.subject_id), ...grades.map((g) => g.subjectId)])].filter((id) => seesSubject(v, id));
  const out = subjectIds
    .map((id) => {
      const mine = grades.filter((g) => g.subjectId === id);
      const t = teachers.find((x) => x.subject_id === id);
      return {
        subject: { id, name: subjects.find((s) => s.id === id)?.name ?? '' },
        teacher: t ? { id: t.id, name: `${t.last_name} ${t.first_name}${t.middle_name ? ` ${t.middle_name}` : ''}` } : null,
        grades: mine,
        average: weightedAverage(mine),
        trend: mine.map((_, i) => weightedAverage(mine.slice(0, i + 1))).filter((v): v is number => v !== null),
        finalMark: finals.find((f) => f.subject_id === id)?.value ?? null,
      };
    })
    .sort((x, y) => x.subject.name.localeCompare(y.subject.name, 'ru'));
  return { period: period ? presentPeriod(period) : null, scale, workTypes: wts, subjects: out };
}

export async function homeworkList(db: Queryable, a: DiaryAccess, studentId: string, from: string | undefined, timezone: string) {
  const v = await studentView(db, a, studentId);
  const start = from ?? addDays(todayIn(timezone), -7);
  const lessons = await studentLessons(db, v, studentId, addDays(start, -60), addDays(start, 120));
  const ids = lessons.length ? lessons.map((l) => l.id) : ['00000000-0000-0000-0000-000000000000'];
  const rows = await db.selectFrom('homework').selectAll().where('lesson_id', 'in', ids).where('due_on', '>=', start).orderBy('due_on').execute();
  return { homework: await presentHomework(db, a.schoolId, rows, v.self || v.guardian ? studentId : null) };
}

/** The student's own «сделано» tick. */
export async function setHomeworkDone(ctx: AppContext, a: DiaryAccess, homeworkId: string, done: boolean) {
  const hw = await ctx.db
    .selectFrom('homework')
    .innerJoin('lessons', 'lessons.id', 'homework.lesson_id')
    .innerJoin('enrolments as e', (j) => j.onRef('e.class_id', '=', 'lessons.class_id').on('e.left_at', 'is', null))
    .select(['homework.id', 'e.student_id'])
    .where('homework.id', '=', homeworkId)
    .where('e.student_id', 'in', [a.person.id, ...a.childIds])
    .executeTakeFirst();
  if (!hw) throw new AppError('homework_not_found', 404);
  if (hw.student_id !== a.person.id) throw new AppError('homework_done_students_only', 403);
  if (done)
    await ctx.db
      .insertInto('homework_done')
      .values({ homework_id: homeworkId, student_id: a.person.id })
      .onConflict((oc) => oc.doNothing())
      .execute();
  else await ctx.db.deleteFrom('homework_done').where('homework_id', '=', homeworkId).where('student_id', '=', a.person.id).execute();
}

export async function attendanceSummary(db: Queryable, a: DiaryAccess, studentId: string, periodId: string | undefined, timezone: string) {
  const v = await studentView(db, a, studentId);
  const today = todayIn(timezone);
  const period = await pickPeriod(db, a.schoolId, periodId, today);
  const from = period?.starts_on ?? addDays(today, -90);
  const to = period ? (period.ends_on < today ? period.ends_on : today) : today;
  const lessons = (await studentLessons(db, v, studentId, from, to)).filter((l) => !l.cancelled);
  const ids = lessons.length ? lessons.map((l) => l.id) : ['00000000-0000-0000-0000-000000000000'];
  const [marks, subjects] = await Promise.all([
    attendanceQuery(db).where('attendance.student_id', '=', studentId).where('attendance.lesson_id', 'in', ids).orderBy('lessons.on_date').execute(),
    db.selectFrom('subjects').select(['id', 'name']).where('school_id', '=', a.schoolId).execute(),
  ]);
  const counts = { absent: 0, ill: 0, excused: 0, late: 0 };
  for (const m of marks) counts[m.status]++;
  return {
    period: period ? presentPeriod(period) : null,
    lessons: lessons.length,
    counts,
    marks: marks.map((m) => ({ ...presentAttendance(m), date: m.on_date, subjectName: subjects.find((s) => s.id === m.subject_id)?.name ?? '' })),
  };
}

/**
 * A guardian announces an absence in advance: the child's lessons of those days are pre-marked
 * excused (lessons the timetable adds later are marked as they are made), and the class teacher is told.
 */
export async function announceAbsence(ctx: AppContext, a: DiaryAccess, studentId: string, body: z.infer<typeof AbsenceBody>) {
  const v = await studentView(ctx.db, a, studentId);
  if (!v.guardian) throw new AppError('not_a_guardian_of', 403);
  if (body.toDate < body.fromDate || body.toDate > addDays(body.fromDate, 30)) throw new AppError('validation_failed', 400, { reason: 'dates' });
  return withOutbox(ctx, async (trx, outbox) => {
    const n = await trx
      .insertInto('absence_notices')
      .values({
        school_id: a.schoolId,
        student_id: studentId,
        guardian_id: a.person.id,
        from_date: body.fromDate,
        to_date: body.toDate,
        reason: body.reason,
        comment: body.comment ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const lessons = v.classId
      ? await trx
          .selectFrom('lessons')
          .select('id')
          .where('class_id', '=', v.classId)
          .where('on_date', '>=', body.fromDate)
          .where('on_date', '<=', body.toDate)
          .where('cancelled', '=', false)
          .execute()
      : [];
    if (lessons.length) {
      await trx
        .insertInto('attendance')
        .values(lessons.map((l) => ({ lesson_id: l.id, student_id: studentId, status: 'excused' as const, notice_id: n.id, set_by: a.person.id })))
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    if (v.classId)
      await tell(
        trx,
        outbox,
        { classId: v.classId, students: [studentId] },
        { type: 'diary.absence', schoolId: a.schoolId, classId: v.classId, studentId, noticeId: n.id, fromDate: n.from_date, toDate: n.to_date },
      );
    return n;
  });
}

/** Absence notices of a class (its class teacher, the admin), or of one's own children. */
export async function listAbsences(db: Queryable, a: DiaryAccess, filter: { classId?: string; studentId?: string }): Promise<AbsenceNotice[]> {
  let q = db
    .selectFrom('absence_notices as n')
    .innerJoin('persons as s', 's.id', 'n.student_id')
    .innerJoin('persons as g', 'g.id', 'n.guardian_id')
    .select([
      'n.id',
      'n.student_id',
      'n.from_date',
      'n.to_date',
      'n.reason',
      'n.comment',
      'n.created_at',
      's.last_name',
      's.first_name',
      'g.last_name as g_last',
      'g.first_name as g_first',
    ])
    .select((eb) => eb.selectFrom('attendance').select(eb.fn.countAll<number>().as('n')).whereRef('attendance.notice_id', '=', 'n.id').as('excused'))
    .where('n.school_id', '=', a.schoolId);
  if (filter.classId) {
    if (!a.isAdmin && !a.classTeacherOf.includes(filter.classId)) throw notFound();
    q = q.where('n.student_id', 'in', db.selectFrom('enrolments').select('student_id').where('class_id', '=', filter.classId).where('left_at', 'is', null));
  } else if (filter.studentId) {
    await studentView(db, a, filter.studentId);
    q = q.where('n.student_id', '=', filter.studentId);
  } else throw notFound();
  const rows = await q.orderBy('n.from_date', 'desc').limit(200).execute();
  return rows.map((r) => ({
    id: r.id,
    studentId: r.student_id,
    studentName: `${r.last_name} ${r.first_name}`,
    guardianName: `${r.g_last} ${r.g_first}`,
    fromDate: r.from_date,
    toDate: r.to_date,
    reason: r.reason,
    comment: r.comment,
    lessonsExcused: Number(r.excused ?? 0),
    createdAt: new Date(r.created_at).toISOString(),
  }));
}

/** A guardian's weekly «дневник просмотрен». */
export async function signOff(ctx: AppContext, a: DiaryAccess, studentId: string, week: string) {
  const v = await studentView(ctx.db, a, studentId);
  if (!v.guardian) throw new AppError('not_a_guardian_of', 403);
  const ws = weekStart(week);
  await withOutbox(ctx, async (trx, outbox) => {
    await trx
      .insertInto('diary_signoffs')
      .values({ student_id: studentId, guardian_id: a.person.id, week_start: ws })
      .onConflict((oc) => oc.doNothing())
      .execute();
    if (v.classId)
      await tell(
        trx,
        outbox,
        { classId: v.classId, students: [studentId] },
        { type: 'diary.signoff', schoolId: a.schoolId, classId: v.classId, studentId, weekStart: ws },
      );
  });
  return ws;
}

/** The class teacher's overview: which families signed the week's diary. */
export async function signoffOverview(db: Queryable, a: DiaryAccess, classId: string, week: string) {
  if (!a.isAdmin && !a.classTeacherOf.includes(classId)) throw notFound();
  const ws = weekStart(week);
  const rows = await db
    .selectFrom('enrolments as e')
    .innerJoin('persons as s', 's.id', 'e.student_id')
    .leftJoin('diary_signoffs as d', (j) => j.onRef('d.student_id', '=', 's.id').on('d.week_start', '=', ws))
    .leftJoin('persons as g', 'g.id', 'd.guardian_id')
    .select(['s.id', 's.last_name', 's.first_name', 'g.id as g_id', 'g.last_name as g_last', 'g.first_name as g_first', 'd.signed_at'])
    .where('e.class_id', '=', classId)
    .where('e.left_at', 'is', null)
    .execute();
  const fam = new Map<string, { studentId: string; studentName: string; signedBy: { id: string; name: string }[]; signedAt: string | null }>();
  for (const r of rows) {
    const f = fam.get(r.id) ?? { studentId: r.id, studentName: `${r.last_name} ${r.first_name}`, signedBy: [], signedAt: null };
    if (r.g_id) {
      f.signedBy.push({ id: r.g_id, name: `${r.g_last} ${r.g_first}` });
      const at = new Date(r.signed_at!).toISOString();
      if (!f.signedAt || at < f.signedAt) f.signedAt = at;
    }
    fam.set(r.id, f);
  }
  return { weekStart: ws, families: [...fam.values()].sort((x, y) => x.studentName.localeCompare(y.studentName, 'ru')) };
}
