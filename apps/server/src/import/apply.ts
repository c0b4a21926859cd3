import { sql } from 'kysely';
import type { AppContext } from '../context.ts';
import type { Tx } from '../db/schema.ts';
import { linkExistingAccount } from '../directory/service.ts';
import { doRevokeAccountSessions } from '../identity/sessions.ts';
import type { Plan, Ref } from './plan.ts';
import type { Outbox } from '../stream/outbox.ts';

const CHUNK = 500;

async function chunks<T>(rows: T[], f: (part: T[]) => Promise<unknown>) {
  for (let i = 0; i < rows.length; i += CHUNK) await f(rows.slice(i, i + CHUNK));
}

/**
 * Writes a plan inside the caller's transaction, in statements of many rows each, and then tells
 * the roster hooks once about every class and person it touched, as the directory's own
 * commands do, so chat membership follows in the same transaction. Nobody is deleted: a person
 * who leaves is archived (their messages and account stay; their sessions end), a class that
 * ends is archived with its chats readable.
 * Returns the sessions to announce as revoked after commit.
 */
export async function doApplyPlan(ctx: AppContext, trx: Tx, outbox: Outbox, schoolId: string, plan: Plan): Promise<string[]> {
  const now = new Date();
  const touchedClasses = new Set<string>();
  const touchedPeople = new Set<string>();
  const ids = new Map<string, string>();
  const id = (r: Ref) => ('id' in r ? r.id : ids.get(r.key)!);

  // Classes.
  await chunks(plan.classes.create, async (part) => {
    const rows = await trx
      .insertInto('classes')
      .values(part.map((c) => ({ school_id: schoolId, academic_year_id: plan.yearId, name: c.name, grade: c.grade, source_id: c.sourceId })))
      .returning(['id', 'name'])
      .execute();
    part.forEach((c, i) => ids.set(c.key, rows[i]!.id));
  });
  for (const c of plan.classes.create) touchedClasses.add(ids.get(c.key)!);
  for (const u of plan.classes.update) {
    await trx.updateTable('classes').set({ name: u.name, source_id: u.sourceId }).where('id', '=', u.id).execute();
    touchedClasses.add(u.id);
  }
  if (plan.classes.archive.length) {
    const classIds = plan.classes.archive.map((c) => c.id);
    await trx.updateTable('classes').set({ archived_at: now }).where('id', 'in', classIds).execute();
    await trx.updateTable('enrolments').set({ left_at: now }).where('class_id', 'in', classIds).where('left_at', 'is', null).execute();
    await trx.deleteFrom('class_teachers').where('class_id', 'in', classIds).execute();
    for (const c of classIds) touchedClasses.add(c);
  }

  // People. Archived first: a phone a leaver frees may be taken by someone the run creates or changes.
  const revoked: string[] = [];
  if (plan.people.archive.length) {
    const archiveIds = plan.people.archive.map((p) => p.id);
    await chunks(archiveIds, async (part) => {
      const classes = await trx.selectFrom('enrolments').select('class_id').where('student_id', 'in', part).where('left_at', 'is', null).execute();
      const teaching = await trx.selectFrom('class_teachers').select('class_id').where('person_id', 'in', part).execute();
      const children = await trx
        .selectFrom('guardianships')
        .innerJoin('enrolments', 'enrolments.student_id', 'guardianships.student_id')
        .select('enrolments.class_id')
        .where('guardianships.guardian_id', 'in', part)
        .where('enrolments.left_at', 'is', null)
        .execute();
      for (const r of [...classes, ...teaching, ...children]) touchedClasses.add(r.class_id);
      await trx.updateTable('persons').set({ archived_at: now }).where('id', 'in', part).execute();
      await trx.updateTable('enrolments').set({ left_at: now }).where('student_id', 'in', part).where('left_at', 'is', null).execute();
      await trx.deleteFrom('class_teachers').where('person_id', 'in', part).execute();
      await trx
        .deleteFrom('guardianships')
        .where((eb) => eb.or([eb('guardian_id', 'in', part), eb('student_id', 'in', part)]))
        .execute();
    });
    for (const p of plan.people.archive) touchedPeople.add(p.id);
    revoked.push(
      ...(await doRevokeAccountSessions(
        trx,
        plan.people.archive.flatMap((p) => (p.userId ? [p.userId] : [])),
      )),
    );
  }
  // New people, once the leavers' phones are free.
  await chunks(plan.people.create, async (part) => {
    const rows = await trx
      .insertInto('persons')
      .values(
        part.map((p) => ({
          school_id: schoolId,
          last_name: p.lastName,
          first_name: p.firstName,
          middle_name: p.middleName,
          roles: p.roles as ('student' | 'guardian' | 'teacher')[],
          birth_date: p.birthDate,
          phone: p.phone,
          source_id: p.sourceId,
        })),
      )
      .returning('id')
      .execute();
    part.forEach((p, i) => ids.set(p.key, rows[i]!.id));
  });
  for (const u of plan.people.update) {
    const s = u.set;
    await trx
      .updateTable('persons')
      .set({
        ...(s.lastName !== undefined ? { last_name: s.lastName } : {}),
        ...(s.firstName !== undefined ? { first_name: s.firstName } : {}),
        ...(s.middleName !== undefined ? { middle_name: s.middleName } : {}),
        ...(s.birthDate !== undefined ? { birth_date: s.birthDate } : {}),
        ...(s.phone !== undefined ? { phone: s.phone } : {}),
        ...(s.roles !== undefined ? { roles: s.roles as ('student' | 'guardian' | 'teacher' | 'admin')[] } : {}),
        ...(s.sourceId !== undefined ? { source_id: s.sourceId } : {}),
        ...(s.restore ? { archived_at: null } : {}),
      })
      .where('id', '=', u.id)
      .execute();
    touchedPeople.add(u.id);
  }

  // Enrolments: a student is in one class per academic year.
  const moving = plan.enrol.filter((e) => e.fromClassId);
  await chunks(moving, async (part) => {
    await trx
      .updateTable('enrolments')
      .set({ left_at: now })
      .where('left_at', 'is', null)
      .where((eb) => eb.or(part.map((e) => eb.and([eb('student_id', '=', id(e.student)), eb('class_id', '=', e.fromClassId!)]))))
      .execute();
  });
  await chunks(plan.enrol, async (part) => {
    await trx
      .insertInto('enrolments')
      .values(part.map((e) => ({ class_id: id(e.cls), student_id: id(e.student) })))
      .execute();
  });
  for (const e of plan.enrol) {
    touchedClasses.add(id(e.cls));
    if (e.fromClassId) touchedClasses.add(e.fromClassId);
    touchedPeople.add(id(e.student));
  }
  for (const u of plan.unenrol) {
    await trx
      .updateTable('enrolments')
      .set({ left_at: now })
      .where('student_id', '=', u.studentId)
      .where('class_id', '=', u.classId)
      .where('left_at', 'is', null)
      .execute();
    touchedClasses.add(u.classId);
    touchedPeople.add(u.studentId);
  }

  // Guardians.
  await chunks(plan.guardianships, async (part) => {
    await trx
      .insertInto('guardianships')
      .values(part.map((g) => ({ guardian_id: id(g.guardian), student_id: id(g.student), relation: g.relation })))
      .onConflict((oc) => oc.columns(['guardian_id', 'student_id']).doUpdateSet((eb) => ({ relation: eb.ref('excluded.relation') })))
      .execute();
  });
  if (plan.guardianships.length) {
    const students = [...new Set(plan.guardianships.map((g) => id(g.student)))];
    await chunks(students, async (part) => {
      const rows = await trx.selectFrom('enrolments').select('class_id').where('student_id', 'in', part).where('left_at', 'is', null).execute();
      for (const r of rows) touchedClasses.add(r.class_id);
    });
    for (const g of plan.guardianships) touchedPeople.add(id(g.guardian));
  }

  // Subjects and teachers.
  if (plan.subjects.length) {
    await trx
      .insertInto('subjects')
      .values(plan.subjects.map((name) => ({ school_id: schoolId, name })))
      .onConflict((oc) => oc.columns(['school_id', 'name']).doUpdateSet({ archived_at: null }))
      .execute();
  }
  const subjectRows = await trx.selectFrom('subjects').select(['id', 'name']).where('school_id', '=', schoolId).execute();
  const subjectId = new Map(subjectRows.map((s) => [s.name, s.id]));
  // One row per class and teacher (a file may list a pair twice), one class teacher per class (the last named).
  const pairs = new Map<string, { classId: string; personId: string; subjects: string[]; lead: boolean }>();
  for (const t of plan.teachings) {
    const classId = id(t.cls);
    const personId = id(t.teacher);
    const p = pairs.get(`${classId}|${personId}`) ?? { classId, personId, subjects: [], lead: false };
    for (const s of t.subjects) if (!p.subjects.includes(s)) p.subjects.push(s);
    p.lead ||= t.isClassTeacher;
    pairs.set(`${classId}|${personId}`, p);
    touchedClasses.add(classId);
    touchedPeople.add(personId);
  }
  const leadOf = new Map<string, string>();
  for (const p of pairs.values()) if (p.lead) leadOf.set(p.classId, p.personId);
  for (const p of pairs.values()) p.lead = leadOf.get(p.classId) === p.personId;
  await chunks([...leadOf.entries()], async (part) => {
    await trx
      .updateTable('class_teachers')
      .set({ is_class_teacher: false })
      .where('is_class_teacher', '=', true)
      .where((eb) => eb.or(part.map(([classId, personId]) => eb.and([eb('class_id', '=', classId), eb('person_id', '!=', personId)]))))
      .execute();
  });
  await chunks([...pairs.values()], async (part) => {
    const rows = await trx
      .insertInto('class_teachers')
      .values(part.map((p) => ({ class_id: p.classId, person_id: p.personId, subject: p.subjects[0] ?? null, is_class_teacher: p.lead })))
      .onConflict((oc) =>
        oc.columns(['class_id', 'person_id']).doUpdateSet((eb) => ({
          is_class_teacher: eb.ref('excluded.is_class_teacher'),
          subject: sql<string | null>`coalesce(excluded.subject, class_teachers.subject)`,
        })),
      )
      .returning(['id', 'class_id', 'person_id'])
      .execute();
    const links = rows.flatMap((r) =>
      (pairs.get(`${r.class_id}|${r.person_id}`)?.subjects ?? []).map((s) => ({ class_teacher_id: r.id, subject_id: subjectId.get(s)! })),
    );
    if (links.length)
      await trx
        .insertInto('class_teacher_subjects')
        .values(links)
        .onConflict((oc) => oc.doNothing())
        .execute();
  });

  // Marks: onto the class's lesson of that subject and date, or a lesson added for them.
  const lessonFor = new Map<string, string>();
  for (const g of plan.grades) {
    const subj = subjectId.get(g.subject)!;
    const classId = id(g.cls);
    const k = `${classId}|${subj}|${g.date}`;
    let lessonId = g.lessonId ?? lessonFor.get(k);
    if (!lessonId) {
      const used = await trx.selectFrom('lessons').select('lesson_no').where('class_id', '=', classId).where('on_date', '=', g.date).execute();
      const free = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0].find((n) => !used.some((u) => u.lesson_no === n)) ?? 0;
      const l = await trx
        .insertInto('lessons')
        .values({ class_id: classId, subject_id: subj, on_date: g.date, lesson_no: free, change_kind: 'added' })
        .returning('id')
        .executeTakeFirstOrThrow();
      lessonId = l.id;
    }
    lessonFor.set(k, lessonId);
    const studentId = id(g.student);
    await trx
      .insertInto('grades')
      .values({ lesson_id: lessonId, student_id: studentId, value: g.value })
      .onConflict((oc) => oc.columns(['lesson_id', 'student_id']).doUpdateSet({ value: g.value, updated_at: now }))
      .execute();
    await trx
      .insertInto('grade_changes')
      .values({ school_id: schoolId, lesson_id: lessonId, student_id: studentId, old_value: g.old, new_value: g.value })
      .execute();
  }

  // People the run created on a phone that already has an account are linked at once.
  const withPhones = plan.people.create.filter((p) => p.phone);
  if (withPhones.length) {
    const accounts = new Set<string>();
    await chunks(withPhones, async (part) => {
      const rows = await trx
        .selectFrom('users')
        .select('phone')
        .where(
          'phone',
          'in',
          part.map((p) => p.phone!),
        )
        .execute();
      for (const r of rows) accounts.add(r.phone);
    });
    for (const p of withPhones) {
      if (!accounts.has(p.phone!)) continue;
      const person = await trx.selectFrom('persons').selectAll().where('id', '=', ids.get(p.key)!).executeTakeFirstOrThrow();
      await linkExistingAccount(ctx, trx, outbox, person);
    }
  }

  // Chat membership follows the roster, in this transaction. People without an account are in no
  // chat, so only those with one (or leaving) are named.
  const named = [...touchedPeople];
  const withAccount = new Set<string>();
  await chunks(named, async (part) => {
    const rows = await trx.selectFrom('persons').select('id').where('id', 'in', part).where('user_id', 'is not', null).execute();
    for (const r of rows) withAccount.add(r.id);
  });
  const leaving = new Set(plan.people.archive.map((a) => a.id));
  const personIds = named.filter((p) => withAccount.has(p) || leaving.has(p));
  if (touchedClasses.size || personIds.length) await ctx.rosterHooks.changed(trx, outbox, { schoolId, classIds: [...touchedClasses], personIds });
  return revoked;
}
