import type { AppContext } from '../context.ts';
import type { Queryable } from '../db/schema.ts';
import type { SchoolAccess } from '../directory/access.ts';
import { AppError } from '../http/errors.ts';
import { classesAsTeacher, peopleOfClasses } from './relations.ts';
import { syncMembers, type Wanted } from './members.ts';
import { getPolicy, mayDirect, mayWriteDirect } from './policy.ts';
import { withOutbox } from '../stream/transaction.ts';
import type { ChatRow } from './access.ts';

const PERSON_COLUMNS = ['id', 'user_id', 'last_name', 'first_name', 'middle_name', 'roles', 'school_id', 'archived_at'] as const;

/** Who a group's creator may add: people of the creator's classes and colleagues; an admin anyone of the school. */
export async function groupEligible(db: Queryable, schoolId: string, creatorPersonId: string, personIds: string[]): Promise<Set<string>> {
  const creator = await db.selectFrom('persons').select(['roles', 'archived_at']).where('id', '=', creatorPersonId).executeTakeFirst();
  if (!creator || creator.archived_at || personIds.length === 0) return new Set();
  const people = await db
    .selectFrom('persons')
    .select(['id', 'roles'])
    .where('school_id', '=', schoolId)
    .where('id', 'in', personIds)
    .where('archived_at', 'is', null)
    .execute();
  if (creator.roles.includes('admin')) return new Set(people.map((p) => p.id));
  if (!creator.roles.includes('teacher')) return new Set();
  const mine = await peopleOfClasses(db, await classesAsTeacher(db, creatorPersonId));
  return new Set(
    people
      .filter((p) => p.roles.includes('teacher') || p.roles.includes('admin') || mine.students.has(p.id) || mine.guardians.has(p.id) || mine.teachers.has(p.id))
      .map((p) => p.id),
  );
}

/**
 * A teacher makes a group (a subject group, say) from people of their classes. Only people with
 * an account become members; the others are returned as `notLinked` and can be added later.
 */
export async function createGroup(ctx: AppContext, access: SchoolAccess, title: string, personIds: string[]) {
  if (!access.isTeacher && !access.isAdmin) throw new AppError('forbidden', 403);
  const ids = [...new Set(personIds.filter((id) => id !== access.person.id))];
  const eligible = await groupEligible(ctx.db, access.schoolId, access.person.id, ids);
  if (ids.some((id) => !eligible.has(id))) throw new AppError('group_member_not_allowed', 403);
  return withOutbox(ctx, async (trx, outbox) => {
    const people = ids.length ? await trx.selectFrom('persons').select(PERSON_COLUMNS).where('id', 'in', ids).execute() : [];
    const chat = await trx
      .insertInto('chats')
      .values({ school_id: access.schoolId, kind: 'group', title, created_by: access.person.id })
      .returningAll()
      .executeTakeFirstOrThrow();
    const wanted: Wanted[] = [{ person: { ...access.person, user_id: access.person.user_id! }, role: 'moderator' }];
    for (const p of people) if (p.user_id) wanted.push({ person: { ...p, user_id: p.user_id }, role: 'member' });
    await syncMembers(trx, outbox, { ...chat, last_seq: 0 }, wanted);
    return { chatId: chat.id, notLinked: people.filter((p) => !p.user_id).map((p) => p.id) };
  });
}

/** Adds people to a group (its moderators only), under the same rule as at creation. */
export async function addGroupMembers(ctx: AppContext, chat: ChatRow, personIds: string[]) {
  if (!chat.created_by) throw new AppError('forbidden', 403);
  const eligible = await groupEligible(ctx.db, chat.school_id, chat.created_by, personIds);
  if (personIds.some((id) => !eligible.has(id))) throw new AppError('group_member_not_allowed', 403);
  return withOutbox(ctx, async (trx, outbox) => {
    const people = await trx.selectFrom('persons').select(PERSON_COLUMNS).where('id', 'in', personIds).where('user_id', 'is not', null).execute();
    // FOR NO KEY UPDATE: the events of a writer holding the stream counter reference the chat
    // (FOR KEY SHARE), and must not wait for this transaction while it waits for the counter.
    const fresh = await trx.selectFrom('chats').selectAll().where('id', '=', chat.id).forNoKeyUpdate().executeTakeFirstOrThrow();
    const wanted = people.map((p) => ({ person: { ...p, user_id: p.user_id! }, role: 'member' as const }));
    await syncMembers(trx, outbox, { ...fresh, last_seq: Number(fresh.last_seq) }, wanted, new Set(people.map((p) => p.id)));
  });
}

/** Opens (or finds) the direct chat with a person, when the school's policy allows it. */
export async function openDirect(ctx: AppContext, access: SchoolAccess, personId: string): Promise<string> {
  const other = await ctx.db
    .selectFrom('persons')
    .select(PERSON_COLUMNS)
    .where('id', '=', personId)
    .where('school_id', '=', access.schoolId)
    .where('archived_at', 'is', null)
    .executeTakeFirst();
  // One answer for "no such person" and "not allowed", so the roster does not leak.
  if (!other || !other.user_id) throw new AppError('direct_not_allowed', 403);
  const key = [access.person.id, other.id].sort().join(':');
  const existing = await ctx.db.selectFrom('chats').select('id').where('school_id', '=', access.schoolId).where('direct_key', '=', key).executeTakeFirst();
  const policy = await getPolicy(ctx.db, access.schoolId);
  const allowed = existing ? await mayWriteDirect(ctx.db, policy, access.person, other) : await mayDirect(ctx.db, policy, access.person, other);
  if (!allowed) throw new AppError('direct_not_allowed', 403);
  return withOutbox(ctx, async (trx, outbox) => {
    await trx
      .insertInto('chats')
      .values({ school_id: access.schoolId, kind: 'direct', direct_key: key })
      .onConflict((oc) => oc.columns(['school_id', 'direct_key']).where('direct_key', 'is not', null).doNothing())
      .execute();
    const chat = await trx.selectFrom('chats').selectAll().where('school_id', '=', access.schoolId).where('direct_key', '=', key).executeTakeFirstOrThrow();
    const wanted: Wanted[] = [
      { person: { ...access.person, user_id: access.person.user_id! }, role: 'member' },
      { person: { ...other, user_id: other.user_id! }, role: 'member' },
    ];
    await syncMembers(trx, outbox, { ...chat, last_seq: Number(chat.last_seq) }, wanted);
    return chat.id;
  });
}
