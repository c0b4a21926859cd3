import { sql } from 'kysely';
import type { z } from 'zod';
import type { BellsBody, GroupsBody, PeriodsBody, TimetableBody, TimetableChangeBody, UpdateDiarySettingsBody, WorkTypesBody } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import type { Queryable } from '../db/schema.ts';
import { AppError, badRequest, conflict } from '../http/errors.ts';
import { getClass } from '../directory/store.ts';
import { withOutbox } from '../stream/transaction.ts';
import { currentYearId, ensureDiary } from './store.ts';
import { reconcileLessons } from './timetable.ts';
import { tell } from './events.ts';
import { addDays } from './dates.ts';

/** The school admin's set-up of the diary: scale, forms of work, periods, bells, subjects, who teaches what, timetables. */

export async function updateSettings(ctx: AppContext, schoolId: string, body: z.infer<typeof UpdateDiarySettingsBody>) {
  await ensureDiary(ctx.db, schoolId);
  if (body.scale || body.periodKind) {
    await ctx.db
      .updateTable('diary_settings')
      .set({ ...(body.scale ? { scale: body.scale } : {}), ...(body.periodKind ? { period_kind: body.periodKind } : {}) })
      .where('school_id', '=', schoolId)
      .execute();
  }
}

export async function setWorkTypes(ctx: AppContext, schoolId: string, body: z.infer<typeof WorkTypesBody>) {
  await ensureDiary(ctx.db, schoolId);
  if (new Set(body.workTypes.map((w) => w.name)).size !== body.workTypes.length) throw badRequest('validation_failed', { reason: 'names repeat' });
  await ctx.db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('work_types').select(['id', 'name']).where('school_id', '=', schoolId).execute();
    for (const w of body.workTypes) if (w.id && !existing.some((e) => e.id === w.id)) throw new AppError('work_type_invalid', 400);
    const kept = body.workTypes.filter((w) => w.id).map((w) => w.id!);
    // Forms of work no longer listed are archived (grades keep pointing at them); names are freed first.
    await trx
      .updateTable('work_types')
      .set({ archived_at: new Date(), name: sql<string>`name || ' · ' || id::text` })
      .where('school_id', '=', schoolId)
      .where('archived_at', 'is', null)
      .where('id', 'not in', [...kept, '00000000-0000-0000-0000-000000000000'])
      .execute();
    for (const [i, w] of body.workTypes.entries()) {
      if (w.id)
        await trx
          .updateTable('work_types')
          .set({ name: `${w.id}`, position: i })
          .where('id', '=', w.id)
          .execute();
    }
    for (const [i, w] of body.workTypes.entries()) {
      if (w.id) await trx.updateTable('work_types').set({ name: w.name, weight: w.weight, position: i, archived_at: null }).where('id', '=', w.id).execute();
      else await trx.insertInto('work_types').values({ school_id: schoolId, name: w.name, weight: w.weight, position: i }).execute();
    }
  });
}

export async function setPeriods(ctx: AppContext, schoolId: string, body: z.infer<typeof PeriodsBody>) {
  const yearId = body.academicYearId ?? (await currentYearId(ctx.db, schoolId));
  const year = await ctx.db.selectFrom('academic_years').selectAll().where('id', '=', yearId).where('school_id', '=', schoolId).executeTakeFirst();
  if (!year) throw new AppError('academic_year_missing', 404);
  const want = { quarter: 4, trimester: 3, semester: 2 }[body.kind];
  const ps = body.periods;
  const bad =
    ps.length !== want ||
    ps.some((p, i) => p.endsOn < p.startsOn || p.startsOn < year.starts_on || p.endsOn > year.ends_on || (i > 0 && p.startsOn <= ps[i - 1]!.endsOn)) ||
    body.holidays.some((h) => h.endsOn < h.startsOn || h.startsOn < year.starts_on || h.endsOn > year.ends_on);
  if (bad) throw badRequest('period_invalid', { expected: want });
  await ensureDiary(ctx.db, schoolId);
  const classes = await ctx.db.selectFrom('classes').select('id').where('academic_year_id', '=', yearId).where('archived_at', 'is', null).execute();
  await ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('diary_settings').set({ period_kind: body.kind }).where('school_id', '=', schoolId).execute();
    // Periods keep their ids (period marks point at them); only numbers the new kind has not are dropped.
    await trx.deleteFrom('reporting_periods').where('academic_year_id', '=', yearId).where('number', '>', ps.length).execute();
    await trx
      .insertInto('reporting_periods')
      .values(
        ps.map((p, i) => ({
          school_id: schoolId,
          academic_year_id: yearId,
          kind: body.kind,
          number: i + 1,
          name: p.name,
          starts_on: p.startsOn,
          ends_on: p.endsOn,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['academic_year_id', 'number']).doUpdateSet((eb) => ({
          kind: eb.ref('excluded.kind'),
          name: eb.ref('excluded.name'),
          starts_on: eb.ref('excluded.starts_on'),
          ends_on: eb.ref('excluded.ends_on'),
        })),
      )
      .execute();
    await trx.deleteFrom('holidays').where('academic_year_id', '=', yearId).execute();
    if (body.holidays.length)
      await trx
        .insertInto('holidays')
        .values(body.holidays.map((h) => ({ school_id: schoolId, academic_year_id: yearId, name: h.name, starts_on: h.startsOn, ends_on: h.endsOn })))
        .execute();
    // Holidays take lessons away (or give them back).
    for (const c of classes) await reconcileLessons(trx, c.id, year.starts_on, year.ends_on);
  });
}

export async function setBells(ctx: AppContext, schoolId: string, body: z.infer<typeof BellsBody>) {
  const keys = body.bells.map((b) => `${b.shift}:${b.lessonNo}`);
  if (new Set(keys).size !== keys.length || body.bells.some((b) => b.endsAt <= b.startsAt)) throw badRequest('timetable_invalid', { reason: 'bells' });
  await ctx.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('bells').where('school_id', '=', schoolId).execute();
    if (body.bells.length)
      await trx
        .insertInto('bells')
        .values(body.bells.map((b) => ({ school_id: schoolId, shift: b.shift, lesson_no: b.lessonNo, starts_at: b.startsAt, ends_at: b.endsAt })))
        .execute();
  });
}

export async function createSubject(ctx: AppContext, schoolId: string, name: string) {
  const row = await ctx.db
    .insertInto('subjects')
    .values({ school_id: schoolId, name })
    .onConflict((oc) => oc.columns(['school_id', 'name']).doUpdateSet({ archived_at: null }))
    .returning(['id', 'name'])
    .executeTakeFirstOrThrow();
  return row;
}

export async function getSubject(db: Queryable, schoolId: string, subjectId: string) {
  const s = await db.selectFrom('subjects').select(['id', 'name']).where('id', '=', subjectId).where('school_id', '=', schoolId).executeTakeFirst();
  if (!s) throw new AppError('subject_not_found', 404);
  return s;
}

/** Adds a subject to a teacher's link with a class (creating the link when the teacher has none there). */
export async function addTeaching(ctx: AppContext, schoolId: string, classId: string, personId: string, subjectId: string) {
  await getClass(ctx.db, schoolId, classId);
  const subject = await getSubject(ctx.db, schoolId, subjectId);
  const person = await ctx.db
    .selectFrom('persons')
    .select(['id', 'roles'])
    .where('id', '=', personId)
    .where('school_id', '=', schoolId)
    .where('archived_at', 'is', null)
    .executeTakeFirst();
  if (!person) throw new AppError('person_not_found', 404);
  if (!person.roles.includes('teacher')) throw new AppError('not_a_teacher', 400);
  await withOutbox(ctx, async (trx, outbox) => {
    let link = await trx.selectFrom('class_teachers').select('id').where('class_id', '=', classId).where('person_id', '=', personId).executeTakeFirst();
    if (!link) {
      link = await trx
        .insertInto('class_teachers')
        .values({ class_id: classId, person_id: personId, subject: subject.name })
        .returning('id')
        .executeTakeFirstOrThrow();
      await ctx.rosterHooks.changed(trx, outbox, { schoolId, classIds: [classId], personIds: [personId] });
    }
    await trx
      .insertInto('class_teacher_subjects')
      .values({ class_teacher_id: link.id, subject_id: subjectId })
      .onConflict((oc) => oc.doNothing())
      .execute();
  });
}

export async function removeTeaching(ctx: AppContext, schoolId: string, classId: string, personId: string, subjectId: string) {
  await getClass(ctx.db, schoolId, classId);
  const link = await ctx.db.selectFrom('class_teachers').select('id').where('class_id', '=', classId).where('person_id', '=', personId).executeTakeFirst();
  if (!link) throw new AppError('person_not_found', 404);
  await ctx.db.deleteFrom('class_teacher_subjects').where('class_teacher_id', '=', link.id).where('subject_id', '=', subjectId).execute();
}

export async function setGroups(ctx: AppContext, schoolId: string, classId: string, body: z.infer<typeof GroupsBody>) {
  await getClass(ctx.db, schoolId, classId);
  await getSubject(ctx.db, schoolId, body.subjectId);
  const ids = body.groups.flatMap((g) => g.studentIds);
  if (new Set(ids).size !== ids.length) throw badRequest('validation_failed', { reason: 'a student is in two groups' });
  if (ids.length) {
    const enrolled = await ctx.db
      .selectFrom('enrolments')
      .select('student_id')
      .where('class_id', '=', classId)
      .where('left_at', 'is', null)
      .where('student_id', 'in', ids)
      .execute();
    if (enrolled.length !== ids.length) throw new AppError('not_enrolled', 400);
  }
  await ctx.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('subject_groups').where('class_id', '=', classId).where('subject_id', '=', body.subjectId).execute();
    const rows = body.groups.flatMap((g) => g.studentIds.map((s) => ({ class_id: classId, subject_id: body.subjectId, student_id: s, group_no: g.groupNo })));
    if (rows.length) await trx.insertInto('subject_groups').values(rows).execute();
  });
}

async function checkSubjectsAndTeachers(db: Queryable, schoolId: string, subjectIds: string[], teacherIds: string[]) {
  const s = [...new Set(subjectIds)];
  const tIds = [...new Set(teacherIds)];
  const [subjects, teachers] = await Promise.all([
    s.length ? db.selectFrom('subjects').select('id').where('school_id', '=', schoolId).where('id', 'in', s).execute() : Promise.resolve([]),
    tIds.length
      ? db.selectFrom('persons').select(['id', 'roles']).where('school_id', '=', schoolId).where('id', 'in', tIds).where('archived_at', 'is', null).execute()
      : Promise.resolve([]),
  ]);
  if (subjects.length !== s.length) throw new AppError('subject_not_found', 404);
  if (teachers.length !== tIds.length || teachers.some((t) => !t.roles.includes('teacher'))) throw new AppError('not_a_teacher', 400);
}

/** A weekly template valid from a date; the lessons from that date on are brought in step with it. */
export async function setTimetable(ctx: AppContext, schoolId: string, classId: string, personId: string, body: z.infer<typeof TimetableBody>) {
  const cls = await getClass(ctx.db, schoolId, classId);
  const keys = body.slots.map((s) => `${s.weekday}:${s.lessonNo}:${s.groupNo ?? 0}`);
  if (new Set(keys).size !== keys.length) throw badRequest('timetable_invalid', { reason: 'two lessons in one place' });
  await checkSubjectsAndTeachers(
    ctx.db,
    schoolId,
    body.slots.map((s) => s.subjectId),
    body.slots.map((s) => s.teacherId).filter((x): x is string => !!x),
  );
  const year = await ctx.db.selectFrom('academic_years').select('ends_on').where('id', '=', cls.academic_year_id).executeTakeFirstOrThrow();
  return withOutbox(ctx, async (trx, outbox) => {
    await trx.deleteFrom('timetables').where('class_id', '=', classId).where('valid_from', '=', body.validFrom).execute();
    const tt = await trx
      .insertInto('timetables')
      .values({ class_id: classId, valid_from: body.validFrom, shift: body.shift, created_by: personId })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (body.slots.length) {
      await trx
        .insertInto('timetable_slots')
        .values(
          body.slots.map((s) => ({
            timetable_id: tt.id,
            weekday: s.weekday,
            lesson_no: s.lessonNo,
            subject_id: s.subjectId,
            teacher_id: s.teacherId ?? null,
            room: s.room ?? null,
            group_no: s.groupNo ?? null,
          })),
        )
        .execute();
    }
    await reconcileLessons(trx, classId, body.validFrom, year.ends_on);
    await tell(trx, outbox, { classId, students: 'class' }, { type: 'diary.timetable', schoolId, classId });
    return tt.id;
  });
}

export async function addChange(ctx: AppContext, schoolId: string, classId: string, personId: string, body: z.infer<typeof TimetableChangeBody>) {
  await getClass(ctx.db, schoolId, classId);
  if (body.kind === 'moved' && !body.toDate) throw badRequest('timetable_invalid', { reason: 'moved needs toDate' });
  if (body.kind === 'added' && !body.subjectId) throw badRequest('timetable_invalid', { reason: 'added needs subjectId' });
  if (body.kind === 'substitution' && !body.teacherId && !body.subjectId) throw badRequest('timetable_invalid', { reason: 'substitution needs teacherId' });
  if (body.kind === 'room' && !body.room) throw badRequest('timetable_invalid', { reason: 'room needs room' });
  await checkSubjectsAndTeachers(ctx.db, schoolId, body.subjectId ? [body.subjectId] : [], body.teacherId ? [body.teacherId] : []);
  return withOutbox(ctx, async (trx, outbox) => {
    const row = await trx
      .insertInto('timetable_changes')
      .values({
        class_id: classId,
        on_date: body.date,
        lesson_no: body.lessonNo,
        group_no: body.groupNo ?? null,
        kind: body.kind,
        subject_id: body.subjectId ?? null,
        teacher_id: body.teacherId ?? null,
        room: body.room ?? null,
        to_date: body.kind === 'moved' ? (body.toDate ?? null) : null,
        to_lesson_no: body.kind === 'moved' ? (body.toLessonNo ?? body.lessonNo) : null,
        note: body.note ?? null,
        created_by: personId,
      })
      .returningAll()
      .executeTakeFirst()
      .catch((err: { code?: string }) => {
        if (err?.code === '23505') throw conflict('timetable_invalid', { reason: 'that lesson already has a change' });
        throw err;
      });
    await reconcileChangeDates(trx, classId, row!);
    await tell(trx, outbox, { classId, students: 'class', alsoPersons: [body.teacherId ?? null] }, { type: 'diary.timetable', schoolId, classId });
    return row!;
  });
}

async function reconcileChangeDates(trx: Parameters<typeof reconcileLessons>[0], classId: string, c: { on_date: string; to_date: string | null }) {
  await reconcileLessons(trx, classId, c.on_date, c.on_date);
  if (c.to_date && c.to_date !== c.on_date) await reconcileLessons(trx, classId, c.to_date, c.to_date);
}

export async function removeChange(ctx: AppContext, schoolId: string, classId: string, changeId: string) {
  await getClass(ctx.db, schoolId, classId);
  return withOutbox(ctx, async (trx, outbox) => {
    const row = await trx.deleteFrom('timetable_changes').where('id', '=', changeId).where('class_id', '=', classId).returningAll().executeTakeFirst();
    if (!row) throw new AppError('not_found', 404);
    await reconcileChangeDates(trx, classId, row);
    await tell(trx, outbox, { classId, students: 'class' }, { type: 'diary.timetable', schoolId, classId });
  });
}

export const weekOf = (date: string) => ({ from: date, to: addDays(date, 6) });
