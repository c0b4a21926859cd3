import { sql, type RawBuilder } from 'kysely';
import type { AppContext } from '../context.ts';
import type { Queryable } from '../db/schema.ts';
import { hashToken, newSessionToken } from './tokens.ts';

/**
 * How long sessions live (docs/subsystems/identity.md). A session ends when it has not been used
 * for the idle timeout, or when it is older than the absolute lifetime, whichever comes first.
 * Both are the installation's defaults (PARTA_SESSION_IDLE_DAYS, PARTA_SESSION_MAX_DAYS) unless
 * a school sets its own; an account on the rosters of several schools gets the strictest of them.
 * An ended session is refused like a revoked one: at the next request, and by the gateway's
 * periodic check for open WebSockets.
 */
function effectiveDays(ctx: AppContext, column: 'session_idle_days' | 'session_max_days', fallback: number): RawBuilder<number> {
  return sql<number>`coalesce((select min(coalesce(sc.${sql.ref(column)}, ${fallback}::int)) from persons p join schools sc on sc.id = p.school_id where p.user_id = sessions.user_id and p.archived_at is null), ${fallback}::int)`;
}

/** A condition on a row of `sessions`: not revoked, not idle too long, not too old. */
export function sessionLive(ctx: AppContext): RawBuilder<boolean> {
  const { idleDays, maxDays } = ctx.config.sessions;
  return sql<boolean>`(sessions.revoked_at is null
    and sessions.last_seen_at > now() - make_interval(days => ${effectiveDays(ctx, 'session_idle_days', idleDays)})
    and sessions.created_at > now() - make_interval(days => ${effectiveDays(ctx, 'session_max_days', maxDays)}))`;
}

/** Which of these sessions are still live (the gateway's periodic check of open sockets). */
export async function liveSessionIds(ctx: AppContext, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await ctx.db.selectFrom('sessions').select('id').where('id', 'in', ids).where(sessionLive(ctx)).execute();
  return new Set(rows.map((r) => r.id));
}

/** Pub/sub topic of revoked sessions (`{"sessionIds":[…]}`): every process closes their WebSockets at once. */
export const SESSIONS_REVOKED_TOPIC = 'sessions.revoked';

/** Tells every process's gateway, after the commit, to close the sockets of these sessions. */
export async function announceRevoked(ctx: AppContext, sessionIds: string[]): Promise<void> {
  if (sessionIds.length === 0) return;
  // Committed already; a lost message is caught by the gateway's periodic session check.
  await ctx.pubsub
    .publish(SESSIONS_REVOKED_TOPIC, JSON.stringify({ sessionIds }))
    .catch((err: unknown) => ctx.log.warn({ err }, 'announcing revoked sessions failed'));
}

/**
 * Revokes every open session of these accounts, inside the caller's transaction (a roster change
 * that takes an account off a person). Returns the session ids for `announceRevoked` after commit.
 */
export async function doRevokeAccountSessions(trx: Queryable, userIds: string[]): Promise<string[]> {
  if (userIds.length === 0) return [];
  const rows = await trx
    .updateTable('sessions')
    .set({ revoked_at: new Date() })
    .where('user_id', 'in', [...new Set(userIds)])
    .where('revoked_at', 'is', null)
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/** "Sign out everywhere": every session of the account, this one included. */
export async function revokeAllSessions(ctx: AppContext, userId: string): Promise<number> {
  const ids = await doRevokeAccountSessions(ctx.db, [userId]);
  await announceRevoked(ctx, ids);
  return ids.length;
}

export interface SessionPolicy {
  idleDays: number | null;
  maxDays: number | null;
  defaults: { idleDays: number; maxDays: number };
}

export async function getSessionPolicy(ctx: AppContext, schoolId: string): Promise<SessionPolicy> {
  const row = await ctx.db.selectFrom('schools').select(['session_idle_days', 'session_max_days']).where('id', '=', schoolId).executeTakeFirstOrThrow();
  return { idleDays: row.session_idle_days, maxDays: row.session_max_days, defaults: ctx.config.sessions };
}

/** Sets a school's session lifetime (null: the installation's default); it applies to open sessions at once. */
export async function setSessionPolicy(ctx: AppContext, schoolId: string, policy: { idleDays: number | null; maxDays: number | null }): Promise<SessionPolicy> {
  await ctx.db.updateTable('schools').set({ session_idle_days: policy.idleDays, session_max_days: policy.maxDays }).where('id', '=', schoolId).execute();
  return getSessionPolicy(ctx, schoolId);
}

export interface DeviceInfo {
  deviceName: string | null;
  userAgent: string | null;
  ip: string | null;
}

/**
 * Opens a session for the account: the one way every sign-in (SMS code, OpenID Connect, passkey)
 * ends. Returns the bearer token, which is shown once and stored only as its hash.
 */
export async function doCreateSession(trx: Queryable, userId: string, device: DeviceInfo): Promise<{ token: string; sessionId: string; userId: string }> {
  const token = newSessionToken();
  const session = await trx
    .insertInto('sessions')
    .values({ user_id: userId, token_hash: hashToken(token), device_name: device.deviceName, user_agent: device.userAgent, ip: device.ip })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { token, sessionId: session.id, userId };
}
