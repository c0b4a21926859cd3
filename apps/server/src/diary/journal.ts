import type { z } from 'zod';
import type { AttendanceBody, FinalMarkBody, GradeBody, HomeworkBody, Journal, LessonPatchBody } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import type { Queryable } from '../db/schema.ts';
import { AppError, forbidden } from '../http/errors.ts';
import { getClass } from '../directory/store.ts';
import { withOutbox } from '../stream/transaction.ts';
import { journalRights, type DiaryAccess } from './access.ts';
import { tell } from './events.ts';
import { normaliseGrade, suggestedMark, weightedAverage, weightOf } from './averages.ts';
import {
  attendanceQuery,
  classStudents,
  getLesson,
  gradesQuery,
  pickPeriod,
  presentAttendance,
  presentGrade,
  presentLessons,
  presentPeriod,
  schoolScale,
  workTypes,
} from './store.ts';
import { getSubject } from './setup.ts';
import { todayIn } from './dates.ts';

/**
 * The journal of one class and subject over one period, in one request, and the teacher's
 * commands on it. Every change is saved on its own and told through the update stream.
 */
export async function loadJournal(
  db: Queryable,
  a: DiaryAccess,
  q: { classId: string; subjectId: string; periodId?: string; groupNo?: number },
  timezone: string,
): Promise<Journal> {
  const rights = journalRights(a, q.classId, q.subjectId);
  const [cls, subject, period, scale, wts] = await Promise.all([
    getClass(db, a.schoolId, q.classId).catch(() => {
      throw new AppError('diary_not_found', 404);
    }),
    getSubject(db, a.schoolId, q.subjectId),
    pickPeriod(db, a.schoolId, q.periodId, todayIn(timezone)),
    schoolScale(db, a.schoolId),
    workTypes(db, a.schoolId),
  ]);
  const group = q.groupNo ?? null;
  let lq = db.selectFrom('lessons').selectAll().where('class_id', '=', q.classId).where('subject_id', '=', q.subjectId);
  if (period) lq = lq.where('on_date', '>=', period.starts_on).where('on_date', '<=', period.ends_on);
  if (group !== null) lq = lq.where((eb) => eb.or([eb('group_no', '=', group), eb('group_no', 'is', null)]));
  const [students, lessonRows] = await Promise.all([classStudents(db, q.classId, q.subjectId, group), lq.orderBy('on_date').orderBy('lesson_no').execute()]);
  const ids = lessonRows.map((l) => l.id);
  const none = ['00000000-0000-0000-0000-000000000000'];
  const [lessons, grades, attendance, finals] = await Promise.all([
    presentLessons(db, a.schoolId, lessonRows),
    gradesQuery(db)
      .where('grades.lesson_id', 'in', ids.length ? ids : none)
      .execute(),
    attendanceQuery(db)
      .where('attendance.lesson_id', 'in', ids.length ? ids : none)
      .execute(),
    period
      ? db
          .selectFrom('final_marks')
          .select(['student_id', 'value'])
          .where('subject_id', '=', q.subjectId)
          .where('period_id', '=', period.id)
          .where('student_id', 'in', students.length ? students.map((s) => s.id) : none)
          .execute()
      : Promise.resolve([]),
  ]);
  const weights = new Map(wts.map((w) => [w.id, w.weight]));
  const presented = grades.map((g) => presentGrade(g, weights));
  return {
    classId: cls.id,
    className: cls.name,
    subject,
    period: period ? presentPeriod(period) : null,
    scale,
    workTypes: wts,
    students: students.map((s) => {
      const mine = presented.filter((g) => g.studentId === s.id);
      return {
        id: s.id,
        lastName: s.last_name,
        firstName: s.first_name,
        average: weightedAverage(mine),
        finalMark: finals.find((f) => f.student_id === s.id)?.value ?? null,
      };
    }),
    lessons,
    grades: presented,
    attendance: attendance.map(presentAttendance),
    canEdit: rights.edit,
    canMarkAttendance: rights.attendance,
  };
}

async function editableLesson(db: Queryable, a: DiaryAccess, lessonId: string, what: 'edit' | 'attendance') {
  const lesson = await getLesson(db, a.schoolId, lessonId);
  const rights = journalRights(a, lesson.class_id, lesson.subject_id, lesson.teacher_id);
  if (!rights[what]) throw forbidden();
  return lesson;
}

export async function patchLesson(ctx: AppContext, a: DiaryAccess, lessonId: string, body: z.infer<typeof LessonPatchBody>) {
  const lesson = await editableLesson(ctx.db, a, lessonId, 'edit');
  if (body.workTypeId) {
    const ok = (await workTypes(ctx.db, a.schoolId)).some((w) => w.id === body.workTypeId);
    if (!ok) throw new AppError('work_type_invalid', 400);
  }
  await withOutbox(ctx, async (trx, outbox) => {
    await trx
      .updateTable('lessons')
      .set({
        ...(body.topic !== undefined ? { topic: body.topic || null } : {}),
        ...(body.workTypeId !== undefined ? { work_type_id: body.workTypeId } : {}),
        updated_at: new Date(),
      })
      .where('id', '=', lessonId)
      .execute();
    await tell(
      trx,
      outbox,
      { classId: lesson.class_id, subjectId: lesson.subject_id, students: 'class', alsoPersons: [lesson.teacher_id] },
      { type: 'diary.lesson', schoolId: a.schoolId, classId: lesson.class_id, subjectId: lesson.subject_id, lessonId },
    );
  });
  return (await presentLessons(ctx.db, a.schoolId, [await getLesson(ctx.db, a.schoolId, lessonId)]))[0]!;
}

/** Homework set at a lesson, due by default at the next lesson of that subject (and group). */
export async function setHomework(ctx: AppContext, a: DiaryAccess, lessonId: string, body: z.infer<typeof HomeworkBody>) {
  const lesson = await editableLesson(ctx.db, a, lessonId, 'edit');
  const later = ctx.db
    .selectFrom('lessons')
    .select(['id', 'on_date'])
    .where('class_id', '=', lesson.class_id)
    .where('subject_id', '=', lesson.subject_id)
    .where('cancelled', '=', false)
    .where('on_date', '>', lesson.on_date);
  const due = body.dueLessonId
    ? await later.where('id', '=', body.dueLessonId).executeTakeFirst()
    : await (lesson.group_no === null ? later : later.where((eb) => eb.or([eb('group_no', '=', lesson.group_no), eb('group_no', 'is', null)])))
        .orderBy('on_date')
        .orderBy('lesson_no')
        .limit(1)
        .executeTakeFirst();
  if (body.dueLessonId && !due) throw new AppError('lesson_not_found', 400);
  if (body.fileIds.length) {
    const files = await ctx.db
      .selectFrom('files')
      .select('id')
      .where('id', 'in', body.fileIds)
      .where('school_id', '=', a.schoolId)
      .where('uploader_person_id', '=', a.person.id)
      .execute();
    if (files.length !== new Set(body.fileIds).size) throw new AppError('attachment_invalid', 400);
  }
  return withOutbox(ctx, async (trx, outbox) => {
    const values = {
      due_lesson_id: due?.id ?? null,
      due_on: due?.on_date ?? lesson.on_date,
      text: body.text,
      file_ids: body.fileIds,
      set_by: a.person.id,
      updated_at: new Date(),
    };
    const hw = await trx
      .insertInto('homework')
      .values({ lesson_id: lessonId, ...values })
      .onConflict((oc) => oc.column('lesson_id').doUpdateSet(values))
      .returningAll()
      .executeTakeFirstOrThrow();
    // Set with homework: no longer a loose upload of the teacher's (it is read under the diary's rule).
    if (body.fileIds.length)
      await trx.updateTable('files').set({ attached_at: new Date() }).where('id', 'in', body.fileIds).where('attached_at', 'is', null).execute();
    await tell(
      trx,
      outbox,
      { classId: lesson.class_id, subjectId: lesson.subject_id, students: 'class', alsoPersons: [lesson.teacher_id] },
      { type: 'diary.homework', schoolId: a.schoolId, classId: lesson.class_id, subjectId: lesson.subject_id, lessonId, homeworkId: hw.id, dueOn: hw.due_on },
    );
    return hw;
  });
}

export async function removeHomework(ctx: AppContext, a: DiaryAccess, lessonId: string) {
  const lesson = await editableLesson(ctx.db, a, lessonId, 'edit');
  await withOutbox(ctx, async (trx, outbox) => {
    const gone = await trx.deleteFrom('homework').where('lesson_id', '=', lessonId).returning('id').executeTakeFirst();
    if (!gone) throw new AppError('homework_not_found', 404);
    await tell(
      trx,
      outbox,
      { classId: lesson.class_id, subjectId: lesson.subject_id, students: 'class', alsoPersons: [lesson.teacher_id] },
      { type: 'diary.homework', schoolId: a.schoolId, classId: lesson.class_id, subjectId: lesson.subject_id, lessonId, homeworkId: null, dueOn: null },
    );
  });
}

async function checkStudentOfLesson(db: Queryable, lesson: { class_id: string }, studentIds: string[]) {
  const rows = await db
    .selectFrom('enrolments')
    .select('student_id')
    .where('class_id', '=', lesson.class_id)
    .where('left_at', 'is', null)
    .where('student_id', 'in', studentIds)
    .execute();
  if (rows.length !== new Set(studentIds).size) throw new AppError('not_enrolled', 400);
}

/**
 * Sets (or changes) a student's grade at a lesson. `value` is what the teacher typed: a number of
 * the school's scale, зачёт/незачёт, or долг. Every change is written to the grade history.
 */
export async function setGrade(ctx: AppContext, a: DiaryAccess, lessonId: string, studentId: string, body: z.infer<typeof GradeBody>) {
  const lesson = await editableLesson(ctx.db, a, lessonId, 'edit');
  if (lesson.cancelled) throw new AppError('lesson_cancelled', 409);
  const [scale, wts] = await Promise.all([schoolScale(ctx.db, a.schoolId), workTypes(ctx.db, a.schoolId), checkStudentOfLesson(ctx.db, lesson, [studentId])]);
  const value = normaliseGrade(scale, body.value);
  if (value === null) throw new AppError('grade_invalid', 400, { scale });
  if (body.workTypeId && !wts.some((w) => w.id === body.workTypeId)) throw new AppError('work_type_invalid', 400);
  const weights = new Map(wts.map((w) => [w.id, w.weight]));
  return withOutbox(ctx, async (trx, outbox) => {
    const old = await trx
      .selectFrom('grades')
      .select(['value', 'work_type_id', 'comment'])
      .where('lesson_id', '=', lessonId)
      .where('student_id', '=', studentId)
      .forUpdate()
      .executeTakeFirst();
    const values = {
      value,
      work_type_id: body.workTypeId !== undefined ? body.workTypeId : (old?.work_type_id ?? null),
      comment: body.comment !== undefined ? body.comment || null : (old?.comment ?? null),
      set_by: a.person.id,
      updated_at: new Date(),
    };
    const g = await trx
      .insertInto('grades')
      .values({ lesson_id: lessonId, student_id: studentId, ...values })
      .onConflict((oc) => oc.columns(['lesson_id', 'student_id']).doUpdateSet(values))
      .returningAll()
      .executeTakeFirstOrThrow();
    if (old?.value !== value)
      await trx
        .insertInto('grade_changes')
        .values({ school_id: a.schoolId, lesson_id: lessonId, student_id: studentId, old_value: old?.value ?? null, new_value: value, changed_by: a.person.id })
        .execute();
    const grade = presentGrade({ ...g, on_date: lesson.on_date, subject_id: lesson.subject_id, lesson_work_type_id: lesson.work_type_id }, weights);
    await tell(
      trx,
      outbox,
      { classId: lesson.class_id, subjectId: lesson.subject_id, students: [studentId], alsoPersons: [lesson.teacher_id] },
      { type: 'diary.grade', schoolId: a.schoolId, classId: lesson.class_id, subjectId: lesson.subject_id, lessonId, studentId, grade },
    );
    return grade;
  });
}

export async function removeGrade(ctx: AppContext, a: DiaryAccess, lessonId: string, studentId: string) {
  const lesson = await editableLesson(ctx.db, a, lessonId, 'edit');
  await withOutbox(ctx, async (trx, outbox) => {
    const old = await trx.deleteFrom('grades').where('lesson_id', '=', lessonId).where('student_id', '=', studentId).returning('value').executeTakeFirst();
    if (!old) return;
    await trx
      .insertInto('grade_changes')
      .values({ school_id: a.schoolId, lesson_id: lessonId, student_id: studentId, old_value: old.value, new_value: null, changed_by: a.person.id })
      .execute();
    await tell(
      trx,
      outbox,
      { classId: lesson.class_id, subjectId: lesson.subject_id, students: [studentId], alsoPersons: [lesson.teacher_id] },
      { type: 'diary.grade', schoolId: a.schoolId, classId: lesson.class_id, subjectId: lesson.subject_id, lessonId, studentId, grade: null },
    );
  });
}

/** Marks (or clears, with null) the attendance of several students at one lesson: a whole column in one request. */
export async function setAttendance(ctx: AppContext, a: DiaryAccess, lessonId: string, body: z.infer<typeof AttendanceBody>) {
  const lesson = await editableLesson(ctx.db, a, lessonId, 'attendance');
  await checkStudentOfLesson(
    ctx.db,
    lesson,
    body.marks.map((m) => m.studentId),
  );
  await withOutbox(ctx, async (trx, outbox) => {
    const set = body.marks.filter((m) => m.status !== null);
    const clear = body.marks.filter((m) => m.status === null).map((m) => m.studentId);
    if (set.length) {
      await trx
        .insertInto('attendance')
        .values(set.map((m) => ({ lesson_id: lessonId, student_id: m.studentId, status: m.status!, notice_id: null, set_by: a.person.id })))
        .onConflict((oc) =>
          oc
            .columns(['lesson_id', 'student_id'])
            .doUpdateSet((eb) => ({ status: eb.ref('excluded.status'), notice_id: null, set_by: a.person.id, updated_at: new Date() })),
        )
        .execute();
    }
    if (clear.length) await trx.deleteFrom('attendance').where('lesson_id', '=', lessonId).where('student_id', 'in', clear).execute();
    await tell(
      trx,
      outbox,
      { classId: lesson.class_id, subjectId: lesson.subject_id, students: body.marks.map((m) => m.studentId), alsoPersons: [lesson.teacher_id] },
      { type: 'diary.attendance', schoolId: a.schoolId, classId: lesson.class_id, subjectId: lesson.subject_id, lessonId, marks: body.marks },
    );
  });
}

/** A period (or, with `periodId: null`, year) mark, set by a teacher of the subject; the journal shows the average as its suggestion. */
export async function setFinalMark(ctx: AppContext, a: DiaryAccess, body: z.infer<typeof FinalMarkBody>) {
  const enrolment = await ctx.db
    .selectFrom('enrolments')
    .innerJoin('classes', 'classes.id', 'enrolments.class_id')
    .select(['classes.id', 'classes.academic_year_id'])
    .where('enrolments.student_id', '=', body.studentId)
    .where('enrolments.left_at', 'is', null)
    .where('classes.school_id', '=', a.schoolId)
    .executeTakeFirst();
  if (!enrolment) throw new AppError('diary_not_found', 404);
  if (!journalRights(a, enrolment.id, body.subjectId).edit) throw forbidden();
  if (body.periodId) {
    const p = await ctx.db
      .selectFrom('reporting_periods')
      .select('id')
      .where('id', '=', body.periodId)
      .where('academic_year_id', '=', enrolment.academic_year_id)
      .executeTakeFirst();
    if (!p) throw new AppError('period_not_found', 404);
  }
  const scale = await schoolScale(ctx.db, a.schoolId);
  const value = normaliseGrade(scale, body.value);
  if (value === null || value === 'debt') throw new AppError('grade_invalid', 400, { scale });
  await ctx.db.transaction().execute(async (trx) => {
    let q = trx
      .deleteFrom('final_marks')
      .where('academic_year_id', '=', enrolment.academic_year_id)
      .where('student_id', '=', body.studentId)
      .where('subject_id', '=', body.subjectId);
    q = body.periodId ? q.where('period_id', '=', body.periodId) : q.where('period_id', 'is', null);
    await q.execute();
    await trx
      .insertInto('final_marks')
      .values({
        academic_year_id: enrolment.academic_year_id,
        period_id: body.periodId,
        student_id: body.studentId,
        subject_id: body.subjectId,
        value,
        set_by: a.person.id,
      })
      .execute();
  });
  return { studentId: body.studentId, subjectId: body.subjectId, periodId: body.periodId, value };
}

/** The average and the mark it suggests, from the same function the journal uses. */
export function suggestion(scale: Parameters<typeof suggestedMark>[0], grades: { value: string; workTypeId: string | null }[], weights: Map<string, number>) {
  const avg = weightedAverage(grades.map((g) => ({ value: g.value, weight: weightOf(g.workTypeId, weights) })));
  return { average: avg, mark: suggestedMark(scale, avg) };
}

export async function gradeHistory(db: Queryable, schoolId: string, filter: { classId?: string; studentId?: string }) {
  let q = db
    .selectFrom('grade_changes as c')
    .innerJoin('lessons as l', 'l.id', 'c.lesson_id')
    .innerJoin('subjects as s', 's.id', 'l.subject_id')
    .innerJoin('persons as st', 'st.id', 'c.student_id')
    .leftJoin('persons as by', 'by.id', 'c.changed_by')
    .select([
      'c.lesson_id',
      'c.student_id',
      'c.old_value',
      'c.new_value',
      'c.changed_at',
      'l.on_date',
      's.name as subject_name',
      'st.last_name',
      'st.first_name',
      'by.id as by_id',
      'by.last_name as by_last',
      'by.first_name as by_first',
    ])
    .where('c.school_id', '=', schoolId);
  if (filter.classId) q = q.where('l.class_id', '=', filter.classId);
  if (filter.studentId) q = q.where('c.student_id', '=', filter.studentId);
  const rows = await q.orderBy('c.id', 'desc').limit(500).execute();
  return rows.map((r) => ({
    lessonId: r.lesson_id,
    studentId: r.student_id,
    studentName: `${r.last_name} ${r.first_name}`,
    subjectName: r.subject_name,
    date: r.on_date,
    oldValue: r.old_value,
    newValue: r.new_value,
    changedBy: r.by_id ? { id: r.by_id, name: `${r.by_last} ${r.by_first}` } : null,
    changedAt: new Date(r.changed_at).toISOString(),
  }));
}
