import type { AppContext } from '../context.ts';
import type { Tx } from '../db/schema.ts';
import { Outbox } from './outbox.ts';

/**
 * The transaction wrapper of every command that writes to the stream.
 *
 * `work` runs in one transaction with one outbox; whatever it calls (roster listeners included)
 * adds its events to that outbox and its after-commit work to it. The events are written as the
 * transaction's last statement, so the stream's counter row is locked for the shortest time.
 * Once the transaction has committed, the after-commit work runs (never if it rolled back), and
 * every process's readers are woken, once: the request answers without waiting for that.
 */
export async function withOutbox<T>(ctx: Pick<AppContext, 'db' | 'stream' | 'log'>, work: (trx: Tx, outbox: Outbox) => Promise<T>): Promise<T> {
  const outbox = new Outbox();
  const result = await ctx.db.transaction().execute(async (trx) => {
    const r = await work(trx, outbox);
    await outbox.flush(trx);
    return r;
  });
  const position = outbox.position;
  for (const run of outbox.takeAfterCommit()) {
    try {
      await run();
    } catch (err) {
      // Committed already: the work after it is best effort, and must not turn success into an error.
      ctx.log.warn({ err }, 'work after a commit failed');
    }
  }
  // Never awaited: the request answers once its transaction has committed (pub/sub bounds the publish).
  if (position > 0) void ctx.stream.publish(position);
  return result;
}
