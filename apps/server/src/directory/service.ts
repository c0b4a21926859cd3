import type { z } from 'zod';
import type { AssignTeacherBody, CreateClassBody, CreatePersonBody, CreateSchoolBody, UpdatePersonBody, SchoolRole } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import type { Queryable, Tx } from '../db/schema.ts';
import { AppError, badRequest, conflict } from '../http/errors.ts';
import { normaliseOptionalPhone, normalisePhone } from '../identity/phone.ts';
import { announceRevoked, doRevokeAccountSessions } from '../identity/sessions.ts';
import { checkLinkable, doLink, personClassIds } from '../membership/linking.ts';
import { currentYear, getClass, getPerson } from './store.ts';
import { gradeFromName, isAdult, isStudent, isTooYoung, validRoleSet } from './rules.ts';
import type { PersonRow } from './access.ts';
import { withOutbox } from '../stream/transaction.ts';
import type { Outbox } from '../stream/outbox.ts';

type CreatePerson = z.infer<typeof CreatePersonBody>;
type UpdatePerson = z.infer<typeof UpdatePersonBody>;

/** The academic year that contains a date: 1 September to 31 August. */
export function academicYearFor(date = new Date()) {
  const y = date.getUTCMonth() >= 8 ? date.getUTCFullYear() : date.getUTCFullYear() - 1;
  return { name: `${y}/${y + 1}`, startsOn: `${y}-09-01`, endsOn: `${y + 1}-08-31` };
}

/**
 * A student's phone may not be an adult's, and an adult's may not be a student's, on any roster
 * or account; within one school a phone belongs to one person.
 */
export async function checkPersonPhone(db: Queryable, schoolId: string, phone: string, roles: readonly string[], selfId: string | null) {
  const holders = await db.selectFrom('persons').select(['id', 'school_id', 'roles']).where('phone', '=', phone).where('archived_at', 'is', null).execute();
  const others = holders.filter((h) => h.id !== selfId);
  const account = await db.selectFrom('users').select('id').where('phone', '=', phone).executeTakeFirst();
  const linked = account
    ? await db
        .selectFrom('persons')
        .select('roles')
        .where('user_id', '=', account.id)
        .where('archived_at', 'is', null)
        .where('id', '!=', selfId ?? '00000000-0000-0000-0000-000000000000')
        .execute()
    : [];
  const all = [...others, ...linked];
  if (isStudent(roles) && all.some((h) => isAdult(h.roles))) throw new AppError('student_phone_is_adults', 409);
  if (isAdult(roles) && all.some((h) => isStudent(h.roles))) throw new AppError('student_phone_is_adults', 409);
  if (others.some((h) => h.school_id === schoolId)) throw conflict('phone_taken_in_school');
}

export async function createSchool(ctx: AppContext, body: z.infer<typeof CreateSchoolBody>) {
  const adminPhone = normalisePhone(body.admin.phone, ctx.config.phoneCountries);
  return withOutbox(ctx, async (trx, outbox) => {
    const school = await trx
      .insertInto('schools')
      .values({ name: body.name, short_name: body.shortName ?? null, timezone: body.timezone })
      .returningAll()
      .executeTakeFirstOrThrow();
    const year = academicYearFor();
    await trx
      .insertInto('academic_years')
      .values({ school_id: school.id, name: year.name, starts_on: year.startsOn, ends_on: year.endsOn, is_current: true })
      .execute();
    await checkPersonPhone(trx, school.id, adminPhone, ['admin', 'teacher'], null);
    const admin = await trx
      .insertInto('persons')
      .values({
        school_id: school.id,
        last_name: body.admin.lastName,
        first_name: body.admin.firstName,
        middle_name: body.admin.middleName ?? null,
        roles: ['admin'],
        phone: adminPhone,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await linkExistingAccount(ctx, trx, outbox, admin);
    return school;
  });
}

export async function createAcademicYear(ctx: AppContext, schoolId: string, body: { name: string; startsOn: string; endsOn: string; isCurrent: boolean }) {
  if (body.endsOn <= body.startsOn) throw badRequest('validation_failed', { issues: [{ path: 'body.endsOn', message: 'must be after startsOn' }] });
  return ctx.db.transaction().execute(async (trx) => {
    if (body.isCurrent) await trx.updateTable('academic_years').set({ is_current: false }).where('school_id', '=', schoolId).execute();
    return trx
      .insertInto('academic_years')
      .values({ school_id: schoolId, name: body.name, starts_on: body.startsOn, ends_on: body.endsOn, is_current: body.isCurrent })
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch((err) => {
        if (isUniqueViolation(err)) throw conflict('validation_failed', { reason: 'an academic year with this name exists' });
        throw err;
      });
  });
}

export async function createClass(ctx: AppContext, schoolId: string, body: z.infer<typeof CreateClassBody>) {
  const grade = body.grade ?? gradeFromName(body.name);
  if (grade === null) throw badRequest('validation_failed', { issues: [{ path: 'body.grade', message: 'give a grade, or start the name with one' }] });
  const yearId = body.academicYearId ?? (await currentYear(ctx.db, schoolId)).id;
  const year = await ctx.db.selectFrom('academic_years').select('id').where('id', '=', yearId).where('school_id', '=', schoolId).executeTakeFirst();
  if (!year) throw new AppError('academic_year_missing', 404);
  try {
    return await withOutbox(ctx, async (trx, outbox) => {
      const c = await trx
        .insertInto('classes')
        .values({ school_id: schoolId, academic_year_id: yearId, name: body.name, grade })
        .returningAll()
        .executeTakeFirstOrThrow();
      await ctx.rosterHooks.changed(trx, outbox, { schoolId, classIds: [c.id], personIds: [] });
      return c;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('class_name_taken');
    throw err;
  }
}

export async function updateClass(ctx: AppContext, schoolId: string, classId: string, body: { name?: string; grade?: number }) {
  await getClass(ctx.db, schoolId, classId);
  try {
    return await withOutbox(ctx, async (trx, outbox) => {
      const c = await trx
        .updateTable('classes')
        .set({ ...(body.name ? { name: body.name } : {}), ...(body.grade !== undefined ? { grade: body.grade } : {}) })
        .where('id', '=', classId)
        .returningAll()
        .executeTakeFirstOrThrow();
      await ctx.rosterHooks.changed(trx, outbox, { schoolId, classIds: [classId], personIds: [] });
      return c;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('class_name_taken');
    throw err;
  }
}

/** Archives a class: its students leave it, and its chats stop following the roster. */
export async function archiveClass(ctx: AppContext, schoolId: string, classId: string) {
  await getClass(ctx.db, schoolId, classId);
  await withOutbox(ctx, async (trx, outbox) => {
    await trx.updateTable('classes').set({ archived_at: new Date() }).where('id', '=', classId).execute();
    await trx.updateTable('enrolments').set({ left_at: new Date() }).where('class_id', '=', classId).where('left_at', 'is', null).execute();
    await trx.deleteFrom('class_teachers').where('class_id', '=', classId).execute();
    await ctx.rosterHooks.changed(trx, outbox, { schoolId, classIds: [classId], personIds: [] });
  });
}

function checkRoles(roles: readonly SchoolRole[], birthDate: string | null | undefined) {
  if (!validRoleSet(roles)) throw badRequest('invalid_role_combination');
  if (isStudent(roles) && birthDate && isTooYoung(birthDate)) throw badRequest('student_too_young');
}

export async function createPerson(ctx: AppContext, schoolId: string, body: CreatePerson): Promise<PersonRow> {
  const roles = [...new Set(body.roles)];
  checkRoles(roles, body.birthDate);
  const phone = normaliseOptionalPhone(body.phone, ctx.config.phoneCountries);
  return withOutbox(ctx, async (trx, outbox) => {
    if (phone) await checkPersonPhone(trx, schoolId, phone, roles, null);
    const person = await trx
      .insertInto('persons')
      .values({
        school_id: schoolId,
        last_name: body.lastName,
        first_name: body.firstName,
        middle_name: body.middleName ?? null,
        roles,
        birth_date: body.birthDate ?? null,
        phone,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    if (body.classId) await doEnrol(ctx, trx, outbox, schoolId, body.classId, person);
    for (const childId of body.childIds ?? []) await doAddGuardianship(ctx, trx, outbox, schoolId, person.id, childId, null);
    await linkExistingAccount(ctx, trx, outbox, person);
    return person;
  });
}

export async function updatePerson(ctx: AppContext, schoolId: string, personId: string, body: UpdatePerson): Promise<PersonRow> {
  const current = await getPerson(ctx.db, schoolId, personId);
  const roles = body.roles ? [...new Set(body.roles)] : current.roles;
  const birthDate = body.birthDate === undefined ? current.birth_date : body.birthDate;
  checkRoles(roles, birthDate);
  const phone = body.phone === undefined ? current.phone : normaliseOptionalPhone(body.phone, ctx.config.phoneCountries);
  let revoked: string[] = [];
  const person = await withOutbox(ctx, async (trx, outbox) => {
    if (phone) await checkPersonPhone(trx, schoolId, phone, roles, personId);
    let updated = await trx
      .updateTable('persons')
      .set({
        last_name: body.lastName ?? current.last_name,
        first_name: body.firstName ?? current.first_name,
        middle_name: body.middleName === undefined ? current.middle_name : body.middleName,
        roles,
        birth_date: birthDate,
        phone,
      })
      .where('id', '=', personId)
      .returningAll()
      .executeTakeFirstOrThrow();
    // The account link no longer holds when a student turns adult or the reverse, or when the
    // roster changes the person's phone to one that is not the account's (the account is the old
    // phone's): the person is unlinked and every session of that account ends (identity/sessions.ts).
    const account =
      current.user_id && phone !== current.phone
        ? await trx.selectFrom('users').select('phone').where('id', '=', current.user_id).executeTakeFirst()
        : undefined;
    const phoneMoved = account !== undefined && account.phone !== phone;
    if (current.user_id && (isStudent(roles) !== isStudent(current.roles) || phoneMoved)) {
      updated = await trx.updateTable('persons').set({ user_id: null, linked_at: null }).where('id', '=', personId).returningAll().executeTakeFirstOrThrow();
      revoked = await doRevokeAccountSessions(trx, [current.user_id]);
    }
    await ctx.rosterHooks.changed(trx, outbox, { schoolId, classIds: await personClassIds(trx, personId), personIds: [personId] });
    if (phone !== current.phone) await linkExistingAccount(ctx, trx, outbox, updated);
    return updated;
  });
  await announceRevoked(ctx, revoked);
  return person;
}

/** Takes a person off the roster: they leave their classes and lose access, and their account's sessions end; history stays. */
export async function archivePerson(ctx: AppContext, schoolId: string, personId: string) {
  const person = await getPerson(ctx.db, schoolId, personId);
  const revoked = await withOutbox(ctx, async (trx, outbox) => {
    const classIds = await personClassIds(trx, personId);
    await trx.updateTable('persons').set({ archived_at: new Date() }).where('id', '=', personId).execute();
    await trx.updateTable('enrolments').set({ left_at: new Date() }).where('student_id', '=', personId).where('left_at', 'is', null).execute();
    await trx.deleteFrom('class_teachers').where('person_id', '=', personId).execute();
    await trx
      .deleteFrom('guardianships')
      .where((eb) => eb.or([eb('guardian_id', '=', personId), eb('student_id', '=', personId)]))
      .execute();
    await ctx.rosterHooks.changed(trx, outbox, { schoolId, classIds, personIds: [personId] });
    return person.user_id ? doRevokeAccountSessions(trx, [person.user_id]) : [];
  });
  await announceRevoked(ctx, revoked);
}

/** When an account already exists on the person's phone, link it at once (the rules permitting). */
export async function linkExistingAccount(ctx: AppContext, trx: Tx, outbox: Outbox, person: PersonRow) {
  if (!person.phone || person.user_id) return;
  const user = await trx.selectFrom('users').selectAll().where('phone', '=', person.phone).executeTakeFirst();
  if (!user) return;
  try {
    await checkLinkable(trx, person, user);
  } catch (err) {
    if (err instanceof AppError) return;
    throw err;
  }
  await doLink(ctx, trx, outbox, person, user);
}

/** Enrols a student; a student is in one class per academic year, so this also moves them. */
export async function enrol(ctx: AppContext, schoolId: string, classId: string, studentId: string) {
  const student = await getPerson(ctx.db, schoolId, studentId);
  await withOutbox(ctx, (trx, outbox) => doEnrol(ctx, trx, outbox, schoolId, classId, student));
}

async function doEnrol(ctx: AppContext, trx: Tx, outbox: Outbox, schoolId: string, classId: string, student: PersonRow) {
  if (!isStudent(student.roles)) throw badRequest('not_a_student');
  const cls = await getClass(trx, schoolId, classId);
  const active = await trx
    .selectFrom('enrolments')
    .innerJoin('classes', 'classes.id', 'enrolments.class_id')
    .select(['enrolments.id', 'enrolments.class_id'])
    .where('enrolments.student_id', '=', student.id)
    .where('enrolments.left_at', 'is', null)
    .where('classes.academic_year_id', '=', cls.academic_year_id)
    .execute();
  if (active.some((e) => e.class_id === classId)) throw conflict('already_enrolled');
  if (active.length)
    await trx
      .updateTable('enrolments')
      .set({ left_at: new Date() })
      .where(
        'id',
        'in',
        active.map((e) => e.id),
      )
      .execute();
  await trx.insertInto('enrolments').values({ class_id: classId, student_id: student.id }).execute();
  const guardians = await trx.selectFrom('guardianships').select('guardian_id').where('student_id', '=', student.id).execute();
  await ctx.rosterHooks.changed(trx, outbox, {
    schoolId,
    classIds: [classId, ...active.map((e) => e.class_id)],
    personIds: [student.id, ...guardians.map((g) => g.guardian_id)],
  });
}

export async function unenrol(ctx: AppContext, schoolId: string, classId: string, studentId: string) {
  await getClass(ctx.db, schoolId, classId);
  await withOutbox(ctx, async (trx, outbox) => {
    const res = await trx
      .updateTable('enrolments')
      .set({ left_at: new Date() })
      .where('class_id', '=', classId)
      .where('student_id', '=', studentId)
      .where('left_at', 'is', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw new AppError('not_enrolled', 404);
    const guardians = await trx.selectFrom('guardianships').select('guardian_id').where('student_id', '=', studentId).execute();
    await ctx.rosterHooks.changed(trx, outbox, { schoolId, classIds: [classId], personIds: [studentId, ...guardians.map((g) => g.guardian_id)] });
  });
}

export async function assignTeacher(ctx: AppContext, schoolId: string, classId: string, body: z.infer<typeof AssignTeacherBody>) {
  await getClass(ctx.db, schoolId, classId);
  const teacher = await getPerson(ctx.db, schoolId, body.personId);
  if (!teacher.roles.includes('teacher')) throw badRequest('not_a_teacher');
  await withOutbox(ctx, async (trx, outbox) => {
    if (body.isClassTeacher) {
      await trx.updateTable('class_teachers').set({ is_class_teacher: false }).where('class_id', '=', classId).where('person_id', '!=', teacher.id).execute();
    }
    await trx
      .insertInto('class_teachers')
      .values({ class_id: classId, person_id: teacher.id, subject: body.subject ?? null, is_class_teacher: body.isClassTeacher })
      .onConflict((oc) => oc.columns(['class_id', 'person_id']).doUpdateSet({ subject: body.subject ?? null, is_class_teacher: body.isClassTeacher }))
      .execute();
    await ctx.rosterHooks.changed(trx, outbox, { schoolId, classIds: [classId], personIds: [teacher.id] });
  });
}

export async function unassignTeacher(ctx: AppContext, schoolId: string, classId: string, personId: string) {
  await getClass(ctx.db, schoolId, classId);
  await withOutbox(ctx, async (trx, outbox) => {
    const res = await trx.deleteFrom('class_teachers').where('class_id', '=', classId).where('person_id', '=', personId).executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) throw new AppError('person_not_found', 404);
    await ctx.rosterHooks.changed(trx, outbox, { schoolId, classIds: [classId], personIds: [personId] });
  });
}

export async function addGuardianship(ctx: AppContext, schoolId: string, guardianId: string, studentId: string, relation: string | null) {
  await withOutbox(ctx, (trx, outbox) => doAddGuardianship(ctx, trx, outbox, schoolId, guardianId, studentId, relation));
}

async function doAddGuardianship(ctx: AppContext, trx: Tx, outbox: Outbox, schoolId: string, guardianId: string, studentId: string, relation: string | null) {
  const guardian = await getPerson(trx, schoolId, guardianId);
  const student = await getPerson(trx, schoolId, studentId);
  if (!guardian.roles.includes('guardian')) throw badRequest('not_a_guardian');
  if (!isStudent(student.roles)) throw badRequest('not_a_student');
  await trx
    .insertInto('guardianships')
    .values({ guardian_id: guardianId, student_id: studentId, relation })
    .onConflict((oc) => oc.columns(['guardian_id', 'student_id']).doUpdateSet({ relation }))
    .execute();
  await ctx.rosterHooks.changed(trx, outbox, { schoolId, classIds: await personClassIds(trx, studentId), personIds: [guardianId] });
}

export async function removeGuardianship(ctx: AppContext, schoolId: string, guardianId: string, studentId: string) {
  await getPerson(ctx.db, schoolId, guardianId);
  await withOutbox(ctx, async (trx, outbox) => {
    const res = await trx.deleteFrom('guardianships').where('guardian_id', '=', guardianId).where('student_id', '=', studentId).executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) throw new AppError('not_found', 404);
    await ctx.rosterHooks.changed(trx, outbox, { schoolId, classIds: await personClassIds(trx, studentId), personIds: [guardianId] });
  });
}

export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: string }).code === '23505';
}
