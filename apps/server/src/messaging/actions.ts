import type { Message, MessageEntity } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import type { Queryable } from '../db/schema.ts';
import { AppError } from '../http/errors.ts';
import type { ChatAccess } from './access.ts';
import { MESSAGE_COLUMNS, presentMessage, presentMessages, type MessageRow } from './present.ts';
import { checkText, linkEntities } from './send.ts';
import { withOutbox } from '../stream/transaction.ts';

/** A message of the chat the caller already has access to; 404 otherwise. */
export async function getMessage(db: Queryable, access: ChatAccess, messageId: string): Promise<MessageRow> {
  const m = await db.selectFrom('messages').select(MESSAGE_COLUMNS).where('id', '=', messageId).where('chat_id', '=', access.chat.id).executeTakeFirst();
  if (!m) throw new AppError('message_not_found', 404);
  return m;
}

/** The author edits the text; the message shows as edited. Mentions that no longer fit the text are dropped. */
export async function editMessage(ctx: AppContext, access: ChatAccess, messageId: string, text: string): Promise<Message> {
  const m = await getMessage(ctx.db, access, messageId);
  if (m.deleted_at) throw new AppError('message_deleted', 409);
  if (m.author_person_id !== access.person.id || m.forward_from) throw new AppError('message_edit_not_allowed', 403);
  if (!access.canPost) throw new AppError('posting_not_allowed', 403);
  checkText(text, (m.attachment_ids ?? []).length > 0);
  const mentions = (m.entities as MessageEntity[]).filter((e) => e.type === 'mention' && e.offset + e.length <= text.length);
  return withOutbox(ctx, async (trx, outbox) => {
    const row = await trx
      .updateTable('messages')
      .set({ text, entities: JSON.stringify([...mentions, ...linkEntities(text)]), edited_at: new Date() })
      .where('id', '=', m.id)
      .where('deleted_at', 'is', null)
      .returning(MESSAGE_COLUMNS)
      .executeTakeFirst();
    if (!row) throw new AppError('message_deleted', 409);
    const message = await presentMessage(trx, row, access.chat);
    outbox.chat(access.chat.id, { type: 'message.edited', chatId: access.chat.id, message });
    return message;
  });
}

/** Deletes for everyone: the author or a moderator. The text and attachments are wiped; the seq stays taken. */
export async function deleteMessage(ctx: AppContext, access: ChatAccess, messageId: string): Promise<void> {
  const m = await getMessage(ctx.db, access, messageId);
  if (m.author_person_id !== access.person.id && !access.isModerator) throw new AppError('message_delete_not_allowed', 403);
  if (m.deleted_at) return;
  await withOutbox(ctx, async (trx, outbox) => {
    const res = await trx
      .updateTable('messages')
      .set({ deleted_at: new Date(), text: '', entities: '[]', attachments: '[]', attachment_ids: [], forward_from: null })
      .where('id', '=', m.id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) return;
    await trx.deleteFrom('message_reactions').where('message_id', '=', m.id).execute();
    await trx.updateTable('chats').set({ pinned_message_id: null }).where('id', '=', access.chat.id).where('pinned_message_id', '=', m.id).execute();
    outbox.chat(access.chat.id, { type: 'message.deleted', chatId: access.chat.id, messageId: m.id, seq: Number(m.seq) });
  });
}

/** Adds or removes the caller's reaction. Any member may react, in channels too. */
export async function react(ctx: AppContext, access: ChatAccess, messageId: string, emoji: string, add: boolean): Promise<Message['reactions']> {
  const m = await getMessage(ctx.db, access, messageId);
  if (m.deleted_at) throw new AppError('message_deleted', 409);
  return withOutbox(ctx, async (trx, outbox) => {
    if (add) {
      await trx
        .insertInto('message_reactions')
        .values({ message_id: m.id, user_id: access.member.user_id, emoji })
        .onConflict((oc) => oc.doNothing())
        .execute();
    } else {
      await trx
        .deleteFrom('message_reactions')
        .where('message_id', '=', m.id)
        .where('user_id', '=', access.member.user_id)
        .where('emoji', '=', emoji)
        .execute();
    }
    const [fresh] = await presentMessages(trx, [m]);
    outbox.chat(access.chat.id, { type: 'message.reactions', chatId: access.chat.id, messageId: m.id, reactions: fresh!.reactions });
    return fresh!.reactions;
  });
}

/** Pins a message (or unpins with null). Moderators pin; in direct chats either member does. */
export async function pin(ctx: AppContext, access: ChatAccess, messageId: string | null): Promise<void> {
  if (!access.isModerator && access.chat.kind !== 'direct') throw new AppError('forbidden', 403);
  if (messageId) {
    const m = await getMessage(ctx.db, access, messageId);
    if (m.deleted_at) throw new AppError('message_deleted', 409);
  }
  await withOutbox(ctx, async (trx, outbox) => {
    await trx.updateTable('chats').set({ pinned_message_id: messageId }).where('id', '=', access.chat.id).execute();
    outbox.chat(access.chat.id, { type: 'chat.pinned', chatId: access.chat.id, messageId });
  });
}

/** Moves the caller's read marker forward (never back). Other devices learn it from the stream. */
export async function markRead(ctx: AppContext, access: ChatAccess, seq: number): Promise<number> {
  return withOutbox(ctx, async (trx, outbox) => {
    const chat = await trx.selectFrom('chats').select('last_seq').where('id', '=', access.chat.id).executeTakeFirstOrThrow();
    const target = Math.min(seq, Number(chat.last_seq));
    const res = await trx
      .updateTable('chat_members')
      .set({ last_read_seq: target })
      .where('chat_id', '=', access.chat.id)
      .where('person_id', '=', access.person.id)
      .where('last_read_seq', '<', target)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) > 0) outbox.user(access.member.user_id, { type: 'chat.read', chatId: access.chat.id, seq: target });
    return Math.max(target, access.member.last_read_seq);
  });
}
