import { sql } from 'kysely';
import type { Update } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import type { Db, Queryable, Tx } from '../db/schema.ts';
import type { PubSub } from '../realtime/pubsub.ts';

/**
 * The resumable per-user update stream.
 *
 * Each event is one row: a chat event (`chat_events`, read by every member of the chat) or a
 * user event (`user_events`, for one account). Both share one position space, taken from the
 * counter row `stream_state.head` at the end of the writing transaction. The row lock is held to
 * commit, so positions become visible in order and without gaps: a reader that has seen position
 * P has seen every event below P. See docs/subsystems/sync.md.
 */

type Body<T> = T extends unknown ? Omit<T, 'pos'> : never;
export type UpdateBody = Body<Update>;

interface PendingChat {
  kind: 'chat';
  chatId: string;
  body: UpdateBody;
}
interface PendingUser {
  kind: 'user';
  userId: string;
  body: UpdateBody;
}
type Pending = PendingChat | PendingUser;

/**
 * The pub/sub topic that wakes every process's stream tailer (realtime/tailer.ts) after a commit.
 * Its message is `{"pos":N}`, the highest position committed: the updates themselves are read
 * from the tables, in position order, never taken from pub/sub.
 */
export const STREAM_TOPIC = 'stream';

/** Tells every process that positions up to `pos` are committed. A hint: the tables are the truth. */
export async function publishCommitted(ctx: AppContext, pos: number): Promise<void> {
  try {
    await ctx.pubsub.publish(STREAM_TOPIC, `{"pos":${pos}}`);
  } catch (err) {
    // The events are stored: tailers poll, and clients catch up through readStream.
    ctx.log.warn({ err }, 'publishing a stream wake-up failed');
  }
}

/** A committed event as the stream tailer reads it (realtime/tailer.ts). */
export interface CommittedEvent {
  pos: number;
  chat_id: string | null;
  user_id: string | null;
  type: string;
  payload: Record<string, unknown>;
}

const localListeners = new WeakMap<PubSub, Set<(events: CommittedEvent[]) => void>>();

/**
 * Hands events this process has just committed to its own stream tailer, so that it need not
 * read them back (it still reads whatever it has not been handed, in position order).
 * Keyed by the context's pub/sub, which the writer and the tailer share.
 */
export function offerCommitted(pubsub: PubSub, events: CommittedEvent[]): void {
  for (const l of localListeners.get(pubsub) ?? []) l(events);
}

export function onCommitted(pubsub: PubSub, listener: (events: CommittedEvent[]) => void): () => void {
  let set = localListeners.get(pubsub);
  if (!set) localListeners.set(pubsub, (set = new Set()));
  set.add(listener);
  return () => set.delete(listener);
}

/** Events of one transaction: collected while it runs, written by `flush` as its last step, published after commit. */
export class Outbox {
  private pending: Pending[] = [];
  /** The highest position written, published after commit. */
  private written = 0;

  chat(chatId: string, body: UpdateBody): void {
    this.pending.push({ kind: 'chat', chatId, body });
  }

  user(userId: string, body: UpdateBody): void {
    this.pending.push({ kind: 'user', userId, body });
  }

  get size(): number {
    return this.pending.length;
  }

  /**
   * Takes positions and writes the rows, in one statement: the counter row is locked from here to
   * commit, so this is the only part of a write that runs one at a time across the whole
   * deployment. Call it last in the transaction.
   */
  async flush(trx: Tx): Promise<{ from: number; to: number } | null> {
    const n = this.pending.length;
    if (n === 0) return null;
    // Each event's offset in the transaction's block of positions, split by table.
    const chatRows: { i: number; chat_id: string; type: string; payload: object }[] = [];
    const userRows: { i: number; user_id: string; type: string; payload: object }[] = [];
    this.pending.forEach((p, i) => {
      const { type, ...payload } = p.body;
      if (p.kind === 'chat') chatRows.push({ i, chat_id: p.chatId, type, payload });
      else userRows.push({ i, user_id: p.userId, type, payload });
    });
    const res = await sql<{ head: string | number }>`
      WITH h AS (UPDATE stream_state SET head = head + ${n} WHERE id = 1 RETURNING head),
      c AS (
        INSERT INTO chat_events (pos, chat_id, type, payload)
        SELECT h.head - ${n} + 1 + x.i, x.chat_id, x.type, x.payload
        FROM h, jsonb_to_recordset(${JSON.stringify(chatRows)}::jsonb) AS x(i int, chat_id uuid, type text, payload jsonb)
      ),
      u AS (
        INSERT INTO user_events (pos, user_id, type, payload)
        SELECT h.head - ${n} + 1 + x.i, x.user_id, x.type, x.payload
        FROM h, jsonb_to_recordset(${JSON.stringify(userRows)}::jsonb) AS x(i int, user_id uuid, type text, payload jsonb)
      )
      SELECT head FROM h`.execute(trx);
    const to = Number(res.rows[0]!.head);
    this.written = to;
    this.pending = [];
    return { from: to - n + 1, to };
  }

  /** After commit: wake every process's stream tailer (the WebSocket gateway), once per transaction. */
  async publish(ctx: AppContext): Promise<void> {
    const pos = this.written;
    this.written = 0;
    if (pos > 0) await publishCommitted(ctx, pos);
  }
}

/**
 * For listeners that run inside someone else's transaction (roster hooks): publishes the wake-up
 * for positions [from, to] once they are committed. Gives up if the transaction rolled back.
 */
export function publishWhenCommitted(ctx: AppContext, range: { from: number; to: number }): void {
  const attempt = async (tries: number): Promise<void> => {
    const state = await ctx.db.selectFrom('stream_state').select('head').where('id', '=', 1).executeTakeFirstOrThrow();
    if (Number(state.head) < range.to) {
      if (tries < 200) setTimeout(() => void attempt(tries + 1).catch(report), Math.min(5 * 2 ** Math.min(tries, 6), 250));
      return;
    }
    await publishCommitted(ctx, range.to);
  };
  const report = (err: unknown) => ctx.log.warn({ err }, 'publishing roster updates failed');
  setImmediate(() => void attempt(0).catch(report));
}

function toUpdate(r: { pos: number; type: string; payload: unknown }): Update {
  return { ...(r.payload as object), type: r.type, pos: Number(r.pos) } as Update;
}

/** Runs a command's transaction with an outbox, and publishes its events after commit. */
export async function withOutbox<T>(ctx: AppContext, work: (trx: Tx, outbox: Outbox) => Promise<T>): Promise<T> {
  const outbox = new Outbox();
  const result = await ctx.db.transaction().execute(async (trx) => {
    const r = await work(trx, outbox);
    await outbox.flush(trx);
    return r;
  });
  // Never awaited: the request answers once its transaction has committed (pub/sub bounds the publish).
  void outbox.publish(ctx);
  return result;
}

export async function streamHead(db: Queryable): Promise<{ head: number; floor: number }> {
  const s = await db.selectFrom('stream_state').select(['head', 'floor']).where('id', '=', 1).executeTakeFirstOrThrow();
  return { head: Number(s.head), floor: Number(s.floor) };
}

export type StreamPage = { resync: false; updates: Update[]; position: number; hasMore: boolean } | { resync: true; position: number };

/**
 * The updates visible to the account after position `after`, in order: events of the chats it is
 * a member of now, and its own events. `{ resync: true }` when `after` is older than what is kept
 * or ahead of the stream (unknown): the client reloads its state, then follows from `position`.
 */
export async function readStream(db: Queryable, userId: string, after: number, limit = 500): Promise<StreamPage> {
  const { head, floor } = await streamHead(db);
  if (after < floor || after > head) return { resync: true, position: head };
  if (after === head) return { resync: false, updates: [], position: head, hasMore: false };
  const rows = await sql<{ pos: number; type: string; payload: unknown }>`
    (SELECT e.pos, e.type, e.payload FROM chat_events e
      WHERE e.pos > ${after} AND e.pos <= ${head}
        AND e.chat_id IN (SELECT m.chat_id FROM chat_members m WHERE m.user_id = ${userId} AND m.left_at IS NULL)
      ORDER BY e.pos LIMIT ${limit + 1})
    UNION ALL
    (SELECT u.pos, u.type, u.payload FROM user_events u
      WHERE u.user_id = ${userId} AND u.pos > ${after} AND u.pos <= ${head}
      ORDER BY u.pos LIMIT ${limit + 1})
    ORDER BY pos LIMIT ${limit + 1}`.execute(db);
  const hasMore = rows.rows.length > limit;
  const updates = rows.rows.slice(0, limit).map(toUpdate);
  return { resync: false, updates, position: hasMore ? updates[updates.length - 1]!.pos : head, hasMore };
}

/** Drops events older than `before`; cursors below the dropped range get `resync`. */
export async function pruneStream(db: Db, before: Date): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const c = await trx.selectFrom('chat_events').select((eb) => eb.fn.max('pos').as('m')).where('created_at', '<', before).executeTakeFirst();
    const u = await trx.selectFrom('user_events').select((eb) => eb.fn.max('pos').as('m')).where('created_at', '<', before).executeTakeFirst();
    const upTo = Math.max(Number(c?.m ?? 0), Number(u?.m ?? 0));
    if (upTo === 0) return 0;
    await trx.deleteFrom('chat_events').where('pos', '<=', upTo).execute();
    await trx.deleteFrom('user_events').where('pos', '<=', upTo).execute();
    await trx.updateTable('stream_state').set((eb) => ({ floor: sql`greatest(${eb.ref('floor')}, ${upTo})` })).where('id', '=', 1).execute();
    return upTo;
  });
}
