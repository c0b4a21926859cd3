import crypto from 'node:crypto';
import { sql } from 'kysely';
import type { InlineKeyboard, Message, MessageAttachment, MessageEntity, SendMessageBody } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import type { Queryable, Tx } from '../db/schema.ts';
import { AppError } from '../http/errors.ts';
import { t } from '../i18n/messages.ts';
import { fullName } from '../directory/rules.ts';
import { accessChat, isChannel, type ChatAccess } from './access.ts';
import { resolveAttachments, resolveSticker } from './attachments.ts';
import { getPolicy, mayWriteDirect } from './policy.ts';
import { MESSAGE_COLUMNS, messageOf, presentMessage, type MessageRow, type ReplyPreview } from './present.ts';
import { decideNotifications, formatResume, resumesAt } from './quiet.ts';
import { sendBatcher } from './send-batch.ts';
import { withOutbox } from '../stream/transaction.ts';

const LINK = /\bhttps?:\/\/[^\s<>"'«»]+[^\s<>"'«».,;:!?)\]]/giu;

/**
 * Invisible characters that make a link go somewhere else than it reads: zero-width spaces and
 * joiners, direction marks, embeddings, overrides and isolates, the word joiner and invisible
 * operators, the byte-order mark, the soft hyphen, the Mongolian vowel separator.
 */
const INVISIBLE = /[\u00AD\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/gu;

/** Links found in plain text: shown as links by clients, never stored as markup; the URL has no invisible characters. */
export function linkEntities(text: string): MessageEntity[] {
  return [...text.matchAll(LINK)].map((m) => ({ type: 'link' as const, offset: m.index, length: m[0].length, url: m[0].replace(INVISIBLE, '') }));
}

/** Text is plain: no NUL, and not blank unless something else carries the message. */
export function checkText(text: string, allowEmpty: boolean): void {
  if (text.includes('\u0000')) throw new AppError('validation_failed', 400, { issues: [{ path: 'body.text', message: 'contains NUL' }] });
  if (!allowEmpty && text.trim() === '') throw new AppError('message_empty', 400);
}

export async function findByClientId(db: Queryable, chatId: string, userId: string, clientId: string): Promise<MessageRow | undefined> {
  return db
    .selectFrom('messages')
    .select(MESSAGE_COLUMNS)
    .where('chat_id', '=', chatId)
    .where('author_user_id', '=', userId)
    .where('client_id', '=', clientId)
    .executeTakeFirst();
}

async function checkMentions(db: Queryable, chatId: string, text: string, mentions: NonNullable<SendMessageBody['mentions']>): Promise<MessageEntity[]> {
  if (mentions.length === 0) return [];
  for (const m of mentions) if (m.offset + m.length > text.length) throw new AppError('mention_invalid', 400);
  const ids = [...new Set(mentions.map((m) => m.personId))];
  const members = await db
    .selectFrom('chat_members')
    .select('person_id')
    .where('chat_id', '=', chatId)
    .where('person_id', 'in', ids)
    .where('left_at', 'is', null)
    .execute();
  if (members.length !== ids.length) throw new AppError('mention_invalid', 400);
  return mentions.map((m) => ({ type: 'mention' as const, ...m }));
}

/** Checks that the direct chat's other member may still be written to under the school's policy. */
async function checkDirect(db: Queryable, access: ChatAccess): Promise<{ userId: string; personId: string } | null> {
  if (access.chat.kind !== 'direct') return null;
  const other = await db
    .selectFrom('chat_members')
    .innerJoin('persons', 'persons.id', 'chat_members.person_id')
    .select(['persons.id', 'persons.roles', 'persons.school_id', 'chat_members.user_id'])
    .where('chat_members.chat_id', '=', access.chat.id)
    .where('chat_members.person_id', '!=', access.person.id)
    .where('chat_members.left_at', 'is', null)
    .executeTakeFirst();
  if (!other || !(await mayWriteDirect(db, await getPolicy(db, access.schoolId), access.person, other))) throw new AppError('direct_not_allowed', 403);
  return { userId: other.user_id, personId: other.id };
}

class AlreadySent extends Error {
  constructor(readonly row: MessageRow) {
    super('already sent');
  }
}

async function forwardSource(db: Queryable, userId: string, schoolId: string, messageId: string) {
  const m = await db.selectFrom('messages').select(MESSAGE_COLUMNS).where('id', '=', messageId).where('deleted_at', 'is', null).executeTakeFirst();
  if (!m) throw new AppError('message_not_found', 404);
  const source = await accessChat(db, userId, m.chat_id).catch(() => null);
  if (!source || source.schoolId !== schoolId) throw new AppError('message_not_found', 404);
  const author = await db
    .selectFrom('persons')
    .select(['last_name', 'first_name', 'middle_name'])
    .where('id', '=', m.author_person_id)
    .executeTakeFirstOrThrow();
  return {
    m,
    forward: { messageId: m.id, chatId: m.chat_id, authorName: fullName(author), authorIsStaff: m.author_staff, sentAt: m.created_at.toISOString() },
  };
}

export type SendResult = Message & { notice?: { code: 'recipient_quiet_hours'; message: string; resumesAt: string; personId: string } };

/** What a send is, once checked: the same checks for both ways of storing it. */
interface Checked {
  other: { userId: string; personId: string } | null;
  source: Awaited<ReturnType<typeof forwardSource>> | null;
  text: string;
  fileIds: string[];
  sticker: MessageAttachment | null;
  entities: MessageEntity[];
  reply: ReplyPreview | null;
}

async function check(ctx: AppContext, access: ChatAccess, userId: string, body: SendMessageBody): Promise<Checked> {
  if (!access.canPost) throw new AppError('posting_not_allowed', 403);
  const other = await checkDirect(ctx.db, access);
  const source = body.forwardOf ? await forwardSource(ctx.db, userId, access.schoolId, body.forwardOf) : null;
  const text = source ? source.m.text : body.text;
  const fileIds = source ? source.m.attachment_ids : [...new Set(body.attachments ?? [])];
  if (body.sticker && !source && (fileIds.length > 0 || text.trim() !== '')) throw new AppError('sticker_must_be_alone', 400);
  const sticker = body.sticker && !source ? resolveSticker(body.sticker) : null;
  checkText(text, fileIds.length > 0 || sticker !== null || (source !== null && (source.m.attachments as unknown[]).length > 0));
  const entities = source
    ? (source.m.entities as MessageEntity[]).filter((e) => e.type === 'link')
    : [...(await checkMentions(ctx.db, access.chat.id, text, body.mentions ?? [])), ...linkEntities(text)];
  let reply: ReplyPreview | null = null;
  if (body.replyToId) {
    const target = await ctx.db
      .selectFrom('messages')
      .innerJoin('persons', 'persons.id', 'messages.author_person_id')
      .select(['messages.id', 'messages.seq', 'messages.text', 'messages.deleted_at', 'persons.last_name', 'persons.first_name', 'persons.middle_name'])
      .where('messages.id', '=', body.replyToId)
      .where('messages.chat_id', '=', access.chat.id)
      .executeTakeFirst();
    if (!target) throw new AppError('message_not_found', 404);
    reply = { id: target.id, seq: target.seq, text: target.text, deleted_at: target.deleted_at, authorName: fullName(target) };
  }
  return { other, source, text, fileIds, sticker, entities, reply };
}

/**
 * Sends a message: the next `seq` of the chat, gap-free; a retry with the same `clientId` returns
 * the stored message instead of a second one. Sends without new files go through group commit
 * (send-batch.ts); sends with files, and whatever a batch cannot settle, are stored one at a time.
 */
export async function sendMessage(
  ctx: AppContext,
  access: ChatAccess,
  userId: string,
  body: SendMessageBody,
  /** When `access` was remembered rather than just read (a WebSocket connection's): reads it now. */
  reload?: () => Promise<ChatAccess>,
  /** A bot's send: the inline keyboard stored with the message, in its transaction (bots/). */
  extra?: SendExtra,
): Promise<{ message: SendResult; created: boolean }> {
  // The one-at-a-time path trusts the access it is given: a remembered one is read again first.
  const alone = async () => sendAlone(ctx, reload ? await reload() : access, userId, body, extra);
  // A bot's sends (its roster role is `bot`, which clients see as a badge) are stored one at a time.
  if ((body.attachments ?? []).length > 0 || extra || (access.roles as readonly string[]).includes('bot')) return alone();
  let checked: Checked;
  try {
    checked = await check(ctx, access, userId, body);
  } catch (err) {
    // A retry of a send that was stored before (a check may fail now) still gets its message.
    if (err instanceof AppError) return alone();
    throw err;
  }
  const { source, sticker } = checked;
  const createdAt = new Date();
  const message = messageOf(
    {
      id: crypto.randomUUID(),
      chat_id: access.chat.id,
      seq: 0,
      author_user_id: userId,
      author_person_id: access.person.id,
      author_roles: access.roles,
      author_staff: access.isStaff,
      client_id: body.clientId,
      text: checked.text,
      entities: checked.entities,
      reply_to_id: checked.reply?.id ?? null,
      forward_from: source ? source.forward : null,
      attachments: source ? (source.m.attachments as unknown[]) : sticker ? [sticker] : [],
      attachment_ids: checked.fileIds,
      has_attachments: checked.fileIds.length > 0,
      edited_at: null,
      deleted_at: null,
      created_at: createdAt,
    },
    { author: access.person, reply: checked.reply ?? undefined, reactions: [], views: isChannel(access.chat.kind) ? 0 : null },
  );
  const stored = await sendBatcher(ctx).submit({ message, attachmentIds: checked.fileIds });
  // The batch checks membership and posting rights itself, in the statement that stores: a remembered
  // access that no longer holds comes back here, and is read again.
  if (stored === 'single') return alone();
  const result: SendResult = { ...message, seq: stored.seq };
  const notice = await quietNotice(ctx, access, checked.other, stored.quiet, userId, createdAt);
  if (notice) result.notice = notice;
  return { message: result, created: true };
}

/** What a bot's send stores beside the message. */
export interface SendExtra {
  botId: string;
  keyboard: InlineKeyboard | null;
}

/** Stores one send in a transaction of its own: sends with files, and what a batch left to it. */
async function sendAlone(
  ctx: AppContext,
  access: ChatAccess,
  userId: string,
  body: SendMessageBody,
  extra?: SendExtra,
): Promise<{ message: SendResult; created: boolean }> {
  const earlier = await findByClientId(ctx.db, access.chat.id, userId, body.clientId);
  if (earlier) return { message: await sameOrConflict(ctx, access, earlier, body), created: false };
  const { other, source, text, fileIds, sticker, entities } = await check(ctx, access, userId, body);

  let quiet: string[] = [];
  let createdAt = new Date();
  let message: SendResult;
  try {
    message = await withOutbox(ctx, async (trx: Tx, outbox) => {
      const chat = await trx
        .updateTable('chats')
        .set((eb) => ({ last_seq: eb('last_seq', '+', 1) }))
        .where('id', '=', access.chat.id)
        .where('archived_at', 'is', null)
        .returning('last_seq')
        .executeTakeFirst();
      if (!chat) throw new AppError('posting_not_allowed', 403);
      // Files are claimed by the first of two concurrent tries of one send, so a try with files
      // looks for the other (committed by now: same-chat sends hold the lock just taken) first.
      if (fileIds.length > 0 && !source) {
        const raced = await findByClientId(trx, access.chat.id, userId, body.clientId);
        if (raced) throw new AlreadySent(raced);
      }
      const attachments = source
        ? (source.m.attachments as unknown[])
        : sticker
          ? [sticker]
          : await resolveAttachments(trx, { userId, schoolId: access.schoolId, chatId: access.chat.id, fileIds });
      const inserted = await trx
        .insertInto('messages')
        .values({
          chat_id: access.chat.id,
          seq: Number(chat.last_seq),
          author_user_id: userId,
          author_person_id: access.person.id,
          author_roles: access.roles,
          author_staff: access.isStaff,
          client_id: body.clientId,
          text,
          entities: JSON.stringify(entities),
          reply_to_id: body.replyToId ?? null,
          forward_from: source ? JSON.stringify(source.forward) : null,
          attachments: JSON.stringify(attachments),
          attachment_ids: fileIds,
        })
        // Same-chat sends are serialised by the chat row lock just taken, so a concurrent retry of
        // this send has committed by now: its row is the conflict, and this transaction rolls back
        // (giving its `seq` back) to return that one.
        .onConflict((oc) => oc.columns(['chat_id', 'author_user_id', 'client_id']).doNothing())
        .returning(MESSAGE_COLUMNS)
        .executeTakeFirst();
      if (!inserted) throw new AlreadySent((await findByClientId(trx, access.chat.id, userId, body.clientId))!);
      await trx
        .updateTable('chat_members')
        .set((eb) => ({ last_read_seq: sql<number>`greatest(${eb.ref('last_read_seq')}, ${Number(chat.last_seq)})` }))
        .where('chat_id', '=', access.chat.id)
        .where('person_id', '=', access.person.id)
        .execute();
      if (extra?.keyboard)
        await trx
          .insertInto('bot_markup')
          .values({ message_id: inserted.id, bot_id: extra.botId, markup: JSON.stringify(extra.keyboard) })
          .execute();
      quiet = (await decideNotifications(trx, { id: inserted.id, chat_id: access.chat.id, author_user_id: userId }, inserted.created_at)).quiet;
      createdAt = inserted.created_at;
      const presented = await presentMessage(trx, inserted, access.chat, { fresh: true, known: [access.person] });
      outbox.chat(access.chat.id, { type: 'message.new', chatId: access.chat.id, message: presented });
      return { ...presented };
    });
  } catch (err) {
    if (err instanceof AlreadySent) return { message: await sameOrConflict(ctx, access, err.row, body), created: false };
    throw err;
  }
  const notice = await quietNotice(ctx, access, other, quiet, userId, createdAt);
  if (notice) message.notice = notice;
  return { message, created: true };
}

async function sameOrConflict(ctx: AppContext, access: ChatAccess, row: MessageRow, body: SendMessageBody): Promise<SendResult> {
  if (!body.forwardOf && row.text !== body.text && !row.deleted_at) throw new AppError('client_id_reused', 409);
  return presentMessage(ctx.db, row, access.chat);
}

/** A guardian writing to a teacher outside the teacher's working hours is told when notifications resume. */
async function quietNotice(ctx: AppContext, access: ChatAccess, other: { userId: string; personId: string } | null, quiet: string[], userId: string, at: Date) {
  if (!other || !access.roles.includes('guardian') || !quiet.includes(other.userId)) return undefined;
  const teacher = await ctx.db
    .selectFrom('persons')
    .select(['last_name', 'first_name', 'middle_name', 'roles'])
    .where('id', '=', other.personId)
    .executeTakeFirstOrThrow();
  if (!teacher.roles.includes('teacher') && !teacher.roles.includes('admin')) return undefined;
  const resumes = await resumesAt(ctx.db, other.userId, at);
  if (!resumes) return undefined;
  const me = await ctx.db.selectFrom('users').select('locale').where('id', '=', userId).executeTakeFirstOrThrow();
  const when = formatResume(resumes.until, resumes.timezone, me.locale);
  return {
    code: 'recipient_quiet_hours' as const,
    message: t(me.locale, 'quiet_hours_notice', { name: [teacher.first_name, teacher.middle_name].filter(Boolean).join(' '), when }),
    resumesAt: resumes.until.toISOString(),
    personId: other.personId,
  };
}
