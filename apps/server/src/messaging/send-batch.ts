import { sql } from 'kysely';
import type { Message } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import { Batcher, batcherPer } from '../db/batching.ts';
import { compileOnce } from '../db/compiled.ts';
import type { Queryable } from '../db/schema.ts';
import { outsideHoursSql } from './quiet.ts';

/**
 * Group commit of sends (docs/subsystems/sync.md, "Group commit").
 *
 * Sends that arrive while a batch is being written are written together, in one statement that
 * commits on its own (one round trip to the database): it locks the batch's chats in id order, skips
 * sends whose chat is archived, numbers the rest per chat, inserts them, moves the chats' `seq` and
 * the authors' read markers, stores the notification decisions and takes the stream positions for
 * one `message.new` event each, last. A lone send is a batch of one and waits for nothing.
 * Whatever the batch cannot settle on its own is answered `single`: the caller sends it alone
 * through the one-at-a-time path, which gives the exact answer for it. That is a send to an
 * archived chat, a send whose author is no longer a member who may post there, and every send of a
 * batch whose statement failed: a retry of a stored send breaks the unique client id on insert,
 * and then nothing of the batch is stored.
 */

/** One send, checked and presented by the caller (seq 0 until stored), and the files it names (a forward's). */
export interface BatchedSend {
  message: Message;
  attachmentIds: string[];
}

export type BatchedResult = { seq: number; quiet: string[] } | 'single';

/**
 * The process's batcher for this context's database. A batch starts at most every 15 ms
 * (`PARTA_SEND_BATCH_MS`): the larger the batches, the fewer statements and commits per message
 * (`npm run bench:send-batch`: a send alone costs the database about 1 ms of CPU and the server
 * 0.9 ms, sixteen per statement 0.21 and 0.11 ms each). A send after a quiet spell goes at once;
 * under load a send waits up to 15 ms for its batch to start. Two batches may be in flight at once
 * (`PARTA_SEND_BATCHES`): the interval, not the end of the batch before, says when the next one
 * starts, so batches are as large as with one at a time while the database keeps up; when one
 * waits for a slow disk flush or on a chat's row lock (a send with files, members being added),
 * the next is written meanwhile (the database runs its statement while the one before waits for
 * its commit) instead of waiting behind it. Two batches of one chat take its row lock in turn.
 */
export const sendBatcher = batcherPer(
  (ctx: AppContext) =>
    new Batcher<BatchedSend, BatchedResult>((items) => writeBatch(ctx, items), {
      max: 64,
      concurrency: ctx.config.sendBatches,
      spacingMs: ctx.config.sendBatchMs,
    }),
);

const UNIQUE_VIOLATION = '23505';

/** The batch's one statement (see the module comment); `rows` is the batch as a JSON array. Compiled once (db/compiled.ts). */
const batchStatement = compileOnce(
  1,
  (_db: Queryable, rows: string) => sql<{ i: number; seq: string | number; quiet: string[]; head: string | number }>`
  WITH x AS MATERIALIZED (
    SELECT * FROM jsonb_to_recordset(${rows}::jsonb) AS x(
      i int, id uuid, chat_id uuid, author_user_id uuid, author_person_id uuid, author_roles text[], author_staff boolean,
      client_id text, text text, entities jsonb, reply_to_id uuid, forward_from jsonb, attachments jsonb,
      attachment_ids uuid[], created_at timestamptz, payload jsonb)
  ),
  -- Every table below is reached through its index from the batch's own rows (= ANY of an
  -- array, LATERAL): the planner takes a function's rows for 100, and a prepared statement keeps
  -- its plan, so joins it could choose would scan chats, members and messages whole at every batch.
  -- FOR NO KEY UPDATE, not FOR UPDATE: another writer that holds the stream counter may be
  -- inserting an event of one of these chats, and that insert's foreign key takes FOR KEY SHARE
  -- on the chat, which FOR UPDATE would block while this statement waits for the counter (a
  -- deadlock). Sends and member changes of the chat still wait for each other.
  locked AS MATERIALIZED (
    SELECT c.id, c.kind, c.last_seq FROM chats c
    WHERE c.id = ANY (ARRAY(SELECT DISTINCT x.chat_id FROM x)) AND c.archived_at IS NULL
    ORDER BY c.id FOR NO KEY UPDATE
  ),
  -- No lookup of the client ids here: a kept generic plan would scan messages whole whenever
  -- the table was small at planning time (a new school, or statistics taken when it was empty).
  -- A client id already stored breaks the unique index on insert, which no plan can skip.
  -- The author is still a current member who may post here (in the statement's snapshot, so a
  -- removal that commits while it runs is concurrent with the send and may come first): the access
  -- the caller checked may be a connection's cached one (realtime/connection.ts), and a member
  -- removed since, or a channel member who is no longer a moderator, is left to the caller.
  fresh AS MATERIALIZED (
    SELECT x.*, l.last_seq + row_number() OVER (PARTITION BY x.chat_id ORDER BY x.i) AS seq
    FROM x JOIN locked l ON l.id = x.chat_id
    JOIN LATERAL (
      SELECT am.role FROM chat_members am
      WHERE am.user_id = x.author_user_id AND am.chat_id = x.chat_id AND am.left_at IS NULL LIMIT 1
    ) am ON l.kind NOT IN ('school_channel', 'class_channel') OR am.role = 'moderator'
  ),
  ins AS (
    INSERT INTO messages (id, chat_id, seq, author_user_id, author_person_id, author_roles, author_staff, client_id, text,
                          entities, reply_to_id, forward_from, attachments, attachment_ids, created_at)
    SELECT id, chat_id, seq, author_user_id, author_person_id, author_roles, author_staff, client_id, text,
           entities, reply_to_id, forward_from, attachments, attachment_ids, created_at
    FROM fresh
    RETURNING id
  ),
  done AS MATERIALIZED (SELECT f.* FROM fresh f JOIN ins ON ins.id = f.id),
  seqs AS (
    UPDATE chats c SET last_seq = (SELECT max(d.seq) FROM done d WHERE d.chat_id = c.id)
    WHERE c.id = ANY (ARRAY(SELECT DISTINCT chat_id FROM done))
    RETURNING c.id
  ),
  marks AS (
    UPDATE chat_members cm
    SET last_read_seq = greatest(cm.last_read_seq, (SELECT max(d.seq) FROM done d WHERE d.chat_id = cm.chat_id AND d.author_person_id = cm.person_id))
    WHERE cm.chat_id = ANY (ARRAY(SELECT DISTINCT chat_id FROM done))
      AND cm.person_id = ANY (ARRAY(SELECT DISTINCT author_person_id FROM done))
      AND EXISTS (SELECT 1 FROM done d WHERE d.chat_id = cm.chat_id AND d.author_person_id = cm.person_id)
    RETURNING cm.chat_id
  ),
  decisions AS (
    INSERT INTO notification_decisions (message_id, chat_id, notify, quiet)
    SELECT d.id, d.chat_id, coalesce(a.notify, '{}'), coalesce(a.quiet, '{}')
    FROM done d
    CROSS JOIN LATERAL (
      SELECT array_agg(m.user_id) FILTER (WHERE NOT ${outsideHoursSql('w', 'd.created_at')}) AS notify,
             array_agg(m.user_id) FILTER (WHERE ${outsideHoursSql('w', 'd.created_at')}) AS quiet
      FROM chat_members m LEFT JOIN working_hours w ON w.user_id = m.user_id
      WHERE m.chat_id = d.chat_id AND m.left_at IS NULL AND m.user_id <> d.author_user_id
    ) a
    RETURNING message_id, quiet
  ),
  -- Every other write of the statement, run to its end here: data-modifying CTEs that nothing
  -- reads would run after the main query, so after the counter below, and the read marker's
  -- row lock would come after it (markRead takes that row, then the counter: a deadlock).
  written AS MATERIALIZED (
    SELECT (SELECT count(*) FROM done) AS n, (SELECT count(*) FROM seqs) AS chats,
           (SELECT count(*) FROM marks) AS marks, (SELECT count(*) FROM decisions) AS decisions
  ),
  -- Positions last: the counter row is locked from here to commit (stream/outbox.ts). Its
  -- new value needs "written", so every lock above is taken before it; none when nothing is new.
  h AS (UPDATE stream_state SET head = head + w.n FROM written w WHERE stream_state.id = 1 AND w.n > 0 RETURNING head, w.n),
  ev AS (
    INSERT INTO chat_events (pos, chat_id, type, payload)
    SELECT h.head - h.n + row_number() OVER (ORDER BY d.i), d.chat_id, 'message.new',
           jsonb_set(d.payload, '{message,seq}', to_jsonb(d.seq))
    FROM done d, h
  )
  SELECT d.i, d.seq, coalesce(n.quiet::text[], '{}') AS quiet, h.head
  FROM h JOIN done d ON true LEFT JOIN decisions n ON n.message_id = d.id`,
);

async function writeBatch(ctx: AppContext, items: BatchedSend[]): Promise<BatchedResult[]> {
  const rows = items.map((s, i) => {
    const m = s.message;
    return {
      i,
      id: m.id,
      chat_id: m.chatId,
      author_user_id: m.author.userId,
      author_person_id: m.author.personId,
      author_roles: m.author.roles,
      author_staff: m.author.isStaff,
      client_id: m.clientId,
      text: m.text,
      entities: m.entities,
      reply_to_id: m.replyTo?.id ?? null,
      forward_from: m.forwardedFrom,
      attachments: m.attachments,
      attachment_ids: s.attachmentIds,
      created_at: m.createdAt,
      payload: { chatId: m.chatId, message: m },
    };
  });
  let written: { i: number; seq: number; quiet: string[] }[];
  let head = 0;
  try {
    // One statement, committed on its own: it is written whole or not at all.
    const res = await ctx.db.executeQuery(batchStatement(ctx.db, JSON.stringify(rows)));
    head = Number(res.rows[0]?.head ?? 0);
    written = res.rows.filter((r) => r.i !== null).map((r) => ({ i: r.i, seq: Number(r.seq), quiet: r.quiet }));
  } catch (err) {
    // A retry of a stored send (or two tries of one send in this batch) breaks the unique client
    // id, and nothing of the batch is stored; so does any other failure. Two tries of one send in
    // the two batches in flight share their chat: whichever batch takes its lock second finds the
    // other's try committed, and fails. Each send of the failed batch then goes alone, and the
    // one-at-a-time path finds the stored message for the retry.
    if ((err as { code?: string }).code !== UNIQUE_VIOLATION) ctx.log.warn({ err, size: items.length }, 'a batch of sends failed; sending them one at a time');
    return items.map(() => 'single' as const);
  }
  if (written.length > 0) {
    // Positions follow the batch's order (`row_number() OVER (ORDER BY d.i)` above).
    const first = head - written.length + 1;
    const events = [...written]
      .sort((a, b) => a.i - b.i)
      .map((w, k) => {
        const m = items[w.i]!.message;
        return { pos: first + k, chat_id: m.chatId, user_id: null, type: 'message.new', payload: { chatId: m.chatId, message: { ...m, seq: w.seq } } };
      });
    // Fanning the batch out to the local connections (30 socket writes per message in a class)
    // waits for the next turn of the event loop: the batcher starts the next batch's statement
    // first, so the database writes one batch while this process delivers the one before.
    // Otherwise the two would take turns, and the rate would be bounded by the sum of their costs.
    setImmediate(() => {
      try {
        ctx.stream.offer(events);
      } catch (err) {
        // Stored and committed: the wake-up below still brings them to every tailer.
        ctx.log.warn({ err }, 'handing committed sends to the tailer failed');
      }
      void ctx.stream.publish(head);
    });
  }
  const byIndex = new Map(written.map((w) => [w.i, w]));
  return items.map((_, i) => {
    const w = byIndex.get(i);
    return w ? { seq: w.seq, quiet: w.quiet } : 'single';
  });
}
