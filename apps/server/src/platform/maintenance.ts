import type { AppContext } from '../context.ts';
import { pruneStream } from '../stream/read.ts';
import { pruneSignInState } from '../identity/oidc.ts';

/**
 * Periodic housekeeping of one server process. Every process may run it: each task is idempotent.
 * - The update stream keeps `streamRetentionDays` of events; a client further behind is told to resync.
 * - Sign-in codes older than a day are deleted (they expire in 5 minutes and only count for rate limits).
 * - OpenID Connect flows and hand-offs and passkey challenges a day past their expiry are deleted.
 */
export async function runMaintenance(ctx: AppContext, now = new Date()): Promise<{ prunedUpTo: number; codesDeleted: number }> {
  const before = new Date(now.getTime() - ctx.config.streamRetentionDays * 86_400_000);
  const prunedUpTo = await pruneStream(ctx.db, before);
  const codes = await ctx.db
    .deleteFrom('auth_codes')
    .where('created_at', '<', new Date(now.getTime() - 86_400_000))
    .executeTakeFirst();
  await pruneSignInState(ctx, now);
  return { prunedUpTo, codesDeleted: Number(codes.numDeletedRows) };
}

/** Runs maintenance every hour (first run a minute after start); returns a function that stops it. */
export function scheduleMaintenance(ctx: AppContext, everyMs = 3_600_000): () => void {
  const tick = () =>
    runMaintenance(ctx)
      .then((r) => ctx.log.info(r, 'maintenance done'))
      .catch((err) => ctx.log.error({ err }, 'maintenance failed'));
  const first = setTimeout(tick, 60_000).unref();
  const every = setInterval(tick, everyMs).unref();
  return () => {
    clearTimeout(first);
    clearInterval(every);
  };
}
