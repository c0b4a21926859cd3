import type { Selectable } from 'kysely';
import type { Chat, ChatPerson, Message, MessageAttachment, MessageEntity, SchoolRole } from '@parta/protocol';
import type { Queryable } from '../db/schema.ts';
import { fullName } from '../directory/rules.ts';
import type { PersonRow } from '../directory/access.ts';
import { hasReceipts, isChannel, isStaffRoles, mayPost, type ChatMemberRow, type ChatRow } from './access.ts';
import type { MessagesTable } from './tables.ts';

export type MessageRow = Omit<Selectable<MessagesTable>, 'search'>;

/** Every column of a message but its search vector. */
export const MESSAGE_COLUMNS = [
  'messages.id',
  'messages.chat_id',
  'messages.seq',
  'messages.author_user_id',
  'messages.author_person_id',
  'messages.author_roles',
  'messages.author_staff',
  'messages.client_id',
  'messages.text',
  'messages.entities',
  'messages.reply_to_id',
  'messages.forward_from',
  'messages.attachments',
  'messages.attachment_ids',
  'messages.has_attachments',
  'messages.edited_at',
  'messages.deleted_at',
  'messages.created_at',
] as const;

/** A bot's roster person carries the role `bot`: clients see `isBot` (the bot badge) and the school roles only. */
const isBotRoles = (roles: readonly string[]) => roles.includes('bot');
export const schoolRoles = (roles: readonly string[]) => roles.filter((r) => r !== 'bot') as SchoolRole[];

export function presentPerson(p: Pick<PersonRow, 'id' | 'user_id' | 'last_name' | 'first_name' | 'middle_name' | 'roles'>): ChatPerson {
  const person: ChatPerson = { personId: p.id, userId: p.user_id, name: fullName(p), roles: schoolRoles(p.roles), isStaff: isStaffRoles(p.roles) };
  if (isBotRoles(p.roles)) person.isBot = true;
  return person;
}

export type PresentedPerson = Pick<PersonRow, 'id' | 'user_id' | 'last_name' | 'first_name' | 'middle_name' | 'roles'>;

export interface PresentOptions {
  /** Channel messages carry their view counts. */
  channel?: boolean;
  /** Messages stored in this very transaction: they have no reactions and no views yet. */
  fresh?: boolean;
  /** People the caller has already loaded (the author of a send): not queried again. */
  known?: PresentedPerson[];
}

/** Messages with their authors, replies, reactions and (in channels) views, in a fixed number of queries. */
export async function presentMessages(db: Queryable, rows: MessageRow[], opts: PresentOptions = {}): Promise<Message[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const replyIds = [...new Set(rows.map((r) => r.reply_to_id).filter((x): x is string => x !== null))];
  const replies = replyIds.length
    ? await db.selectFrom('messages').select(['id', 'seq', 'text', 'author_person_id', 'deleted_at']).where('id', 'in', replyIds).execute()
    : [];
  const known = opts.known ?? [];
  const personIds = [...new Set([...rows.map((r) => r.author_person_id), ...replies.map((r) => r.author_person_id)])].filter(
    (id) => !known.some((k) => k.id === id),
  );
  const [loaded, reactions, views, urgent] = await Promise.all([
    personIds.length
      ? db.selectFrom('persons').select(['id', 'user_id', 'last_name', 'first_name', 'middle_name', 'roles']).where('id', 'in', personIds).execute()
      : Promise.resolve([]),
    opts.fresh
      ? Promise.resolve([])
      : db.selectFrom('message_reactions').select(['message_id', 'emoji', 'user_id']).where('message_id', 'in', ids).orderBy('created_at').execute(),
    opts.channel && !opts.fresh
      ? db
          .selectFrom('messages')
          .innerJoin('chat_members', (j) => j.onRef('chat_members.chat_id', '=', 'messages.chat_id').onRef('chat_members.last_read_seq', '>=', 'messages.seq'))
          .select(['messages.id', (eb) => eb.fn.countAll<number>().as('n')])
          .where('messages.id', 'in', ids)
          .whereRef('chat_members.user_id', '!=', 'messages.author_user_id')
          .groupBy('messages.id')
          .execute()
      : Promise.resolve([]),
    // «Срочно» marks (notifications/service.ts markUrgent), shown with their reason.
    opts.fresh ? Promise.resolve([]) : db.selectFrom('urgent_marks').select(['message_id', 'reason']).where('message_id', 'in', ids).execute(),
  ]);
  // Inline keyboards: only bots' messages have them, so other messages cost no query.
  const botIds = rows.filter((r) => isBotRoles(r.author_roles)).map((r) => r.id);
  const markup = botIds.length ? await db.selectFrom('bot_markup').select(['message_id', 'markup']).where('message_id', 'in', botIds).execute() : [];
  const byPerson = new Map<string, PresentedPerson>([...known, ...loaded].map((p) => [p.id, p]));
  const byReply = new Map(replies.map((r) => [r.id, r]));
  const nameOf = (id: string) => {
    const p = byPerson.get(id);
    return p ? fullName(p) : '';
  };
  return rows.map((r) => {
    const reply = r.reply_to_id ? byReply.get(r.reply_to_id) : undefined;
    const grouped = new Map<string, string[]>();
    for (const x of reactions) if (x.message_id === r.id) grouped.set(x.emoji, [...(grouped.get(x.emoji) ?? []), x.user_id]);
    const mark = urgent.find((u) => u.message_id === r.id);
    return messageOf(r, {
      urgent: mark && !r.deleted_at ? { reason: mark.reason } : null,
      author: byPerson.get(r.author_person_id),
      reply: reply ? { ...reply, authorName: nameOf(reply.author_person_id) } : undefined,
      reactions: [...grouped].map(([emoji, userIds]) => ({ emoji, count: userIds.length, userIds })),
      views: opts.channel ? Number(views.find((v) => v.id === r.id)?.n ?? 0) : null,
      keyboard: markup.find((k) => k.message_id === r.id)?.markup as Message['keyboard'],
    });
  });
}

/** The preview of the message a message replies to. */
export interface ReplyPreview {
  id: string;
  seq: number | string;
  text: string;
  deleted_at: Date | null;
  authorName: string;
}

/** One stored message as clients see it, from its row and what was loaded around it. */
export function messageOf(
  r: MessageRow,
  around: {
    author: PresentedPerson | undefined;
    reply: ReplyPreview | undefined;
    reactions: Message['reactions'];
    views: number | null;
    keyboard?: Message['keyboard'];
    urgent?: Message['urgent'];
  },
): Message {
  const { author, reply } = around;
  const message: Message = {
    id: r.id,
    chatId: r.chat_id,
    seq: Number(r.seq),
    clientId: r.client_id,
    author: {
      personId: r.author_person_id,
      userId: r.author_user_id,
      name: author ? fullName(author) : '',
      roles: schoolRoles(r.author_roles),
      isStaff: r.author_staff,
      ...(isBotRoles(r.author_roles) ? { isBot: true } : {}),
    },
    text: r.deleted_at ? '' : r.text,
    entities: r.deleted_at ? [] : (r.entities as MessageEntity[]),
    replyTo: reply ? { id: reply.id, seq: Number(reply.seq), authorName: reply.authorName, text: reply.deleted_at ? '' : reply.text.slice(0, 200) } : null,
    forwardedFrom: r.deleted_at ? null : ((r.forward_from as Message['forwardedFrom']) ?? null),
    attachments: r.deleted_at ? [] : (r.attachments as MessageAttachment[]),
    reactions: around.reactions,
    views: around.views,
    createdAt: r.created_at.toISOString(),
    editedAt: r.edited_at?.toISOString() ?? null,
    deletedAt: r.deleted_at?.toISOString() ?? null,
    ...(around.urgent ? { urgent: around.urgent } : {}),
  };
  if (around.keyboard && !r.deleted_at) message.keyboard = around.keyboard;
  return message;
}

export async function presentMessage(
  db: Queryable,
  row: MessageRow,
  chat: Pick<ChatRow, 'kind'>,
  opts: Omit<PresentOptions, 'channel'> = {},
): Promise<Message> {
  return (await presentMessages(db, [row], { ...opts, channel: isChannel(chat.kind) }))[0]!;
}

/** A chat as one member sees it. `extra` carries what the caller has already counted. */
export function presentChat(
  chat: ChatRow,
  member: Pick<ChatMemberRow, 'role' | 'last_read_seq'>,
  extra: { title?: string | null; unreadCount?: number; memberCount?: number; lastMessage?: Message | null; peer?: Chat['peer'] } = {},
): Chat {
  return {
    id: chat.id,
    schoolId: chat.school_id,
    kind: chat.kind,
    classId: chat.class_id,
    title: extra.title !== undefined ? extra.title : chat.title,
    lastSeq: Number(chat.last_seq),
    lastReadSeq: Number(member.last_read_seq),
    unreadCount: extra.unreadCount ?? 0,
    memberCount: extra.memberCount ?? 0,
    canPost: mayPost(chat, member.role),
    isModerator: member.role === 'moderator',
    pinnedMessageId: chat.pinned_message_id,
    ...(extra.peer !== undefined ? { peer: extra.peer } : {}),
    receipts: hasReceipts(chat.kind),
    lastMessage: extra.lastMessage ?? null,
    createdAt: chat.created_at.toISOString(),
  };
}
