import crypto from 'node:crypto';
import type { z } from 'zod';
import type { CreateBotBody, UpdateBotBody } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import type { Tx } from '../db/schema.ts';
import type { SchoolAccess } from '../directory/access.ts';
import { AppError } from '../http/errors.ts';
import { syncMembers } from '../messaging/members.ts';
import { withOutbox } from '../stream/transaction.ts';
import { setProfilePhoto } from '../identity/photo.ts';
import { numberOf } from './ids.ts';
import { audit, hashToken, newToken, presentBot, type BotRow } from './store.ts';

/**
 * The school admin's side of bots: a bot is an account of the school (a `users` row that cannot
 * sign in, and a roster person with the role `bot`), reached with a token shown once.
 */

export async function getBot(ctx: AppContext, schoolId: string, botId: string): Promise<BotRow> {
  const row = /^[0-9a-f-]{36}$/i.test(botId)
    ? await ctx.db.selectFrom('bots').selectAll().where('id', '=', botId).where('school_id', '=', schoolId).executeTakeFirst()
    : undefined;
  if (!row) throw new AppError('bot_not_found', 404);
  return row;
}

export async function listBots(ctx: AppContext, schoolId: string) {
  const rows = await ctx.db.selectFrom('bots').selectAll().where('school_id', '=', schoolId).orderBy('created_at').execute();
  return Promise.all(rows.map((r) => presentBot(ctx.db, r)));
}

/** Makes the bot's account, roster person and number, inside the caller's transaction. */
export async function insertBot(
  trx: Tx,
  schoolId: string,
  o: { username: string; name: string; description: string; commands: unknown[]; kind: 'custom' | 'helper'; createdBy: string | null },
): Promise<BotRow> {
  const user = await trx
    .insertInto('users')
    .values({ phone: `bot:${crypto.randomUUID()}`, first_name: o.name, locale: 'ru' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const person = await trx
    .insertInto('persons')
    // The role `bot` is outside the roster's roles (SchoolRole): the migration allows it for bots alone.
    .values({ school_id: schoolId, last_name: o.name, first_name: '', roles: ['bot'] as never, user_id: user.id, linked_at: new Date() })
    .returning('id')
    .executeTakeFirstOrThrow();
  const num = await numberOf(trx, user.id, 'user');
  return trx
    .insertInto('bots')
    .values({
      school_id: schoolId,
      user_id: user.id,
      person_id: person.id,
      num,
      username: o.username,
      name: o.name,
      description: o.description,
      commands: JSON.stringify(o.commands),
      kind: o.kind,
      created_by: o.createdBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

const botUsername = (u: string) => (/bot$/i.test(u) ? u : `${u}_bot`);

export async function createBot(ctx: AppContext, access: SchoolAccess, body: z.infer<typeof CreateBotBody>) {
  const username = botUsername(body.username);
  const taken = await ctx.db
    .selectFrom('bots')
    .select('id')
    .where((eb) => eb(eb.fn('lower', ['username']), '=', username.toLowerCase()))
    .executeTakeFirst();
  if (taken) throw new AppError('bot_username_taken', 409);
  const { bot, token } = await ctx.db.transaction().execute(async (trx) => {
    const bot = await insertBot(trx, access.schoolId, {
      username,
      name: body.name,
      description: body.description,
      commands: body.commands,
      kind: 'custom',
      createdBy: access.person.id,
    });
    const token = await issueToken(trx, ctx.secret, bot);
    await audit(trx, access.schoolId, access.person.id, 'bot.created', { botId: bot.id, username });
    return { bot: { ...bot, token_hash: hashToken(ctx.secret, token), token_issued_at: new Date() }, token };
  });
  return { bot: await presentBot(ctx.db, bot), token };
}

async function issueToken(trx: Tx, secret: string, bot: BotRow): Promise<string> {
  const token = newToken(Number(bot.num));
  await trx
    .updateTable('bots')
    .set({ token_hash: hashToken(secret, token), token_issued_at: new Date() })
    .where('id', '=', bot.id)
    .execute();
  return token;
}

/** A new token: the old one stops working at once. */
export async function reissueToken(ctx: AppContext, access: SchoolAccess, botId: string): Promise<string> {
  const bot = await getBot(ctx, access.schoolId, botId);
  // The assistant's token is Parta's own while it runs inside the server.
  if (bot.kind === 'helper' && ctx.config.helperBot !== 'process') throw new AppError('forbidden', 403);
  return ctx.db.transaction().execute(async (trx) => {
    const token = await issueToken(trx, ctx.secret, bot);
    await audit(trx, access.schoolId, access.person.id, 'bot.token_issued', { botId });
    return token;
  });
}

/** Revokes the token: every request with it is refused from now on (the lookup is by its hash). */
export async function revokeToken(ctx: AppContext, access: SchoolAccess, botId: string): Promise<void> {
  const bot = await getBot(ctx, access.schoolId, botId);
  if (bot.kind === 'helper' && ctx.config.helperBot !== 'process') throw new AppError('forbidden', 403);
  await ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('bots').set({ token_hash: null, token_issued_at: null, webhook_url: null, webhook_secret: null }).where('id', '=', botId).execute();
    await audit(trx, access.schoolId, access.person.id, 'bot.token_revoked', { botId });
  });
}

export async function updateBot(ctx: AppContext, access: SchoolAccess, botId: string, body: z.infer<typeof UpdateBotBody>) {
  const bot = await getBot(ctx, access.schoolId, botId);
  const row = await ctx.db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('bots')
      .set({
        name: body.name ?? bot.name,
        description: body.description ?? bot.description,
        commands: body.commands ? JSON.stringify(body.commands) : JSON.stringify(bot.commands),
        privacy: body.privacy ?? bot.privacy,
      })
      .where('id', '=', botId)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (body.name && body.name !== bot.name) {
      await trx.updateTable('persons').set({ last_name: body.name }).where('id', '=', bot.person_id).execute();
      await trx.updateTable('users').set({ first_name: body.name }).where('id', '=', bot.user_id).execute();
    }
    await audit(trx, access.schoolId, access.person.id, 'bot.updated', { botId, ...body });
    return updated;
  });
  return presentBot(ctx.db, row);
}

export async function setBotPhoto(ctx: AppContext, access: SchoolAccess, botId: string, input: Buffer) {
  const bot = await getBot(ctx, access.schoolId, botId);
  await setProfilePhoto(ctx, bot.user_id, input);
  await audit(ctx.db, access.schoolId, access.person.id, 'bot.photo_set', { botId });
  return presentBot(ctx.db, await getBot(ctx, access.schoolId, botId));
}

/**
 * The chats the bot is in become exactly `chatIds` (chats of the school, not direct ones). The bot
 * joins as a member (a moderator in channels, where only moderators post); each join and leave is
 * a `my_chat_member` update for the bot and a member event for the chat.
 */
export async function setBotChats(ctx: AppContext, access: SchoolAccess, botId: string, chatIds: string[]) {
  const bot = await getBot(ctx, access.schoolId, botId);
  const ids = [...new Set(chatIds)];
  const chats = ids.length
    ? await ctx.db.selectFrom('chats').selectAll().where('id', 'in', ids).where('school_id', '=', access.schoolId).where('archived_at', 'is', null).execute()
    : [];
  if (chats.length !== ids.length || chats.some((c) => c.kind === 'direct')) throw new AppError('bot_chat_not_allowed', 400);
  const person = await ctx.db.selectFrom('persons').selectAll().where('id', '=', bot.person_id).executeTakeFirstOrThrow();
  await withOutbox(ctx, async (trx, outbox) => {
    const current = await trx
      .selectFrom('chat_members')
      .innerJoin('chats', 'chats.id', 'chat_members.chat_id')
      .select('chats.id')
      .where('chat_members.person_id', '=', bot.person_id)
      .where('chat_members.left_at', 'is', null)
      .where('chats.kind', '!=', 'direct')
      .execute();
    const only = new Set([bot.person_id]);
    const touched = new Set([...current.map((c) => c.id), ...ids]);
    for (const chatId of [...touched].sort()) {
      const chat = await trx.selectFrom('chats').selectAll().where('id', '=', chatId).forNoKeyUpdate().executeTakeFirstOrThrow();
      const wanted = ids.includes(chatId)
        ? [{ person: { ...person, user_id: bot.user_id }, role: (chat.kind.endsWith('channel') ? 'moderator' : 'member') as 'member' | 'moderator' }]
        : [];
      await syncMembers(trx, outbox, { ...chat, last_seq: Number(chat.last_seq) }, wanted, only);
    }
    await audit(trx, access.schoolId, access.person.id, 'bot.chats_set', { botId, chatIds: ids });
  });
  return presentBot(ctx.db, bot);
}

/** Bots in a chat, for its members: privacy off is shown, since such a bot reads every message. */
export async function chatBots(ctx: AppContext, chatId: string) {
  const rows = await ctx.db
    .selectFrom('chat_members')
    .innerJoin('bots', 'bots.person_id', 'chat_members.person_id')
    .select(['bots.person_id', 'bots.name', 'bots.username', 'bots.privacy'])
    .where('chat_members.chat_id', '=', chatId)
    .where('chat_members.left_at', 'is', null)
    .execute();
  return rows.map((r) => ({ personId: r.person_id, name: r.name, username: r.username, readsAll: !r.privacy }));
}
