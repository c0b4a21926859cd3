import crypto from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { InlineKeyboard } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import { AppError } from '../http/errors.ts';
import { accessChat, type ChatAccess } from '../messaging/access.ts';
import { deleteMessage as deleteParta, editMessage } from '../messaging/actions.ts';
import { MESSAGE_COLUMNS } from '../messaging/present.ts';
import { sendMessage as sendParta } from '../messaging/send.ts';
import { withOutbox } from '../stream/transaction.ts';
import { readableFile, uploadFile } from '../files/service.ts';
import { badRequest, BotApiError, chatNotFound, conflict, forbidden } from './errors.ts';
import { refOf } from './ids.ts';
import { fileIdOf, fileRefOf, tgChatOf, tgKeyboard, tgMessageOf, tgUserOf } from './present.ts';
import { audit, type BotRow } from './store.ts';
import { readUpdates, wakeDelivery, UPDATE_TYPES } from './updates.ts';
import { createRequest, listFaq } from './helper/service.ts';

/** A file part of a multipart call, spooled to disk by the route. */
export interface CallFile {
  filename: string | undefined;
  path: string;
}

export interface Call {
  ctx: AppContext;
  bot: BotRow;
  params: Record<string, unknown>;
  files: Map<string, CallFile>;
  /** Aborted when the client goes away (a long poll stops waiting). */
  signal?: AbortSignal;
}

type Method = (call: Call) => Promise<unknown>;

// ---- parameters, as Telegram reads them: JSON bodies carry values, forms and queries carry strings ----

function json(call: Call, name: string): unknown {
  const v = call.params[name];
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    throw badRequest(`can't parse ${name} JSON object`);
  }
}

function str(call: Call, name: string): string | undefined {
  const v = call.params[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw badRequest(`field "${name}" must be of type String`);
}

function int(call: Call, name: string): number | undefined {
  const v = call.params[name];
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isSafeInteger(n)) throw badRequest(`field "${name}" must be of type Integer`);
  return n;
}

function bool(call: Call, name: string): boolean {
  const v = call.params[name];
  return v === true || v === 'true' || v === '1' || v === 1;
}

function required<T>(value: T | undefined, name: string): T {
  if (value === undefined || value === '') throw badRequest(`${name} is empty`);
  return value;
}

// ---- chats and messages a bot may reach ----

/**
 * The chat `chat_id` names, if the bot is a member of it now. A positive id is a user: the
 * private chat with them, which a bot never opens itself (and never with a student).
 */
async function botChat(call: Call, raw: unknown = call.params.chat_id): Promise<ChatAccess> {
  const { ctx, bot } = call;
  if (raw === undefined || raw === '') throw badRequest('chat_id is empty');
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isSafeInteger(n) || n === 0) throw chatNotFound();
  if (n > 0) {
    const userId = await refOf(ctx.db, n, 'user');
    if (!userId) throw chatNotFound();
    const direct = await ctx.db
      .selectFrom('chat_members as a')
      .innerJoin('chat_members as b', 'b.chat_id', 'a.chat_id')
      .innerJoin('chats', 'chats.id', 'a.chat_id')
      .select('chats.id')
      .where('chats.kind', '=', 'direct')
      .where('a.user_id', '=', bot.user_id)
      .where('b.user_id', '=', userId)
      .where('a.left_at', 'is', null)
      .where('b.left_at', 'is', null)
      .executeTakeFirst();
    if (!direct) {
      // Whoever it is (a student above all), a bot cannot start a conversation.
      const sameSchool = await ctx.db
        .selectFrom('persons')
        .select('id')
        .where('user_id', '=', userId)
        .where('school_id', '=', bot.school_id)
        .where('archived_at', 'is', null)
        .executeTakeFirst();
      if (!sameSchool) throw chatNotFound();
      throw forbidden("bot can't initiate conversation with a user");
    }
    return accessChat(ctx.db, bot.user_id, direct.id);
  }
  const chatId = await refOf(ctx.db, -n, 'chat');
  if (!chatId) throw chatNotFound();
  try {
    return await accessChat(ctx.db, bot.user_id, chatId);
  } catch {
    throw chatNotFound();
  }
}

async function messageBySeq(call: Call, access: ChatAccess, seq: number | undefined, missing: string) {
  if (seq === undefined) throw badRequest('message_id is empty');
  const row = await call.ctx.db.selectFrom('messages').select(MESSAGE_COLUMNS).where('chat_id', '=', access.chat.id).where('seq', '=', seq).executeTakeFirst();
  if (!row || row.deleted_at) throw badRequest(missing);
  return row;
}

async function presentSent(call: Call, access: ChatAccess, messageId: string) {
  const row = await call.ctx.db.selectFrom('messages').select(MESSAGE_COLUMNS).where('id', '=', messageId).executeTakeFirstOrThrow();
  return tgMessageOf(call.ctx.db, call.bot, row, access.chat);
}

/** Parta keeps text plain: a `parse_mode` text is shown without its markup, never rendered. */
export function plainText(text: string, parseMode: string | undefined): string {
  if (!parseMode) return text;
  if (parseMode === 'HTML') {
    return text
      .replace(/<[^>]*>/g, '')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&');
  }
  if (parseMode === 'MarkdownV2') return text.replace(/\\([_*[\]()~`>#+\-=|{}.!\\])/g, '$1').replace(/(?<!\\)[*_~`]|\|\|/g, '');
  if (parseMode === 'Markdown') return text.replace(/[*_`]/g, '');
  throw badRequest(`unsupported parse_mode`);
}

/** `reply_markup` with `inline_keyboard`: buttons with callback data or a link. Reply keyboards are ignored. */
export function parseKeyboard(call: Call): InlineKeyboard | null | undefined {
  const markup = json(call, 'reply_markup');
  if (markup === undefined || markup === null) return undefined;
  if (typeof markup !== 'object') throw badRequest("can't parse reply keyboard markup JSON object");
  const rows = (markup as { inline_keyboard?: unknown }).inline_keyboard;
  if (rows === undefined) return undefined;
  if (!Array.isArray(rows) || rows.some((r) => !Array.isArray(r)))
    throw badRequest('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays');
  if (rows.length > 100) throw badRequest('REPLY_MARKUP_TOO_LONG');
  const keyboard: InlineKeyboard = (rows as unknown[][]).map((row) =>
    row.map((b) => {
      const button = b as { text?: unknown; callback_data?: unknown; url?: unknown };
      if (typeof button?.text !== 'string' || button.text === '') throw badRequest('text buttons are unallowed in the inline keyboard');
      if (typeof button.callback_data === 'string') {
        if (Buffer.byteLength(button.callback_data) < 1 || Buffer.byteLength(button.callback_data) > 64) throw badRequest('BUTTON_DATA_INVALID');
        return { text: button.text.slice(0, 128), callbackData: button.callback_data };
      }
      if (typeof button.url === 'string') {
        if (!/^https?:\/\/[^\s]+$/i.test(button.url)) throw badRequest('BUTTON_URL_INVALID');
        return { text: button.text.slice(0, 128), url: button.url };
      }
      throw badRequest('unsupported inline keyboard button');
    }),
  );
  return keyboard.length ? keyboard : null;
}

/** Parta's refusals, in the Bot API's words. */
function mapError(err: unknown): never {
  if (err instanceof BotApiError) throw err;
  if (err instanceof AppError) {
    switch (err.code) {
      case 'message_empty':
        throw badRequest('message text is empty');
      case 'posting_not_allowed':
        throw badRequest('not enough rights to send text messages to the chat');
      case 'direct_not_allowed':
        throw forbidden("bot can't initiate conversation with a user");
      case 'chat_not_found':
        throw chatNotFound();
      case 'message_not_found':
        throw badRequest('message to be replied not found');
      case 'payload_too_large':
        throw new BotApiError(413, 'Request Entity Too Large');
      case 'image_invalid':
      case 'unsupported_media_type':
        throw badRequest('IMAGE_PROCESS_FAILED');
      default:
        throw badRequest(err.code);
    }
  }
  throw err;
}

async function replyTarget(call: Call, access: ChatAccess): Promise<string | undefined> {
  const params = json(call, 'reply_parameters') as { message_id?: unknown; chat_id?: unknown; allow_sending_without_reply?: unknown } | undefined;
  const seq = params && typeof params === 'object' ? Number(params.message_id) : int(call, 'reply_to_message_id');
  if (seq === undefined || Number.isNaN(seq)) return undefined;
  if (params?.chat_id !== undefined && params.chat_id !== call.params.chat_id && Number(params.chat_id) !== Number(call.params.chat_id))
    throw badRequest('message to be replied not found');
  const row = await call.ctx.db
    .selectFrom('messages')
    .select(['id', 'deleted_at'])
    .where('chat_id', '=', access.chat.id)
    .where('seq', '=', seq)
    .executeTakeFirst();
  if (!row || row.deleted_at) {
    if (params?.allow_sending_without_reply === true || bool(call, 'allow_sending_without_reply')) return undefined;
    throw badRequest('message to be replied not found');
  }
  return row.id;
}

async function send(call: Call, access: ChatAccess, text: string, attachments: string[] = []) {
  const keyboard = parseKeyboard(call);
  const replyToId = await replyTarget(call, access);
  try {
    const { message } = await sendParta(
      call.ctx,
      access,
      call.bot.user_id,
      { clientId: `bot:${crypto.randomUUID()}`, text, ...(replyToId ? { replyToId } : {}), ...(attachments.length ? { attachments } : {}) },
      undefined,
      { botId: call.bot.id, keyboard: keyboard ?? null },
    );
    await audit(call.ctx.db, call.bot.school_id, call.bot.person_id, 'bot.message_sent', { botId: call.bot.id, chatId: access.chat.id, messageId: message.id });
    return presentSent(call, access, message.id);
  } catch (err) {
    mapError(err);
  }
}

// ---- files ----

/** An uploaded part (`attach://name` or the field itself), or a file id the bot may read: stored as a new file in the chat. */
async function inputFile(call: Call, access: ChatAccess, field: string): Promise<string> {
  const value = call.params[field];
  let upload: CallFile | undefined = call.files.get(field);
  if (typeof value === 'string' && value.startsWith('attach://')) upload = call.files.get(value.slice(9));
  if (upload) {
    try {
      const f = await uploadFile(call.ctx, access, call.bot.user_id, {
        filename: upload.filename,
        stream: createReadStream(upload.path),
        truncated: () => false,
      });
      return f.id;
    } catch (err) {
      mapError(err);
    }
  }
  if (typeof value !== 'string' || value === '') throw badRequest(`there is no ${field} in the request`);
  const ref = fileRefOf(value);
  const row = ref ? await readableFile(call.ctx.db, call.bot.user_id, ref).catch(() => null) : null;
  // Parta fetches nothing from the internet: a URL is refused like an unknown file id.
  if (!row) throw badRequest('wrong file identifier/HTTP URL specified');
  const read = await call.ctx.storage.open(row.storage_key);
  if (!read) throw badRequest('wrong file identifier/HTTP URL specified');
  try {
    const f = await uploadFile(call.ctx, access, call.bot.user_id, { filename: row.name, stream: read.body, truncated: () => false });
    return f.id;
  } catch (err) {
    mapError(err);
  }
}

async function sendFile(call: Call, field: 'photo' | 'document') {
  const access = await botChat(call);
  if (!access.canPost) throw badRequest('not enough rights to send documents to the chat');
  const fileId = await inputFile(call, access, field);
  const file = await call.ctx.db.selectFrom('files').select('kind').where('id', '=', fileId).executeTakeFirstOrThrow();
  if (field === 'photo' && file.kind !== 'image') throw badRequest('IMAGE_PROCESS_FAILED');
  const caption = plainText(str(call, 'caption') ?? '', str(call, 'parse_mode'));
  if (caption.length > 1024) throw badRequest('message caption is too long');
  return send(call, access, caption, [fileId]);
}

// ---- the methods ----

const methods: Record<string, Method> = {
  async getMe({ bot }) {
    return {
      id: Number(bot.num),
      is_bot: true,
      first_name: bot.name,
      username: bot.username,
      can_join_groups: false,
      can_read_all_group_messages: !bot.privacy,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
    };
  },

  async logOut() {
    throw badRequest('method not supported');
  },

  async getUpdates(call) {
    const { ctx, bot } = call;
    if (bot.webhook_url) throw conflict("can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
    const allowed = json(call, 'allowed_updates');
    if (allowed !== undefined) await setAllowed(call, allowed);
    const limit = Math.min(Math.max(int(call, 'limit') ?? 100, 1), 100);
    const timeout = Math.min(Math.max(int(call, 'timeout') ?? 0, 0), 50);
    return readUpdates(ctx, bot, { offset: int(call, 'offset') ?? 0, limit, timeoutMs: timeout * 1000, signal: call.signal });
  },

  async setWebhook(call) {
    const { ctx, bot } = call;
    const url = str(call, 'url') ?? '';
    if (url === '') return methods.deleteWebhook!(call);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw badRequest('bad webhook: Failed to resolve host: Name or service not known');
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw badRequest('bad webhook: An HTTPS URL must be provided for webhook');
    const secret = str(call, 'secret_token');
    if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) throw badRequest('secret token contains unallowed characters');
    const max = int(call, 'max_connections') ?? 40;
    if (max < 1 || max > 100) throw badRequest('bad webhook: max_connections must be between 1 and 100');
    const allowed = json(call, 'allowed_updates');
    if (allowed !== undefined) await setAllowed(call, allowed);
    if (bool(call, 'drop_pending_updates')) await ctx.db.deleteFrom('bot_updates').where('bot_id', '=', bot.id).execute();
    await ctx.db
      .updateTable('bots')
      .set({ webhook_url: url, webhook_secret: secret ?? null, webhook_max_connections: max, webhook_last_error: null, webhook_last_error_at: null })
      .where('id', '=', bot.id)
      .execute();
    await audit(ctx.db, bot.school_id, bot.person_id, 'bot.webhook_set', { botId: bot.id, url: `${parsed.protocol}//${parsed.host}` });
    await wakeDelivery(ctx, bot.id);
    return true;
  },

  async deleteWebhook(call) {
    const { ctx, bot } = call;
    if (bool(call, 'drop_pending_updates')) await ctx.db.deleteFrom('bot_updates').where('bot_id', '=', bot.id).execute();
    await ctx.db.updateTable('bots').set({ webhook_url: null, webhook_secret: null }).where('id', '=', bot.id).execute();
    if (bot.webhook_url) await audit(ctx.db, bot.school_id, bot.person_id, 'bot.webhook_deleted', { botId: bot.id });
    return true;
  },

  async getWebhookInfo({ ctx, bot }) {
    const pending = await ctx.db
      .selectFrom('bot_updates')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('bot_id', '=', bot.id)
      .executeTakeFirstOrThrow();
    const info: Record<string, unknown> = { url: bot.webhook_url ?? '', has_custom_certificate: false, pending_update_count: Number(pending.n) };
    if (bot.webhook_url) info.max_connections = bot.webhook_max_connections;
    if (bot.webhook_last_error_at) {
      info.last_error_date = Math.floor(bot.webhook_last_error_at.getTime() / 1000);
      info.last_error_message = bot.webhook_last_error ?? '';
    }
    if (Array.isArray(bot.allowed_updates)) info.allowed_updates = bot.allowed_updates;
    return info;
  },

  async sendMessage(call) {
    const access = await botChat(call);
    const raw = str(call, 'text');
    if (raw === undefined || raw.trim() === '') throw badRequest('message text is empty');
    const text = plainText(raw, str(call, 'parse_mode'));
    if (text.length > 4096) throw badRequest('message is too long');
    if (text.trim() === '') throw badRequest('message text is empty');
    return send(call, access, text);
  },

  async editMessageText(call) {
    if (call.params.inline_message_id !== undefined) throw badRequest('method not supported');
    const access = await botChat(call);
    const row = await messageBySeq(call, access, int(call, 'message_id'), 'message to edit not found');
    if (row.author_user_id !== call.bot.user_id) throw badRequest("message can't be edited");
    const raw = str(call, 'text');
    if (raw === undefined || raw.trim() === '') throw badRequest('message text is empty');
    const text = plainText(raw, str(call, 'parse_mode'));
    if (text.length > 4096) throw badRequest('message is too long');
    const keyboard = parseKeyboard(call);
    const before = await call.ctx.db.selectFrom('bot_markup').select('markup').where('message_id', '=', row.id).executeTakeFirst();
    const sameMarkup = keyboard === undefined ? true : JSON.stringify(keyboard ?? null) === JSON.stringify(before?.markup ?? null);
    // Telegram's answer to an edit that changes nothing.
    if (text === row.text && sameMarkup)
      throw badRequest(
        'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
      );
    // An edit without reply_markup drops the keyboard, as in Telegram.
    if (keyboard) {
      await call.ctx.db
        .insertInto('bot_markup')
        .values({ message_id: row.id, bot_id: call.bot.id, markup: JSON.stringify(keyboard) })
        .onConflict((oc) => oc.column('message_id').doUpdateSet({ markup: JSON.stringify(keyboard) }))
        .execute();
    } else {
      await call.ctx.db.deleteFrom('bot_markup').where('message_id', '=', row.id).execute();
    }
    try {
      await editMessage(call.ctx, access, row.id, text);
    } catch (err) {
      mapError(err);
    }
    await audit(call.ctx.db, call.bot.school_id, call.bot.person_id, 'bot.message_edited', { botId: call.bot.id, chatId: access.chat.id, messageId: row.id });
    return presentSent(call, access, row.id);
  },

  async deleteMessage(call) {
    const access = await botChat(call);
    const row = await messageBySeq(call, access, int(call, 'message_id'), 'message to delete not found');
    if (row.author_user_id !== call.bot.user_id && !access.isModerator) throw badRequest("message can't be deleted");
    try {
      await deleteParta(call.ctx, access, row.id);
    } catch (err) {
      mapError(err);
    }
    await audit(call.ctx.db, call.bot.school_id, call.bot.person_id, 'bot.message_deleted', { botId: call.bot.id, chatId: access.chat.id, messageId: row.id });
    return true;
  },

  async sendPhoto(call) {
    return sendFile(call, 'photo');
  },

  async sendDocument(call) {
    return sendFile(call, 'document');
  },

  async getFile(call) {
    const fileId = required(str(call, 'file_id'), 'file_id');
    const ref = fileRefOf(fileId);
    const row = ref ? await readableFile(call.ctx.db, call.bot.user_id, ref).catch(() => null) : null;
    if (!row) throw badRequest('invalid file_id');
    return { file_id: fileIdOf(row.id), file_unique_id: row.id.replace(/-/g, '').slice(0, 16), file_size: Number(row.size), file_path: `files/${row.id}` };
  },

  async answerCallbackQuery(call) {
    const { ctx, bot } = call;
    const id = required(str(call, 'callback_query_id'), 'callback_query_id');
    const text = str(call, 'text') ?? null;
    if (text && text.length > 200) throw badRequest('MESSAGE_TOO_LONG');
    const url = str(call, 'url') ?? null;
    if (url && !/^https?:\/\//i.test(url)) throw badRequest('URL_INVALID');
    const n = /^\d{1,18}$/.test(id) ? Number(id) : 0;
    const q = n ? await ctx.db.selectFrom('bot_callbacks').selectAll().where('id', '=', n).where('bot_id', '=', bot.id).executeTakeFirst() : undefined;
    // Telegram gives a query a short while to be answered, once.
    if (!q || q.answered_at || Date.now() - q.created_at.getTime() > 15 * 60_000)
      throw badRequest('query is too old and response timeout expired or query ID is invalid');
    await withOutbox(ctx, async (trx, outbox) => {
      await trx.updateTable('bot_callbacks').set({ answered_at: new Date() }).where('id', '=', n).execute();
      outbox.user(q.user_id, { type: 'bot.callback_answer', chatId: q.chat_id, messageId: q.message_id, text, showAlert: bool(call, 'show_alert'), url });
    });
    await audit(ctx.db, bot.school_id, bot.person_id, 'bot.callback_answered', { botId: bot.id, callbackQueryId: id });
    return true;
  },

  async setMyCommands(call) {
    const commands = json(call, 'commands');
    if (!Array.isArray(commands)) throw badRequest('field "commands" must be an Array');
    if (commands.length > 100) throw badRequest('BOT_COMMANDS_TOO_MUCH');
    const clean = commands.map((c) => {
      const cmd = c as { command?: unknown; description?: unknown };
      if (typeof cmd.command !== 'string' || !/^[a-z0-9_]{1,32}$/.test(cmd.command.replace(/^\//, '').toLowerCase())) throw badRequest('BOT_COMMAND_INVALID');
      if (typeof cmd.description !== 'string' || cmd.description.length < 1 || cmd.description.length > 256)
        throw badRequest('BOT_COMMAND_DESCRIPTION_INVALID');
      return { command: cmd.command.replace(/^\//, '').toLowerCase(), description: cmd.description };
    });
    await call.ctx.db
      .updateTable('bots')
      .set({ commands: JSON.stringify(clean) })
      .where('id', '=', call.bot.id)
      .execute();
    await audit(call.ctx.db, call.bot.school_id, call.bot.person_id, 'bot.commands_set', { botId: call.bot.id, count: clean.length });
    return true;
  },

  async getMyCommands({ bot }) {
    return bot.commands ?? [];
  },

  async deleteMyCommands(call) {
    await call.ctx.db.updateTable('bots').set({ commands: '[]' }).where('id', '=', call.bot.id).execute();
    await audit(call.ctx.db, call.bot.school_id, call.bot.person_id, 'bot.commands_set', { botId: call.bot.id, count: 0 });
    return true;
  },

  async getChat(call) {
    const access = await botChat(call);
    const chat = await tgChatOf(call.ctx.db, call.bot, access.chat);
    return { ...chat, accent_color_id: 0, max_reaction_count: 11 };
  },

  async getChatMemberCount(call) {
    const access = await botChat(call);
    const n = await call.ctx.db
      .selectFrom('chat_members')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('chat_id', '=', access.chat.id)
      .where('left_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(n.n);
  },

  async getChatMember(call) {
    const { ctx } = call;
    const access = await botChat(call);
    const num = required(int(call, 'user_id'), 'user_id');
    const userId = await refOf(ctx.db, num, 'user');
    if (!userId) throw badRequest('user not found');
    const member = await ctx.db
      .selectFrom('chat_members')
      .select(['role', 'left_at', 'person_id'])
      .where('chat_id', '=', access.chat.id)
      .where('user_id', '=', userId)
      .orderBy('joined_at', 'desc')
      .executeTakeFirst();
    // Someone who never was in the chat is "not found", as in Telegram; who left is "left".
    if (!member) throw badRequest('PARTICIPANT_ID_INVALID');
    const user = await tgUserOf(ctx.db, userId);
    if (!user) throw badRequest('user not found');
    if (member.left_at) return { status: 'left', user };
    if (access.chat.created_by === member.person_id) return { status: 'creator', user, is_anonymous: false };
    if (member.role === 'moderator') {
      return {
        status: 'administrator',
        user,
        can_be_edited: false,
        is_anonymous: false,
        can_manage_chat: true,
        can_delete_messages: true,
        can_manage_video_chats: false,
        can_restrict_members: false,
        can_promote_members: false,
        can_change_info: false,
        can_invite_users: false,
        can_post_stories: false,
        can_edit_stories: false,
        can_delete_stories: false,
      };
    }
    return { status: 'member', user };
  },
};

/**
 * Parta's own methods, for the school's assistant alone (any other bot: "method not supported"):
 * the school's FAQ, and a request to the school admin from the account of a private chat.
 */
const helperMethods: Record<string, Method> = {
  async partaGetFaq({ ctx, bot }) {
    return listFaq(ctx.db, bot.school_id);
  },
  async partaCreateRequest(call) {
    const access = await botChat(call);
    if (access.chat.kind !== 'direct') throw chatNotFound();
    const kind = str(call, 'kind');
    if (kind !== 'child_on_my_phone' && kind !== 'phone_changed' && kind !== 'question') throw badRequest('kind is invalid');
    const phone = str(call, 'new_phone') ?? null;
    if (kind !== 'question' && !phone) throw badRequest('new_phone is empty');
    try {
      const id = await createRequest(call.ctx, call.bot, access.chat.id, { kind, text: str(call, 'text') ?? '', newPhone: phone });
      return { request_id: id };
    } catch (err) {
      if (err instanceof AppError && err.code.startsWith('phone')) throw badRequest('PHONE_NUMBER_INVALID');
      mapError(err);
    }
  },
};

async function setAllowed(call: Call, allowed: unknown) {
  if (!Array.isArray(allowed) || allowed.some((a) => typeof a !== 'string')) throw badRequest('field "allowed_updates" must be an Array of Strings');
  // An empty list means "every type but the opt-in ones", as in Telegram.
  const list = (allowed as string[]).filter((a) => (UPDATE_TYPES as readonly string[]).includes(a));
  await call.ctx.db
    .updateTable('bots')
    .set({ allowed_updates: allowed.length ? JSON.stringify(list) : null })
    .where('id', '=', call.bot.id)
    .execute();
  call.bot.allowed_updates = allowed.length ? list : null;
}

/** Runs one method; a method Parta has no equivalent for is refused plainly. */
export async function runMethod(call: Call, name: string): Promise<unknown> {
  let method = Object.hasOwn(methods, name) ? methods[name] : Object.hasOwn(methods, lowerFirst(name)) ? methods[lowerFirst(name)] : undefined;
  if (!method && call.bot.kind === 'helper' && Object.hasOwn(helperMethods, name)) method = helperMethods[name];
  if (!method) throw badRequest('method not supported');
  return method(call);
}

// Telegram's method names are case-insensitive.
const byLower = new Map(Object.keys(methods).map((k) => [k.toLowerCase(), k]));
function lowerFirst(name: string): string {
  return byLower.get(name.toLowerCase()) ?? name;
}

export { methods as botMethods, tgKeyboard };
