import { sql, type Selectable } from 'kysely';
import type { AppContext } from '../context.ts';
import { Batcher, batcherPer } from '../db/batching.ts';
import { compileOnce } from '../db/compiled.ts';
import type { SchoolRole } from '@parta/protocol';
import type { Queryable } from '../db/schema.ts';
import type { PersonRow } from '../directory/access.ts';
import { AppError } from '../http/errors.ts';
import type { ChatKind, ChatMembersTable, ChatsTable } from './tables.ts';

export type ChatRow = Selectable<ChatsTable>;
export type ChatMemberRow = Selectable<ChatMembersTable>;

/** Who the account is in one chat. */
export interface ChatAccess {
  chat: ChatRow;
  member: ChatMemberRow;
  schoolId: string;
  person: PersonRow;
  /** The member's roles in the chat's school. */
  roles: SchoolRole[];
  /** Teachers and admins: their messages carry the teacher badge. */
  isStaff: boolean;
  isModerator: boolean;
  /** Whether the chat's kind lets this member post (direct chats are also checked against the school policy on send). */
  canPost: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CHANNELS: readonly ChatKind[] = ['school_channel', 'class_channel'];

export const isChannel = (kind: ChatKind) => CHANNELS.includes(kind);
/** Kinds whose authors see "read by N of M" (GET …/receipts); elsewhere it is refused. */
const RECEIPT_KINDS: readonly ChatKind[] = ['parents', ...CHANNELS];
export const hasReceipts = (kind: ChatKind) => RECEIPT_KINDS.includes(kind);
export const isStaffRoles = (roles: readonly string[]) => roles.includes('teacher') || roles.includes('admin');

/** Whether a member of this kind of chat may post: in channels only moderators (admins, teachers) do. */
export function mayPost(chat: Pick<ChatRow, 'kind' | 'archived_at'>, role: ChatMemberRow['role']): boolean {
  if (chat.archived_at) return false;
  if (isChannel(chat.kind)) return role === 'moderator';
  return true;
}

/**
 * The one gate to a chat: the account must be a current member through a live roster person.
 * Anyone else gets 404 `chat_not_found`, the same answer as for a chat that does not exist.
 */
export async function accessChat(db: Queryable, userId: string, chatId: string): Promise<ChatAccess> {
  if (!UUID.test(chatId)) throw new AppError('chat_not_found', 404);
  const row = await accessRows(db).where('m.chat_id', '=', chatId).where('m.user_id', '=', userId).executeTakeFirst();
  if (!row) throw new AppError('chat_not_found', 404);
  return toAccess(row);
}

/** Chat access by (account, chat); the checks of requests that arrive together are one query. */
const accessLoader = batcherPer(
  (ctx: AppContext) =>
    new Batcher<{ userId: string; chatId: string }, ChatAccess | null>(async (keys) => {
      // One key (most of the time): the plain statement. Several: every membership of those
      // accounts in those chats, through the (user_id, chat_id) index, and the pairs asked for are
      // picked below. (A join with unnest of the pairs was planned as a scan: 16 times dearer.)
      const users = [...new Set(keys.map((k) => k.userId.toLowerCase()))];
      const chats = [...new Set(keys.map((k) => k.chatId.toLowerCase()))];
      const { rows } = await ctx.db.executeQuery(keys.length === 1 ? accessOne(ctx.db, keys[0]!.chatId, keys[0]!.userId) : accessMany(ctx.db, users, chats));
      // uuid text from the database is lowercase; ids in a request may not be.
      const found = new Map(rows.map((r) => [`${r.id}:${r.m_user_id}`.toLowerCase(), r]));
      return keys.map((k) => {
        const r = found.get(`${k.chatId}:${k.userId}`.toLowerCase());
        return r ? toAccess(r) : null;
      });
    }),
);

// Built and compiled once (db/compiled.ts): every send and most requests run one of them.
const accessOne = compileOnce(2, (db: Queryable, chatId: string, userId: string) =>
  accessRows(db).where('m.chat_id', '=', chatId).where('m.user_id', '=', userId),
);
const accessMany = compileOnce(2, (db: Queryable, users: string[], chats: string[]) =>
  accessRows(db)
    .where(sql<boolean>`m.user_id = ANY(${users}::uuid[])`)
    .where(sql<boolean>`m.chat_id = ANY(${chats}::uuid[])`),
);

/**
 * `accessChat` for requests, through `accessLoader` (db/batching.ts). Each query starts after its
 * requests arrived, so it sees what they would.
 */
export async function loadAccess(ctx: AppContext, userId: string, chatId: string): Promise<ChatAccess> {
  if (!UUID.test(chatId) || !UUID.test(userId)) throw new AppError('chat_not_found', 404);
  const access = await accessLoader(ctx).submit({ userId, chatId });
  if (!access) throw new AppError('chat_not_found', 404);
  return access;
}

/** Memberships with their chat and roster person, current only. */
function accessRows(db: Queryable) {
  return db
    .selectFrom('chat_members as m')
    .innerJoin('chats as c', 'c.id', 'm.chat_id')
    .innerJoin('persons as p', 'p.id', 'm.person_id')
    .selectAll('c')
    .select([
      'm.person_id as m_person_id',
      'm.user_id as m_user_id',
      'm.role as m_role',
      'm.last_read_seq as m_last_read_seq',
      'm.joined_at as m_joined_at',
      'm.left_at as m_left_at',
      'p.id as p_id',
      'p.school_id as p_school_id',
      'p.last_name as p_last_name',
      'p.first_name as p_first_name',
      'p.middle_name as p_middle_name',
      'p.roles as p_roles',
      'p.birth_date as p_birth_date',
      'p.phone as p_phone',
      'p.user_id as p_user_id',
      'p.linked_at as p_linked_at',
      'p.archived_at as p_archived_at',
      'p.created_at as p_created_at',
      'p.source_id as p_source_id',
    ])
    .where('m.left_at', 'is', null)
    .whereRef('p.user_id', '=', 'm.user_id')
    .where('p.archived_at', 'is', null);
}

type AccessRow = Awaited<ReturnType<ReturnType<typeof accessRows>['executeTakeFirstOrThrow']>>;

function toAccess(row: AccessRow): ChatAccess {
  const chat: ChatRow = {
    id: row.id,
    school_id: row.school_id,
    kind: row.kind,
    class_id: row.class_id,
    title: row.title,
    direct_key: row.direct_key,
    created_by: row.created_by,
    last_seq: Number(row.last_seq),
    pinned_message_id: row.pinned_message_id,
    archived_at: row.archived_at,
    created_at: row.created_at,
  };
  const member: ChatMemberRow = {
    chat_id: row.id,
    person_id: row.m_person_id,
    user_id: row.m_user_id,
    role: row.m_role,
    last_read_seq: Number(row.m_last_read_seq),
    joined_at: row.m_joined_at,
    left_at: row.m_left_at,
  };
  const person: PersonRow = {
    id: row.p_id,
    school_id: row.p_school_id,
    last_name: row.p_last_name,
    first_name: row.p_first_name,
    middle_name: row.p_middle_name,
    roles: row.p_roles,
    birth_date: row.p_birth_date,
    phone: row.p_phone,
    user_id: row.p_user_id,
    linked_at: row.p_linked_at,
    archived_at: row.p_archived_at,
    created_at: row.p_created_at,
    source_id: row.p_source_id,
  };
  const isModerator = member.role === 'moderator';
  return {
    chat,
    member,
    schoolId: chat.school_id,
    person,
    roles: person.roles,
    isStaff: isStaffRoles(person.roles),
    isModerator,
    canPost: mayPost(chat, member.role),
  };
}

/** The ids of the chats the account may read now. */
export function myChatIds(db: Queryable, userId: string) {
  return db.selectFrom('chat_members').select('chat_id').where('user_id', '=', userId).where('left_at', 'is', null);
}
