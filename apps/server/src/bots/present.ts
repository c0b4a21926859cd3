import type { MessageAttachment, MessageEntity } from '@parta/protocol';
import type { Queryable } from '../db/schema.ts';
import { t } from '../i18n/messages.ts';
import type { ChatRow } from '../messaging/access.ts';
import type { MessageRow } from '../messaging/present.ts';
import { numberOf, numbersOf } from './ids.ts';
import type { BotRow } from './store.ts';

/**
 * Parta's objects as the Telegram Bot API describes them (User, Chat, Message, …), with
 * Telegram's field names. Only the fields Parta has are filled; optional ones are left out.
 */

export type TgUser = { id: number; is_bot: boolean; first_name: string; last_name?: string; username?: string; language_code?: string };
export type TgChat = {
  id: number;
  type: 'private' | 'group' | 'supergroup' | 'channel';
  title?: string;
  first_name?: string;
  last_name?: string;
  username?: string;
};
export type TgEntity = { type: string; offset: number; length: number; url?: string; user?: TgUser };
export type TgKeyboardButton = { text: string; callback_data?: string; url?: string };
export type TgMessage = Record<string, unknown> & { message_id: number; date: number; chat: TgChat };

const unix = (d: Date) => Math.floor(d.getTime() / 1000);

/** A person of the roster, as a Telegram user: first name, last name (the middle name goes with the first). */
export async function tgUserOf(db: Queryable, userId: string): Promise<TgUser | null> {
  const u = await db.selectFrom('users').select(['id', 'first_name', 'last_name', 'middle_name', 'locale']).where('id', '=', userId).executeTakeFirst();
  if (!u) return null;
  const bot = await db.selectFrom('bots').select(['username', 'name']).where('user_id', '=', userId).executeTakeFirst();
  const id = await numberOf(db, userId, 'user');
  if (bot) return { id, is_bot: true, first_name: bot.name, username: bot.username };
  const first = [u.first_name, u.middle_name].filter(Boolean).join(' ') || u.last_name || '—';
  const user: TgUser = { id, is_bot: false, first_name: first, language_code: u.locale };
  if (u.last_name && u.first_name) user.last_name = u.last_name;
  return user;
}

const CHANNEL_KINDS = new Set(['school_channel', 'class_channel']);

/** A chat as a bot sees it: a direct chat is "private" with the other account's id, as in Telegram. */
export async function tgChatOf(db: Queryable, bot: Pick<BotRow, 'user_id'>, chat: Pick<ChatRow, 'id' | 'kind' | 'title'>): Promise<TgChat> {
  if (chat.kind === 'direct') {
    const other = await db.selectFrom('chat_members').select('user_id').where('chat_id', '=', chat.id).where('user_id', '!=', bot.user_id).executeTakeFirst();
    const user = other ? await tgUserOf(db, other.user_id) : null;
    if (user) {
      const c: TgChat = { id: user.id, type: 'private', first_name: user.first_name };
      if (user.last_name) c.last_name = user.last_name;
      return c;
    }
  }
  const num = await numberOf(db, chat.id, 'chat');
  return {
    id: -num,
    type: CHANNEL_KINDS.has(chat.kind) ? 'channel' : 'group',
    title: t('ru', 'notify_chat', { kind: chat.kind, name: chat.title ?? '' }) || '—',
  };
}

/** Commands (`/start`, `/menu@canteen_bot`) and @mentions in a text, as Telegram marks them. */
export function textEntities(text: string, stored: MessageEntity[]): TgEntity[] {
  const out: TgEntity[] = [];
  for (const m of text.matchAll(/(^|\s)(\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?)/g))
    out.push({ type: 'bot_command', offset: m.index + m[1]!.length, length: m[2]!.length });
  for (const m of text.matchAll(/(^|[^\w@])(@[A-Za-z][A-Za-z0-9_]{3,31})/g))
    out.push({ type: 'mention', offset: m.index + m[1]!.length, length: m[2]!.length });
  for (const e of stored) if (e.type === 'link') out.push({ type: 'url', offset: e.offset, length: e.length });
  return out.sort((a, b) => a.offset - b.offset);
}

export function tgKeyboard(markup: unknown): { inline_keyboard: TgKeyboardButton[][] } | undefined {
  if (!Array.isArray(markup) || markup.length === 0) return undefined;
  return {
    inline_keyboard: (markup as { text: string; callbackData?: string; url?: string }[][]).map((row) =>
      row.map((b) => {
        const out: TgKeyboardButton = { text: b.text };
        if (b.callbackData !== undefined) out.callback_data = b.callbackData;
        if (b.url !== undefined) out.url = b.url;
        return out;
      }),
    ),
  };
}

/** The file id of a stored file: opaque to bots, as in Telegram. */
export const fileIdOf = (id: string) => `BQ${id.replace(/-/g, '')}`;
export function fileRefOf(fileId: string): string | null {
  const m = /^BQ([0-9a-f]{32})$/i.exec(fileId);
  if (!m) return null;
  const h = m[1]!.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
const uniqueIdOf = (id: string) => id.replace(/-/g, '').slice(0, 16);

function media(attachments: MessageAttachment[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const image = attachments.find((a) => a.kind === 'image');
  const file = attachments.find((a) => a.kind === 'file');
  if (image) {
    out.photo = [
      { file_id: fileIdOf(image.id), file_unique_id: uniqueIdOf(image.id), width: image.width ?? 0, height: image.height ?? 0, file_size: image.size },
    ];
  } else if (file) {
    out.document = { file_id: fileIdOf(file.id), file_unique_id: uniqueIdOf(file.id), file_name: file.name, mime_type: file.contentType, file_size: file.size };
  }
  return out;
}

/** A stored message as a Telegram Message, seen by `bot`. */
export async function tgMessageOf(
  db: Queryable,
  bot: Pick<BotRow, 'user_id'>,
  row: MessageRow,
  chat: Pick<ChatRow, 'id' | 'kind' | 'title'>,
  depth = 0,
): Promise<TgMessage> {
  const tgChat = await tgChatOf(db, bot, chat);
  const message: TgMessage = { message_id: Number(row.seq), date: unix(row.created_at), chat: tgChat };
  if (row.author_user_id) {
    const from = await tgUserOf(db, row.author_user_id);
    if (from) message.from = from;
  }
  if (row.edited_at) message.edit_date = unix(row.edited_at);
  const attachments = (row.attachments as MessageAttachment[]) ?? [];
  const hasMedia = attachments.some((a) => a.kind === 'image' || a.kind === 'file');
  const text = row.deleted_at ? '' : row.text;
  const entities = textEntities(text, (row.entities as MessageEntity[]) ?? []);
  if (hasMedia) {
    Object.assign(message, media(attachments));
    if (text) message.caption = text;
    if (text && entities.length) message.caption_entities = entities;
  } else {
    message.text = text;
    if (entities.length) message.entities = entities;
  }
  if (row.reply_to_id && depth === 0) {
    const reply = await db.selectFrom('messages').selectAll().where('id', '=', row.reply_to_id).executeTakeFirst();
    if (reply) message.reply_to_message = await tgMessageOf(db, bot, reply, chat, 1);
  }
  const markup = await db.selectFrom('bot_markup').select('markup').where('message_id', '=', row.id).executeTakeFirst();
  const keyboard = markup ? tgKeyboard(markup.markup) : undefined;
  if (keyboard) message.reply_markup = keyboard;
  return message;
}

export { numbersOf };
