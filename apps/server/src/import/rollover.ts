import crypto from 'node:crypto';
import type { RolloverPreview } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import type { Queryable } from '../db/schema.ts';
import { currentYear } from '../directory/store.ts';
import { conflict, AppError } from '../http/errors.ts';
import { announceRevoked, doRevokeAccountSessions } from '../identity/sessions.ts';
import { withOutbox } from '../stream/transaction.ts';

/**
 * The year-end rollover: a new academic year; every class moves up a grade (5А → 6А, a new class
 * of the new year with the same students and teachers, whose chats provisioning creates), the
 * graduating classes end, and their students (and guardians with no other child at the school)
 * leave. Last year's classes are archived, so their chats stay readable and take no messages.
 */
export function promotedName(name: string, grade: number): string {
  return /^\s*\d{1,2}/.test(name) ? name.replace(/^\s*\d{1,2}/, String(grade + 1)) : `${grade + 1}${name}`;
}

export async function rolloverPreview(db: Queryable, schoolId: string, lastGrade: number): Promise<RolloverPreview> {
  const year = await currentYear(db, schoolId);
  const classes = await db
    .selectFrom('classes')
    .leftJoin('enrolments', (j) => j.onRef('enrolments.class_id', '=', 'classes.id').on('enrolments.left_at', 'is', null))
    .select(['classes.id', 'classes.name', 'classes.grade', (eb) => eb.fn.count<number>('enrolments.id').as('n')])
    .where('classes.school_id', '=', schoolId)
    .where('classes.academic_year_id', '=', year.id)
    .where('classes.archived_at', 'is', null)
    .groupBy(['classes.id', 'classes.name', 'classes.grade'])
    .orderBy('classes.grade')
    .orderBy('classes.name')
    .execute();
  const start = Number(year.starts_on.slice(0, 4)) + 1;
  const toYear = { name: `${start}/${start + 1}`, startsOn: `${start}${year.starts_on.slice(4)}`, endsOn: `${start + 1}${year.ends_on.slice(4)}` };
  const promote = classes
    .filter((c) => c.grade < lastGrade)
    .map((c) => ({ classId: c.id, from: c.name, to: promotedName(c.name, c.grade), students: Number(c.n) }));
  const graduate = classes.filter((c) => c.grade >= lastGrade).map((c) => ({ classId: c.id, name: c.name, students: Number(c.n) }));
  const hash = crypto
    .createHash('sha256')
    .update(JSON.stringify([year.id, lastGrade, classes.map((c) => [c.id, c.name, c.grade, Number(c.n)])]))
    .digest('hex');
  return { fromYear: { id: year.id, name: year.name }, toYear, promote, graduate, lastGrade, hash };
}

export async function doRollover(ctx: AppContext, schoolId: string, hash: string, lastGrade: number) {
  const result = await withOutbox(ctx, async (trx, outbox) => {
    // One rollover at a time per school.
    await trx.selectFrom('schools').select('id').where('id', '=', schoolId).forUpdate().executeTakeFirst();
    const preview = await rolloverPreview(trx, schoolId, lastGrade);
    if (preview.hash !== hash) throw new AppError('rollover_stale', 409);
    const exists = await trx
      .selectFrom('academic_years')
      .select('id')
      .where('school_id', '=', schoolId)
      .where('name', '=', preview.toYear.name)
      .executeTakeFirst();
    if (exists) throw conflict('validation_failed', { reason: 'an academic year with this name exists' });
    const now = new Date();
    await trx.updateTable('academic_years').set({ is_current: false }).where('school_id', '=', schoolId).execute();
    const year = await trx
      .insertInto('academic_years')
      .values({ school_id: schoolId, name: preview.toYear.name, starts_on: preview.toYear.startsOn, ends_on: preview.toYear.endsOn, is_current: true })
      .returning('id')
      .executeTakeFirstOrThrow();
    const touched = new Set<string>();
    const people = new Set<string>();
    for (const p of preview.promote) {
      const old = await trx.selectFrom('classes').select(['grade']).where('id', '=', p.classId).executeTakeFirstOrThrow();
      const cls = await trx
        .insertInto('classes')
        .values({ school_id: schoolId, academic_year_id: year.id, name: p.to, grade: old.grade + 1 })
        .returning('id')
        .executeTakeFirstOrThrow();
      const students = await trx.selectFrom('enrolments').select('student_id').where('class_id', '=', p.classId).where('left_at', 'is', null).execute();
      if (students.length)
        await trx
          .insertInto('enrolments')
          .values(students.map((s) => ({ class_id: cls.id, student_id: s.student_id })))
          .execute();
      const teachers = await trx.selectFrom('class_teachers').selectAll().where('class_id', '=', p.classId).execute();
      for (const t of teachers) {
        const row = await trx
          .insertInto('class_teachers')
          .values({ class_id: cls.id, person_id: t.person_id, subject: t.subject, is_class_teacher: t.is_class_teacher })
          .returning('id')
          .executeTakeFirstOrThrow();
        await trx
          .insertInto('class_teacher_subjects')
          .columns(['class_teacher_id', 'subject_id'])
          .expression((eb) =>
            eb
              .selectFrom('class_teacher_subjects')
              .select([eb.val(row.id).as('class_teacher_id'), 'subject_id'])
              .where('class_teacher_id', '=', t.id),
          )
          .execute();
      }
      touched.add(cls.id);
      touched.add(p.classId);
    }
    // Graduates leave; so do guardians left with no child at the school.
    const graduateIds = preview.graduate.map((g) => g.classId);
    const leaving: string[] = [];
    if (graduateIds.length) {
      const graduates = await trx.selectFrom('enrolments').select('student_id').where('class_id', 'in', graduateIds).where('left_at', 'is', null).execute();
      const ids = graduates.map((g) => g.student_id);
      leaving.push(...ids);
      if (ids.length) {
        const guardians = await trx.selectFrom('guardianships').select('guardian_id').distinct().where('student_id', 'in', ids).execute();
        for (const g of guardians) {
          const other = await trx
            .selectFrom('guardianships')
            .innerJoin('persons', 'persons.id', 'guardianships.student_id')
            .select('persons.id')
            .where('guardianships.guardian_id', '=', g.guardian_id)
            .where('persons.archived_at', 'is', null)
            .where('persons.id', 'not in', ids)
            .executeTakeFirst();
          const person = await trx.selectFrom('persons').select('roles').where('id', '=', g.guardian_id).executeTakeFirstOrThrow();
          if (!other && person.roles.every((r) => r === 'guardian')) leaving.push(g.guardian_id);
        }
      }
    }
    const oldIds = [...preview.promote.map((p) => p.classId), ...graduateIds];
    if (oldIds.length) {
      await trx.updateTable('classes').set({ archived_at: now }).where('id', 'in', oldIds).execute();
      await trx.updateTable('enrolments').set({ left_at: now }).where('class_id', 'in', oldIds).where('left_at', 'is', null).execute();
      await trx.deleteFrom('class_teachers').where('class_id', 'in', oldIds).execute();
      for (const id of graduateIds) touched.add(id);
    }
    let revoked: string[] = [];
    if (leaving.length) {
      const rows = await trx.updateTable('persons').set({ archived_at: now }).where('id', 'in', leaving).returning(['id', 'user_id']).execute();
      await trx
        .deleteFrom('guardianships')
        .where((eb) => eb.or([eb('guardian_id', 'in', leaving), eb('student_id', 'in', leaving)]))
        .execute();
      revoked = await doRevokeAccountSessions(
        trx,
        rows.flatMap((r) => (r.user_id ? [r.user_id] : [])),
      );
      for (const r of rows) people.add(r.id);
    }
    await ctx.rosterHooks.changed(trx, outbox, { schoolId, classIds: [...touched], personIds: [...people] });
    return { yearId: year.id, promoted: preview.promote.length, graduated: preview.graduate.length, revoked };
  });
  await announceRevoked(ctx, result.revoked);
  return { yearId: result.yearId, promoted: result.promoted, graduated: result.graduated };
}
