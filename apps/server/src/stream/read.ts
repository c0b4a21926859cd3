import { sql } from 'kysely';
import type { Update } from '@parta/protocol';
import type { Db, Queryable } from '../db/schema.ts';

/**
 * The resumable per-user update stream: reading and pruning. Writing is stream/outbox.ts and
 * stream/transaction.ts; waking readers is stream/bus.ts. See docs/subsystems/sync.md.
 */

function toUpdate(r: { pos: number; type: string; payload: unknown }): Update {
  return { ...(r.payload as object), type: r.type, pos: Number(r.pos) } as Update;
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
    const c = await trx
      .selectFrom('chat_events')
      .select((eb) => eb.fn.max('pos').as('m'))
      .where('created_at', '<', before)
      .executeTakeFirst();
    const u = await trx
      .selectFrom('user_events')
      .select((eb) => eb.fn.max('pos').as('m'))
      .where('created_at', '<', before)
      .executeTakeFirst();
    const upTo = Math.max(Number(c?.m ?? 0), Number(u?.m ?? 0));
    if (upTo === 0) return 0;
    await trx.deleteFrom('chat_events').where('pos', '<=', upTo).execute();
    await trx.deleteFrom('user_events').where('pos', '<=', upTo).execute();
    await trx
      .updateTable('stream_state')
      .set((eb) => ({ floor: sql`greatest(${eb.ref('floor')}, ${upTo})` }))
      .where('id', '=', 1)
      .execute();
    return upTo;
  });
}
