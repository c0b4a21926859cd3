import type { AppContext } from '../context.ts';
import type { Tx } from '../db/schema.ts';
import type { RosterChange } from '../directory/roster-hooks.ts';
import type { ChatRow } from './access.ts';
import { leaveAll, syncMembers, type MemberPerson, type Wanted } from './members.ts';
import type { Outbox } from '../stream/outbox.ts';
import { withOutbox } from '../stream/transaction.ts';
import type { ChatKind } from './tables.ts';
import { groupEligible } from './groups.ts';

/**
 * Chats provisioned from the roster. Each class has a class chat, a parents' chat, a
 * parents-only chat and a class news channel; each school a staff room and a school news
 * channel. Their members follow the roster in the same transaction that changes it.
 */
const CLASS_KINDS = ['class', 'parents', 'parents_only', 'class_channel'] as const satisfies readonly ChatKind[];

type Linked = MemberPerson & { user_id: string };
const PERSON_COLUMNS = ['p.id', 'p.user_id', 'p.last_name', 'p.first_name', 'p.middle_name', 'p.roles'] as const;

async function ensureChat(trx: Tx, schoolId: string, kind: ChatKind, classId: string | null, title: string | null): Promise<ChatRow> {
  let q = trx.selectFrom('chats').selectAll().where('school_id', '=', schoolId).where('kind', '=', kind);
  q = classId ? q.where('class_id', '=', classId) : q.where('class_id', 'is', null);
  const found = await q.executeTakeFirst();
  if (found) {
    if (found.title !== title) await trx.updateTable('chats').set({ title }).where('id', '=', found.id).execute();
    return { ...found, title, last_seq: Number(found.last_seq) };
  }
  const row = await trx.insertInto('chats').values({ school_id: schoolId, kind, class_id: classId, title }).returningAll().executeTakeFirstOrThrow();
  return { ...row, last_seq: Number(row.last_seq) };
}

async function classPeople(trx: Tx, classId: string) {
  const [students, teachers, guardians] = await Promise.all([
    trx
      .selectFrom('enrolments as e')
      .innerJoin('persons as p', 'p.id', 'e.student_id')
      .select(PERSON_COLUMNS)
      .where('e.class_id', '=', classId)
      .where('e.left_at', 'is', null)
      .where('p.archived_at', 'is', null)
      .where('p.user_id', 'is not', null)
      .execute(),
    trx
      .selectFrom('class_teachers as t')
      .innerJoin('persons as p', 'p.id', 't.person_id')
      .select([...PERSON_COLUMNS, 't.is_class_teacher'])
      .where('t.class_id', '=', classId)
      .where('p.archived_at', 'is', null)
      .where('p.user_id', 'is not', null)
      .execute(),
    trx
      .selectFrom('guardianships as g')
      .innerJoin('enrolments as e', 'e.student_id', 'g.student_id')
      .innerJoin('persons as p', 'p.id', 'g.guardian_id')
      .select(PERSON_COLUMNS)
      .distinct()
      .where('e.class_id', '=', classId)
      .where('e.left_at', 'is', null)
      .where('p.archived_at', 'is', null)
      .where('p.user_id', 'is not', null)
      .execute(),
  ]);
  return { students: students as Linked[], teachers: teachers as (Linked & { is_class_teacher: boolean })[], guardians: guardians as Linked[] };
}

const as = (people: Linked[], role: Wanted['role']): Wanted[] => people.map((person) => ({ person, role }));

/** Who belongs in each of a class's chats. A person in two roles is listed once, with the stronger role. */
function classWanted(kind: (typeof CLASS_KINDS)[number], people: Awaited<ReturnType<typeof classPeople>>): Wanted[] {
  const classTeachers = people.teachers.filter((t) => t.is_class_teacher);
  const lists: Record<typeof kind, Wanted[]> = {
    class: [...as(people.students, 'member'), ...as(people.teachers, 'moderator')],
    parents: [...as(people.guardians, 'member'), ...as(classTeachers, 'moderator')],
    parents_only: as(people.guardians, 'member'),
    class_channel: [...as(people.students, 'member'), ...as(people.guardians, 'member'), ...as(people.teachers, 'moderator')],
  };
  const merged = new Map<string, Wanted>();
  for (const w of lists[kind]) {
    const prev = merged.get(w.person.id);
    if (!prev || w.role === 'moderator') merged.set(w.person.id, w);
  }
  return [...merged.values()];
}

async function syncClass(trx: Tx, outbox: Outbox, schoolId: string, classId: string): Promise<void> {
  // The class row is locked until commit: concurrent roster changes of one class (two parents
  // signing in at once) are applied one after the other, each seeing the other's committed links.
  // FOR NO KEY UPDATE, not FOR UPDATE: the roster change's own inserts that reference the class
  // (enrolments) hold FOR KEY SHARE on it, and two such transactions would deadlock on FOR UPDATE.
  const cls = await trx.selectFrom('classes').selectAll().where('id', '=', classId).where('school_id', '=', schoolId).forNoKeyUpdate().executeTakeFirst();
  if (!cls) return;
  if (cls.archived_at) {
    // An archived class's chats stay readable for their members, and take no new messages.
    await trx.updateTable('chats').set({ archived_at: cls.archived_at }).where('class_id', '=', classId).where('archived_at', 'is', null).execute();
    return;
  }
  const people = await classPeople(trx, classId);
  for (const kind of CLASS_KINDS) {
    const chat = await ensureChat(trx, schoolId, kind, classId, cls.name);
    await syncMembers(trx, outbox, chat, classWanted(kind, people));
  }
}

/** The staff room and the school channel, for the given people only (or everyone). */
async function syncSchool(trx: Tx, outbox: Outbox, schoolId: string, personIds: string[] | null): Promise<void> {
  // Serialises syncs of the school-wide chats, as syncClass does for a class (FOR NO KEY UPDATE:
  // inserts referencing the school, such as a new person, hold FOR KEY SHARE on it).
  await trx.selectFrom('schools').select('id').where('id', '=', schoolId).forNoKeyUpdate().executeTakeFirst();
  let q = trx
    .selectFrom('persons as p')
    .select(PERSON_COLUMNS)
    .where('p.school_id', '=', schoolId)
    .where('p.archived_at', 'is', null)
    .where('p.user_id', 'is not', null);
  const staff = await ensureChat(trx, schoolId, 'staff', null, null);
  const news = await ensureChat(trx, schoolId, 'school_channel', null, null);
  if (personIds) {
    if (personIds.length === 0) return;
    q = q.where('p.id', 'in', personIds);
  }
  const people = (await q.execute()) as Linked[];
  const only = personIds ? new Set(personIds) : undefined;
  const staffPeople = people.filter((p) => p.roles.includes('teacher') || p.roles.includes('admin'));
  await syncMembers(
    trx,
    outbox,
    staff,
    staffPeople.map((person) => ({ person, role: person.roles.includes('admin') ? 'moderator' : 'member' })),
    only,
  );
  await syncMembers(
    trx,
    outbox,
    news,
    people.map((person) => ({ person, role: person.roles.includes('admin') || person.roles.includes('teacher') ? 'moderator' : 'member' })),
    only,
  );
}

/** Group and direct chats follow the person: gone from the roster or relinked, they leave; out of the creator's classes, they leave the group. */
async function syncPersonChats(trx: Tx, outbox: Outbox, schoolId: string, personId: string): Promise<void> {
  const person = await trx.selectFrom('persons').select(['id', 'user_id', 'archived_at', 'school_id']).where('id', '=', personId).executeTakeFirst();
  if (!person || person.school_id !== schoolId) return;
  const keep = person.archived_at ? null : person.user_id;
  await leaveAll(trx, outbox, personId, keep, ['group', 'direct']);
  if (!keep) return;
  const groups = await trx
    .selectFrom('chat_members')
    .innerJoin('chats', 'chats.id', 'chat_members.chat_id')
    .select(['chats.id', 'chats.created_by'])
    .where('chat_members.person_id', '=', personId)
    .where('chat_members.left_at', 'is', null)
    .where('chats.kind', '=', 'group')
    .execute();
  for (const g of groups) {
    if (!g.created_by || g.created_by === personId) continue;
    const eligible = await groupEligible(trx, schoolId, g.created_by, [personId]);
    if (!eligible.has(personId)) {
      await trx.updateTable('chat_members').set({ left_at: new Date() }).where('chat_id', '=', g.id).where('person_id', '=', personId).execute();
      outbox.chat(g.id, { type: 'chat.member_left', chatId: g.id, personId });
      outbox.user(keep, { type: 'chat.removed', chatId: g.id });
    }
  }
}

export async function applyRosterChange(trx: Tx, outbox: Outbox, change: RosterChange): Promise<void> {
  // Sorted, so that transactions lock classes in one order and never deadlock.
  for (const classId of [...new Set(change.classIds)].sort()) await syncClass(trx, outbox, change.schoolId, classId);
  const personIds = [...new Set(change.personIds)];
  await syncSchool(trx, outbox, change.schoolId, personIds);
  for (const personId of personIds) await syncPersonChats(trx, outbox, change.schoolId, personId);
}

/** Every chat of a school from scratch: for schools that existed before messaging did. */
export async function provisionSchool(trx: Tx, outbox: Outbox, schoolId: string): Promise<void> {
  const classes = await trx.selectFrom('classes').select('id').where('school_id', '=', schoolId).execute();
  for (const c of classes) await syncClass(trx, outbox, schoolId, c.id);
  await syncSchool(trx, outbox, schoolId, null);
}

/** Subscribes messaging to roster changes and provisions chats of schools that have none yet. */
export async function registerMessaging(ctx: AppContext): Promise<void> {
  ctx.rosterHooks.on(async (trx, outbox, change) => {
    await applyRosterChange(trx, outbox, change);
  });
  const missing = await ctx.db
    .selectFrom('schools')
    .select('id')
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('chats').select('chats.id').whereRef('chats.school_id', '=', 'schools.id').where('chats.kind', '=', 'staff'))),
    )
    .execute();
  for (const s of missing) await withOutbox(ctx, (trx, outbox) => provisionSchool(trx, outbox, s.id));
}
