import { sql } from 'kysely';
import type { MessageEntity } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import type { Tx } from '../db/schema.ts';
import type { PubSub } from '../realtime/pubsub.ts';
import { MESSAGE_COLUMNS } from '../messaging/present.ts';
import { conflict } from './errors.ts';
import { numberOf } from './ids.ts';
import { textEntities, tgChatOf, tgMessageOf, tgUserOf } from './present.ts';
import type { BotRow } from './store.ts';

/**
 * Each bot's queue of updates (docs/subsystems/bots.md). The bot worker follows the update
 * stream (as the notification worker does) and turns the events a bot may see into rows of
 * `bot_updates` with the bot's next `update_id`, in the same transaction that moves its cursor.
 * getUpdates reads and confirms them; with a webhook, the worker posts them one by one.
 */

export const UPDATE_TYPES = ['message', 'edited_message', 'callback_query', 'my_chat_member'] as const;
type UpdateType = (typeof UPDATE_TYPES)[number];

/** Wakes long polls and webhook delivery of a bot in every process: `{"botId":…}`. */
export const BOT_TOPIC = 'bots.updates';

const STREAM_TYPES = ['message.new', 'message.edited'];
const USER_TYPES = ['chat.added', 'chat.removed', 'bot.callback_query'];

async function enqueue(trx: Tx, bot: Pick<BotRow, 'id' | 'allowed_updates'>, type: UpdateType, payload: object): Promise<boolean> {
  const allowed = Array.isArray(bot.allowed_updates) ? (bot.allowed_updates as string[]) : null;
  if (allowed && !allowed.includes(type)) return false;
  const next = await trx
    .updateTable('bots')
    .set((eb) => ({ last_update_id: eb('last_update_id', '+', 1) }))
    .where('id', '=', bot.id)
    .returning('last_update_id')
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('bot_updates')
    .values({ bot_id: bot.id, update_id: Number(next.last_update_id), type, payload: JSON.stringify({ [type]: payload }) })
    .execute();
  return true;
}

/**
 * Privacy mode: in a group a bot sees commands, mentions of it and replies to its messages;
 * with privacy off (shown to the chat's members), everything. In a private chat, everything.
 */
export function addressedTo(
  bot: Pick<BotRow, 'username' | 'person_id' | 'privacy'>,
  m: { text: string; entities: MessageEntity[]; replyToBot: boolean },
  direct: boolean,
): boolean {
  if (direct || !bot.privacy || m.replyToBot) return true;
  const name = bot.username.toLowerCase();
  for (const e of textEntities(m.text, [])) {
    const part = m.text.slice(e.offset, e.offset + e.length).toLowerCase();
    if (e.type === 'bot_command' && (!part.includes('@') || part.endsWith(`@${name}`))) return true;
    if (e.type === 'mention' && part === `@${name}`) return true;
  }
  return m.entities.some((e) => e.type === 'mention' && e.personId === bot.person_id);
}

/** One pass over the stream after the cursor: returns how many events were read and which bots got updates. */
export async function expandOnce(ctx: AppContext, limit = 200): Promise<{ events: number; bots: Set<string> }> {
  const touched = new Set<string>();
  const events = await ctx.db.transaction().execute(async (trx) => {
    const cur = await sql<{ pos: string | number }>`SELECT pos FROM bot_cursor WHERE id = 1 FOR UPDATE`.execute(trx);
    const state = await trx.selectFrom('stream_state').select(['head', 'floor']).where('id', '=', 1).executeTakeFirstOrThrow();
    const head = Number(state.head);
    if (cur.rows.length === 0) {
      await trx
        .insertInto('bot_cursor')
        .values({ id: 1, pos: head })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
      return 0;
    }
    const from = Math.max(Number(cur.rows[0]!.pos), Number(state.floor));
    if (from >= head) return 0;
    const bots = await trx.selectFrom('bots').selectAll().execute();
    if (bots.length === 0) {
      await trx.updateTable('bot_cursor').set({ pos: head }).where('id', '=', 1).execute();
      return 0;
    }
    const botUsers = bots.map((b) => b.user_id);
    const botPersons = bots.map((b) => b.person_id);
    const rows = await sql<{ pos: string | number; chat_id: string | null; user_id: string | null; type: string; payload: unknown }>`
      (SELECT e.pos, e.chat_id::text AS chat_id, NULL::text AS user_id, e.type, e.payload FROM chat_events e
        WHERE e.pos > ${from} AND e.pos <= ${head} AND e.type = ANY(${STREAM_TYPES}::text[])
          AND e.chat_id IN (SELECT m.chat_id FROM chat_members m WHERE m.person_id = ANY(${botPersons}::uuid[]) AND m.left_at IS NULL)
        ORDER BY e.pos LIMIT ${limit})
      UNION ALL
      (SELECT u.pos, NULL::text, u.user_id::text, u.type, u.payload FROM user_events u
        WHERE u.pos > ${from} AND u.pos <= ${head} AND u.type = ANY(${USER_TYPES}::text[]) AND u.user_id = ANY(${botUsers}::uuid[])
        ORDER BY u.pos LIMIT ${limit})
      ORDER BY pos LIMIT ${limit}`.execute(trx);
    const cursor = rows.rows.length === limit ? Number(rows.rows[rows.rows.length - 1]!.pos) : head;
    for (const r of rows.rows) {
      const payload = (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as Record<string, unknown>;
      if (r.chat_id) {
        const message = payload.message as { id: string } | undefined;
        if (!message) continue;
        const row = await trx.selectFrom('messages').select(MESSAGE_COLUMNS).where('id', '=', message.id).executeTakeFirst();
        const chat = await trx.selectFrom('chats').select(['id', 'kind', 'title']).where('id', '=', r.chat_id).executeTakeFirst();
        if (!row || !chat || row.deleted_at) continue;
        const members = await trx
          .selectFrom('chat_members')
          .select('person_id')
          .where('chat_id', '=', chat.id)
          .where('left_at', 'is', null)
          .where('person_id', 'in', botPersons)
          .execute();
        const replyTo = row.reply_to_id
          ? await trx.selectFrom('messages').select('author_user_id').where('id', '=', row.reply_to_id).executeTakeFirst()
          : undefined;
        for (const bot of bots.filter((b) => members.some((m) => m.person_id === b.person_id))) {
          if (row.author_user_id === bot.user_id) continue;
          if (
            !addressedTo(
              bot,
              { text: row.text, entities: row.entities as MessageEntity[], replyToBot: replyTo?.author_user_id === bot.user_id },
              chat.kind === 'direct',
            )
          )
            continue;
          const tg = await tgMessageOf(trx, bot, row, chat);
          if (await enqueue(trx, bot, r.type === 'message.new' ? 'message' : 'edited_message', tg)) touched.add(bot.id);
        }
      } else if (r.user_id) {
        const bot = bots.find((b) => b.user_id === r.user_id)!;
        if (r.type === 'bot.callback_query') {
          const row = await trx
            .selectFrom('messages')
            .select(MESSAGE_COLUMNS)
            .where('id', '=', payload.messageId as string)
            .executeTakeFirst();
          const chat = await trx
            .selectFrom('chats')
            .select(['id', 'kind', 'title'])
            .where('id', '=', payload.chatId as string)
            .executeTakeFirst();
          const from = await tgUserOf(trx, payload.fromUserId as string);
          if (!row || !chat || !from) continue;
          const query = {
            id: String(payload.callbackId),
            from,
            message: await tgMessageOf(trx, bot, row, chat),
            chat_instance: String(await numberOf(trx, chat.id, 'chat')),
            data: String(payload.data),
          };
          if (await enqueue(trx, bot, 'callback_query', query)) touched.add(bot.id);
        } else {
          const chatId = payload.chatId as string;
          const chat = await trx.selectFrom('chats').select(['id', 'kind', 'title']).where('id', '=', chatId).executeTakeFirst();
          // Private chats with the school's assistant are made by Parta for every account: no update for those.
          if (!chat || chat.kind === 'direct') continue;
          const me = (await tgUserOf(trx, bot.user_id))!;
          const actor = await trx
            .selectFrom('school_audit_log')
            .innerJoin('persons', 'persons.id', 'school_audit_log.actor_person_id')
            .select('persons.user_id')
            .where('school_audit_log.school_id', '=', bot.school_id)
            .where('school_audit_log.action', '=', 'bot.chats_set')
            .where(sql<boolean>`school_audit_log.details->>'botId' = ${bot.id}`)
            .orderBy('school_audit_log.created_at', 'desc')
            .executeTakeFirst();
          const from = actor?.user_id ? ((await tgUserOf(trx, actor.user_id)) ?? me) : me;
          const added = r.type === 'chat.added';
          const status = chat.kind.endsWith('channel') ? 'administrator' : 'member';
          const left = { status: 'left', user: me };
          const member =
            status === 'administrator'
              ? { status, user: me, can_be_edited: false, is_anonymous: false, can_manage_chat: true, can_delete_messages: true, can_post_messages: true }
              : { status, user: me };
          const update = {
            chat: await tgChatOf(trx, bot, chat),
            from,
            date: Math.floor(Date.now() / 1000),
            old_chat_member: added ? left : member,
            new_chat_member: added ? member : left,
          };
          if (await enqueue(trx, bot, 'my_chat_member', update)) touched.add(bot.id);
        }
      }
    }
    await trx.updateTable('bot_cursor').set({ pos: cursor }).where('id', '=', 1).execute();
    return rows.rows.length;
  });
  return { events, bots: touched };
}

// ---- long polling ----

const waiters = new WeakMap<PubSub, Map<string, Set<() => void>>>();
const polls = new WeakMap<PubSub, Map<string, (err: Error | null) => void>>();

const closing = new WeakSet<PubSub>();

/**
 * The server is shutting down: every waiting getUpdates answers now with what it has, and later
 * ones do not wait, so no long poll holds the shutdown for its time-out.
 */
export function endPolls(ctx: AppContext): void {
  closing.add(ctx.pubsub);
  for (const end of polls.get(ctx.pubsub)?.values() ?? []) end(null);
}

/** Wakes this process's long polls of the bot (the worker calls it for every process's news). */
export function wakeLocal(pubsub: PubSub, botId: string): void {
  const set = waiters.get(pubsub)?.get(botId);
  if (set) for (const w of [...set]) w();
}

export async function wakeDelivery(ctx: AppContext, botId: string): Promise<void> {
  try {
    await ctx.pubsub.publish(BOT_TOPIC, JSON.stringify({ botId }));
  } catch (err) {
    ctx.log.warn({ err }, 'publishing a bot wake-up failed');
  }
}

function waitFor(pubsub: PubSub, botId: string, ms: number, signal?: AbortSignal): Promise<void> {
  let map = waiters.get(pubsub);
  if (!map) waiters.set(pubsub, (map = new Map()));
  let set = map.get(botId);
  if (!set) map.set(botId, (set = new Set()));
  const s = set;
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      s.delete(done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    s.add(done);
    signal?.addEventListener('abort', done);
  });
}

/**
 * getUpdates: confirms the updates below `offset`, then returns those from it on, waiting up to
 * the time-out for one to come. A second poll of the same bot ends the first with 409, as Telegram does.
 */
export async function readUpdates(ctx: AppContext, bot: BotRow, o: { offset: number; limit: number; timeoutMs: number; signal?: AbortSignal }) {
  let byBot = polls.get(ctx.pubsub);
  if (!byBot) polls.set(ctx.pubsub, (byBot = new Map()));
  byBot.get(bot.id)?.(conflict('terminated by other getUpdates request; make sure that only one bot instance is running'));
  let superseded: Error | null = null;
  const inner = new AbortController();
  const mine = (err: Error | null) => {
    superseded = err;
    inner.abort();
  };
  byBot.set(bot.id, mine);
  o.signal?.addEventListener('abort', () => inner.abort());
  try {
    let from = o.offset;
    if (o.offset > 0) {
      await ctx.db.deleteFrom('bot_updates').where('bot_id', '=', bot.id).where('update_id', '<', o.offset).execute();
    } else if (o.offset < 0) {
      // A negative offset: the last |offset| updates; the ones before them are forgotten.
      const last = await ctx.db
        .selectFrom('bot_updates')
        .select('update_id')
        .where('bot_id', '=', bot.id)
        .orderBy('update_id', 'desc')
        .limit(-o.offset)
        .execute();
      from = last.length ? Number(last[last.length - 1]!.update_id) : 0;
      if (from > 0) await ctx.db.deleteFrom('bot_updates').where('bot_id', '=', bot.id).where('update_id', '<', from).execute();
    }
    const deadline = closing.has(ctx.pubsub) ? 0 : Date.now() + o.timeoutMs;
    for (;;) {
      const rows = await ctx.db
        .selectFrom('bot_updates')
        .select(['update_id', 'payload'])
        .where('bot_id', '=', bot.id)
        .where('update_id', '>=', from)
        .orderBy('update_id')
        .limit(o.limit)
        .execute();
      if (superseded) throw superseded;
      if (rows.length > 0)
        return rows.map((r) => ({ update_id: Number(r.update_id), ...(typeof r.payload === 'string' ? JSON.parse(r.payload) : (r.payload as object)) }));
      const left = deadline - Date.now();
      if (left <= 0 || inner.signal.aborted) {
        if (superseded) throw superseded;
        return [];
      }
      await waitFor(ctx.pubsub, bot.id, Math.min(left, 5_000), inner.signal);
    }
  } finally {
    if (byBot.get(bot.id) === mine) byBot.delete(bot.id);
  }
}
