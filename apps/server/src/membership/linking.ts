import type { Selectable } from 'kysely';
import type { AppContext } from '../context.ts';
import type { Queryable, Tx } from '../db/schema.ts';
import type { PersonsTable } from '../directory/tables.ts';
import type { UserRow } from '../identity/store.ts';
import { AppError } from '../http/errors.ts';
import { isAdult, isStudent, isTooYoung } from '../directory/rules.ts';
import type { Outbox } from '../stream/outbox.ts';

type PersonRow = Selectable<PersonsTable>;

/**
 * Whether the account may be linked to the roster person. The rules of the closed space:
 * one person one account, one account one person per school, no student under 6,
 * and no student account on an adult's phone (a guardian's or any adult's on any roster).
 */
export async function checkLinkable(db: Queryable, person: PersonRow, user: UserRow): Promise<void> {
  if (person.archived_at) throw new AppError('person_not_found', 404);
  if (person.user_id && person.user_id !== user.id) throw new AppError('person_already_linked', 409);
  if (person.user_id === user.id) return;

  // Everyone this account is, or whose phone it carries, across all rosters.
  const others = await db
    .selectFrom('persons')
    .select(['roles'])
    .where('archived_at', 'is', null)
    .where((eb) => eb.or([eb('user_id', '=', user.id), eb('phone', '=', user.phone)]))
    .where('id', '!=', person.id)
    .execute();

  if (isStudent(person.roles)) {
    if (isTooYoung(person.birth_date)) throw new AppError('student_too_young', 403);
    if (others.some((o) => isAdult(o.roles))) throw new AppError('student_phone_is_adults', 403);
  } else if (others.some((o) => isStudent(o.roles))) {
    // The phone is a child's: an adult's account cannot live on it either.
    throw new AppError('student_phone_is_adults', 403);
  }

  const inSchool = await db.selectFrom('persons').select('id').where('school_id', '=', person.school_id).where('user_id', '=', user.id).executeTakeFirst();
  if (inSchool) throw new AppError('account_already_in_school', 409);
}

/** Links the account to the person (after checkLinkable). Fills an empty profile from the roster. */
export async function doLink(ctx: AppContext, trx: Tx, outbox: Outbox, person: PersonRow, user: UserRow): Promise<void> {
  if (person.user_id === user.id) return;
  const updated = await trx
    .updateTable('persons')
    .set({ user_id: user.id, linked_at: new Date() })
    .where('id', '=', person.id)
    .where('user_id', 'is', null)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) !== 1) throw new AppError('person_already_linked', 409);
  if (!user.last_name && !user.first_name) {
    await trx
      .updateTable('users')
      .set({ last_name: person.last_name, first_name: person.first_name, middle_name: person.middle_name })
      .where('id', '=', user.id)
      .execute();
  }
  if (!user.birth_date && person.birth_date) {
    await trx.updateTable('users').set({ birth_date: person.birth_date }).where('id', '=', user.id).execute();
  }
  const classIds = await personClassIds(trx, person.id);
  await ctx.rosterHooks.changed(trx, outbox, { schoolId: person.school_id, classIds, personIds: [person.id] });
}

export async function checkAndLink(ctx: AppContext, trx: Tx, outbox: Outbox, person: PersonRow, user: UserRow): Promise<void> {
  await checkLinkable(trx, person, user);
  await doLink(ctx, trx, outbox, person, user);
}

/**
 * On sign-in: link the account to every roster person that carries its phone and is not yet
 * linked. A person the rules refuse stays unlinked; the refusal is logged for the school admin.
 */
export async function linkByPhone(ctx: AppContext, trx: Tx, outbox: Outbox, user: UserRow): Promise<string[]> {
  const candidates = await trx
    .selectFrom('persons')
    .selectAll()
    .where('phone', '=', user.phone)
    .where('user_id', 'is', null)
    .where('archived_at', 'is', null)
    .execute();
  const linked: string[] = [];
  for (const person of candidates) {
    try {
      await checkLinkable(trx, person, user);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      ctx.log.warn({ personId: person.id, userId: user.id, reason: err.code }, 'roster person not linked by phone');
      continue;
    }
    await doLink(ctx, trx, outbox, person, user);
    linked.push(person.id);
  }
  return linked;
}

/** Classes a person belongs to in any role: as a student, a teacher, or through their children. */
export async function personClassIds(db: Queryable, personId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('enrolments')
    .select('class_id')
    .where('student_id', '=', personId)
    .where('left_at', 'is', null)
    .union(db.selectFrom('class_teachers').select('class_id').where('person_id', '=', personId))
    .union(
      db
        .selectFrom('guardianships')
        .innerJoin('enrolments', 'enrolments.student_id', 'guardianships.student_id')
        .select('enrolments.class_id')
        .where('guardianships.guardian_id', '=', personId)
        .where('enrolments.left_at', 'is', null),
    )
    .execute();
  return rows.map((r) => r.class_id);
}
