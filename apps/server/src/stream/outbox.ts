import { sql } from 'kysely';
import type { Update } from '@parta/protocol';
import type { Tx } from '../db/schema.ts';

/**
 * The resumable per-user update stream: writing.
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
 * The events of one transaction, and what is to run once it has committed. Every domain that
 * writes in the transaction (the command itself, and the roster listeners it calls) adds to the
 * same outbox; `withOutbox` (stream/transaction.ts) writes them as the transaction's last step and
 * runs the after-commit work.
 */
export class Outbox {
  private pending: Pending[] = [];
  private readonly afterCommitWork: (() => void | Promise<void>)[] = [];
  /** The highest position written, published after commit. */
  private written = 0;

  chat(chatId: string, body: UpdateBody): void {
    this.pending.push({ kind: 'chat', chatId, body });
  }

  user(userId: string, body: UpdateBody): void {
    this.pending.push({ kind: 'user', userId, body });
  }

  /** Work to run once the transaction has committed (never if it rolls back), in the order given. */
  afterCommit(work: () => void | Promise<void>): void {
    this.afterCommitWork.push(work);
  }

  get size(): number {
    return this.pending.length;
  }

  /** The highest position this outbox wrote (0: none yet). */
  get position(): number {
    return this.written;
  }

  /** Takes the after-commit work, once. */
  takeAfterCommit(): (() => void | Promise<void>)[] {
    return this.afterCommitWork.splice(0);
  }

  /**
   * Takes positions and writes the rows, in one statement: the counter row is locked from here to
   * commit, so this is the only part of a write that runs one at a time across the whole
   * deployment. Called last in the transaction, by `withOutbox`.
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
}
