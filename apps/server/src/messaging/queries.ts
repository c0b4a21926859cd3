import { sql } from 'kysely';
import type { Chat, Message } from '@parta/protocol';
import type { Queryable } from '../db/schema.ts';
import { fullName } from '../directory/rules.ts';
import { photoUrl } from '../identity/store.ts';
import { AppError } from '../http/errors.ts';
import { hasReceipts, isChannel, myChatIds, type ChatAccess } from './access.ts';
import { MESSAGE_COLUMNS, presentChat, presentMessages, presentPerson, schoolRoles } from './present.ts';
import { streamHead } from '../stream/read.ts';
import { audienceCounts, notConnected, presentNotConnected } from './audience.ts';

/** My chats, newest activity first, with unread counts (others' messages after my read marker). */
export async function listChats(db: Queryable, userId: string): Promise<{ chats: Chat[]; position: number }> {
  // The position first: everything the list shows is at or after it, so following the stream from it misses nothing.
  const { head } = await streamHead(db);
  const rows = await db
    .selectFrom('chat_members as m')
    .innerJoin('chats as c', 'c.id', 'm.chat_id')
    .innerJoin('persons as p', 'p.id', 'm.person_id')
    .selectAll('c')
    .select(['m.role', 'm.last_read_seq', 'm.person_id as my_person_id'])
    .select((eb) => [
      eb
        .selectFrom('messages as x')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('x.chat_id', '=', 'c.id')
        .whereRef('x.seq', '>', 'm.last_read_seq')
        .where('x.deleted_at', 'is', null)
        .where(sql<boolean>`x.author_user_id IS DISTINCT FROM m.user_id`)
        .as('unread'),
      eb
        .selectFrom('chat_members as y')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('y.chat_id', '=', 'c.id')
        .where('y.left_at', 'is', null)
        .as('member_count'),
    ])
    .where('m.user_id', '=', userId)
    .where('m.left_at', 'is', null)
    .where('p.archived_at', 'is', null)
    .execute();
  if (rows.length === 0) return { chats: [], position: head };
  const ids = rows.map((r) => r.id);
  const lastRows = await db
    .selectFrom('messages')
    .select(MESSAGE_COLUMNS)
    .distinctOn('messages.chat_id')
    .where('messages.chat_id', 'in', ids)
    .where('messages.deleted_at', 'is', null)
    .orderBy('messages.chat_id')
    .orderBy('messages.seq', 'desc')
    .execute();
  const last = new Map((await presentMessages(db, lastRows)).map((m) => [m.chatId, m]));
  const directIds = rows.filter((r) => r.kind === 'direct').map((r) => r.id);
  const others = directIds.length
    ? await db
        .selectFrom('chat_members')
        .innerJoin('persons', 'persons.id', 'chat_members.person_id')
        .select(['chat_members.chat_id', 'chat_members.person_id', 'persons.last_name', 'persons.first_name', 'persons.middle_name', 'persons.roles'])
        .where('chat_members.chat_id', 'in', directIds)
        .execute()
    : [];
  const mineIn = new Map(rows.map((r) => [r.id, r.my_person_id]));
  const otherIds = [...new Set(others.filter((o) => o.person_id !== mineIn.get(o.chat_id)).map((o) => o.person_id))];
  const peers = await peersOf(db, otherIds);
  const chats = rows.map((r) => {
    const mine = r.my_person_id;
    const other = r.kind === 'direct' ? others.find((o) => o.chat_id === r.id && o.person_id !== mine) : undefined;
    return presentChat(
      { ...r, last_seq: Number(r.last_seq) },
      { role: r.role, last_read_seq: Number(r.last_read_seq) },
      {
        title: other ? fullName(other) : r.title,
        ...(r.kind === 'direct'
          ? {
              peer: other
                ? { personId: other.person_id, roles: schoolRoles(other.roles), ...(peers.get(other.person_id) ?? { classes: [], children: [] }) }
                : null,
            }
          : {}),
        unreadCount: Number(r.unread ?? 0),
        memberCount: Number(r.member_count ?? 0),
        lastMessage: last.get(r.id) ?? null,
      },
    );
  });
  // Counts over the roster: everyone the chat is for, on Parta or not (messaging/audience.ts).
  const audience = await audienceCounts(db, ids);
  for (const c of chats) {
    const a = audience.get(c.id);
    if (a) Object.assign(c, { memberCount: Math.max(a.total, c.memberCount), notConnected: a.notConnected });
  }
  const when = (c: Chat) => c.lastMessage?.createdAt ?? c.createdAt;
  chats.sort((a, b) => (when(a) < when(b) ? 1 : when(a) > when(b) ? -1 : 0));
  return { chats, position: head };
}

/** Who the other people of direct chats are at school: a student's class, a teacher's classes, a guardian's children and theirs. */
async function peersOf(
  db: Queryable,
  personIds: string[],
): Promise<Map<string, { classes: string[]; children: { name: string; relation: string | null; classes: string[] }[] }>> {
  const out = new Map<string, { classes: string[]; children: { name: string; relation: string | null; classes: string[] }[] }>();
  if (personIds.length === 0) return out;
  for (const id of personIds) out.set(id, { classes: [], children: [] });
  const kids = await db
    .selectFrom('guardianships')
    .innerJoin('persons as s', 's.id', 'guardianships.student_id')
    .select(['guardianships.guardian_id', 'guardianships.relation', 's.id', 's.last_name', 's.first_name', 's.middle_name'])
    .where('guardianships.guardian_id', 'in', personIds)
    .where('s.archived_at', 'is', null)
    .orderBy('s.first_name')
    .execute();
  const people = [...new Set([...personIds, ...kids.map((k) => k.id)])];
  const studying = await db
    .selectFrom('enrolments')
    .innerJoin('classes', 'classes.id', 'enrolments.class_id')
    .select(['enrolments.student_id as person_id', 'classes.name'])
    .where('enrolments.student_id', 'in', people)
    .where('enrolments.left_at', 'is', null)
    .execute();
  const teaching = await db
    .selectFrom('class_teachers')
    .innerJoin('classes', 'classes.id', 'class_teachers.class_id')
    .select(['class_teachers.person_id', 'classes.name'])
    .where('class_teachers.person_id', 'in', personIds)
    .execute();
  const classes = new Map<string, string[]>();
  for (const c of [...studying, ...teaching]) {
    const list = classes.get(c.person_id) ?? [];
    if (!list.includes(c.name)) list.push(c.name);
    classes.set(c.person_id, list);
  }
  for (const id of personIds) out.get(id)!.classes = (classes.get(id) ?? []).sort((a, b) => a.localeCompare(b, 'ru', { numeric: true }));
  for (const k of kids) out.get(k.guardian_id)!.children.push({ name: fullName(k), relation: k.relation, classes: classes.get(k.id) ?? [] });
  return out;
}

/**
 * The members of a chat as `access` may see them: everyone, except that a channel's readers
 * (parents, students) see only its moderators, the staff — not every child of the school. Their
 * photos are shown to the other members (who share the school, as the photo route checks); a phone
 * only where `phoneShown` says so (the class teacher and the admin).
 */
export async function chatMembers(db: Queryable, access: Pick<ChatAccess, 'chat' | 'isModerator'>, phoneShown: (personId: string) => boolean = () => false) {
  let q = db
    .selectFrom('chat_members')
    .innerJoin('persons', 'persons.id', 'chat_members.person_id')
    .leftJoin('users', 'users.id', 'persons.user_id')
    .leftJoin('photos', 'photos.id', 'users.photo_id')
    .select([
      'persons.id',
      'persons.user_id',
      'persons.last_name',
      'persons.first_name',
      'persons.middle_name',
      'persons.roles',
      'persons.phone',
      'chat_members.role',
      'chat_members.last_read_seq',
      'photos.id as photo_id',
      'photos.sizes as photo_sizes',
    ])
    .where('chat_members.chat_id', '=', access.chat.id)
    .where('chat_members.left_at', 'is', null);
  if (isChannel(access.chat.kind) && !access.isModerator) q = q.where('chat_members.role', '=', 'moderator');
  const rows = await q.orderBy('persons.last_name').orderBy('persons.first_name').execute();
  // Whose parent: the children of the guardians among the members ("мама Егора" beside their names).
  const guardianIds = rows.filter((r) => r.roles.includes('guardian')).map((r) => r.id);
  const kids = guardianIds.length
    ? await db
        .selectFrom('guardianships')
        .innerJoin('persons as s', 's.id', 'guardianships.student_id')
        .select(['guardianships.guardian_id', 'guardianships.relation', 's.id', 's.last_name', 's.first_name', 's.middle_name'])
        .where('guardianships.guardian_id', 'in', guardianIds)
        .where('s.archived_at', 'is', null)
        .orderBy('s.first_name')
        .execute()
    : [];
  const children = new Map<string, { personId: string; name: string; relation: string | null }[]>();
  for (const k of kids) children.set(k.guardian_id, [...(children.get(k.guardian_id) ?? []), { personId: k.id, name: fullName(k), relation: k.relation }]);
  return rows.map((r) => ({
    ...presentPerson(r),
    ...(children.has(r.id) ? { children: children.get(r.id) } : {}),
    role: r.role,
    lastReadSeq: Number(r.last_read_seq),
    photo: r.photo_id && r.photo_sizes ? { id: r.photo_id, sizes: r.photo_sizes, url: photoUrl(r.photo_id) } : null,
    phone: r.phone && phoneShown(r.id) ? r.phone : null,
  }));
}

/** A page of history, oldest first: before a seq (newest page when omitted) or after one. */
export async function history(db: Queryable, access: ChatAccess, q: { before?: number; after?: number; limit: number; teachersOnly: boolean }) {
  let query = db.selectFrom('messages').select(MESSAGE_COLUMNS).where('messages.chat_id', '=', access.chat.id);
  if (q.teachersOnly) query = query.where('messages.author_staff', '=', true).where('messages.deleted_at', 'is', null);
  if (q.before !== undefined) query = query.where('messages.seq', '<', q.before);
  const forward = q.after !== undefined && q.before === undefined;
  if (q.after !== undefined) query = query.where('messages.seq', '>', q.after);
  const rows = await query
    .orderBy('messages.seq', forward ? 'asc' : 'desc')
    .limit(q.limit + 1)
    .execute();
  const hasMore = rows.length > q.limit;
  const page = rows.slice(0, q.limit);
  if (!forward) page.reverse();
  return { messages: await presentMessages(db, page, { channel: isChannel(access.chat.kind) }), hasMore };
}

/** One message of the chat, as the history shows it. */
export async function oneMessage(db: Queryable, access: ChatAccess, messageId: string): Promise<Message> {
  const row = await db
    .selectFrom('messages')
    .select(MESSAGE_COLUMNS)
    .where('messages.id', '=', messageId)
    .where('messages.chat_id', '=', access.chat.id)
    .executeTakeFirst();
  if (!row) throw new AppError('message_not_found', 404);
  return (await presentMessages(db, [row], { channel: isChannel(access.chat.kind) }))[0]!;
}

/** "Read by N of M", and who has not read: for the author, in parents' chats and channels. */
export async function receipts(db: Queryable, access: ChatAccess, messageId: string) {
  const m = await db
    .selectFrom('messages')
    .select(['id', 'seq', 'author_person_id'])
    .where('id', '=', messageId)
    .where('chat_id', '=', access.chat.id)
    .executeTakeFirst();
  if (!m) throw new AppError('message_not_found', 404);
  if (!hasReceipts(access.chat.kind) || m.author_person_id !== access.person.id) throw new AppError('receipts_not_available', 403);
  // The author counts every reader.
  const members = (await chatMembers(db, { chat: access.chat, isModerator: true })).filter((x) => x.personId !== access.person.id);
  const notRead = members.filter((x) => x.lastReadSeq < Number(m.seq));
  // Roster people not on Parta count too: "read by 1 of 40", not "1 of 1".
  const absent = await presentNotConnected(db, await notConnected(db, access.chat.id));
  return {
    messageId: m.id,
    readCount: members.length - notRead.length,
    memberCount: members.length + absent.length,
    notRead: notRead.map(({ personId, userId, name, roles, isStaff }) => ({ personId, userId, name, roles, isStaff })),
    notConnected: absent,
  };
}

/**
 * Full-text search with Russian morphology over the chats the account may read now.
 * "собрания" finds "собрание": both reduce to the same stem.
 */
export async function search(
  db: Queryable,
  userId: string,
  q: { q: string; chatId?: string; authorId?: string; teachersOnly: boolean; hasAttachment?: boolean; limit: number },
): Promise<Message[]> {
  let query = db
    .selectFrom('messages')
    .select(MESSAGE_COLUMNS)
    .where('messages.chat_id', 'in', myChatIds(db, userId))
    .where('messages.deleted_at', 'is', null)
    .where(sql<boolean>`messages.search @@ websearch_to_tsquery('russian', ${q.q})`);
  if (q.chatId) query = query.where('messages.chat_id', '=', q.chatId);
  if (q.authorId) query = query.where('messages.author_person_id', '=', q.authorId);
  if (q.teachersOnly) query = query.where('messages.author_staff', '=', true);
  if (q.hasAttachment !== undefined) query = query.where('messages.has_attachments', '=', q.hasAttachment);
  const rows = await query.orderBy('messages.created_at', 'desc').limit(q.limit).execute();
  return presentMessages(db, rows);
}
