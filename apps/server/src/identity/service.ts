import { sql } from 'kysely';
import type { AppContext } from '../context.ts';
import { Batcher, batcherPer } from '../db/batching.ts';
import { AppError } from '../http/errors.ts';
import { t } from '../i18n/messages.ts';
import { linkByPhone } from '../membership/linking.ts';
import { normalisePhone } from './phone.ts';
import { SmsSendError } from './sms.ts';
import { codeStats, codesSentSince, findUserByPhone, latestOpenCode, spendCodeAttempt, upsertUserByPhone, type UserRow } from './store.ts';
import { hashSmsCode, hashToken, newSmsCode, safeEqual } from './tokens.ts';
import { announceRevoked, doCreateSession, sessionLive, type DeviceInfo } from './sessions.ts';
import { withOutbox } from '../stream/transaction.ts';

export { SESSIONS_REVOKED_TOPIC } from './sessions.ts';

export const CODE_TTL_SECONDS = 5 * 60;
export const CODE_MAX_ATTEMPTS = 5;

/** Sends a one-time sign-in code to a phone. Rate-limited per phone here and per IP at the route. */
export async function requestCode(ctx: AppContext, rawPhone: string, ip: string | null) {
  const phone = normalisePhone(rawPhone, ctx.config.phoneCountries);
  const { limits } = ctx.config;
  const stats = await codeStats(ctx.db, phone, 3600);
  if (stats.count >= limits.codesPerPhonePerHour) throw new AppError('rate_limited', 429, { retryAfterSeconds: 3600 });
  if (stats.last) {
    const wait = Math.ceil((stats.last.getTime() + limits.codeResendSeconds * 1000 - Date.now()) / 1000);
    if (wait > 0) throw new AppError('code_resend_too_soon', 429, { retryAfterSeconds: wait });
  }

  // The installation's budget of sign-in texts per 24 hours: a flood over many phones cannot run up the SMS bill.
  const sentToday = await codesSentSince(ctx.db, 86_400);
  if (sentToday >= limits.smsPerDay) {
    ctx.log.error({ sentToday, budget: limits.smsPerDay }, 'the daily budget of sign-in SMS is spent (PARTA_SMS_DAILY_BUDGET)');
    throw new AppError('sms_budget_exhausted', 429);
  }

  const code = newSmsCode();
  const existing = await findUserByPhone(ctx.db, phone);
  const text = t(existing?.locale ?? 'ru', 'sms_code', { code });
  const expiresAt = new Date(Date.now() + CODE_TTL_SECONDS * 1000);
  const row = await ctx.db.transaction().execute(async (trx) => {
    // A new code replaces every earlier one.
    await trx.updateTable('auth_codes').set({ consumed_at: new Date() }).where('phone', '=', phone).where('consumed_at', 'is', null).execute();
    const inserted = await trx
      .insertInto('auth_codes')
      .values({ phone, code_hash: hashSmsCode(ctx.secret, phone, code), expires_at: expiresAt, ip })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (ctx.config.dev) await trx.insertInto('dev_sms_outbox').values({ phone, text, code }).execute();
    return inserted;
  });

  try {
    await ctx.sms.send(phone, text);
  } catch (err) {
    await ctx.db.deleteFrom('auth_codes').where('id', '=', row.id).execute();
    ctx.log.error({ err, phone }, 'SMS send failed');
    throw new AppError('sms_send_failed', err instanceof SmsSendError ? 502 : 500);
  }
  return {
    phone,
    expiresAt: expiresAt.toISOString(),
    resendAfter: new Date(Date.now() + limits.codeResendSeconds * 1000).toISOString(),
  };
}

export type { DeviceInfo } from './sessions.ts';

/**
 * Checks a code and opens a session on success. Each check spends one attempt, counted
 * atomically before the comparison, so parallel guesses cannot exceed the limit.
 */
export async function signIn(ctx: AppContext, rawPhone: string, code: string, device: DeviceInfo) {
  const phone = normalisePhone(rawPhone, ctx.config.phoneCountries);
  const open = await latestOpenCode(ctx.db, phone);
  if (!open) throw new AppError('code_invalid', 400);
  if (open.expires_at.getTime() <= Date.now()) throw new AppError('code_expired', 400);
  const spent = await spendCodeAttempt(ctx.db, open.id, CODE_MAX_ATTEMPTS);
  if (!spent) throw new AppError('code_attempts_exceeded', 429);
  if (!safeEqual(open.code_hash, hashSmsCode(ctx.secret, phone, code))) {
    const attemptsLeft = CODE_MAX_ATTEMPTS - spent.attempts;
    if (attemptsLeft <= 0) throw new AppError('code_attempts_exceeded', 429);
    throw new AppError('code_invalid', 400, { attemptsLeft });
  }

  return withOutbox(ctx, async (trx, outbox) => {
    const consumed = await trx
      .updateTable('auth_codes')
      .set({ consumed_at: new Date() })
      .where('id', '=', open.id)
      .where('consumed_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    if (!consumed) throw new AppError('code_invalid', 400);
    const user = await upsertUserByPhone(trx, phone);
    await linkByPhone(ctx, trx, outbox, user);
    return doCreateSession(trx, user.id, device);
  });
}

export interface AuthContext {
  user: UserRow;
  sessionId: string;
}

const TOUCH_INTERVAL_MS = 60_000;

type SessionRow = UserRow & { session_id: string; session_seen: Date; token_hash: string };

/** Sessions by token hash; the lookups of requests that arrive together are one query (db/batching.ts). */
const sessionLoader = batcherPer(
  (ctx: AppContext) =>
    new Batcher<string, SessionRow | null>(async (hashes) => {
      const rows = await ctx.db
        .selectFrom('sessions')
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .selectAll('users')
        .select(['sessions.id as session_id', 'sessions.last_seen_at as session_seen', 'sessions.token_hash'])
        // One statement text whatever the number of tokens (prepared once per connection).
        .where(sql<boolean>`sessions.token_hash = ANY(${[...new Set(hashes)]}::text[])`)
        // Not revoked, and not past its idle timeout or lifetime (identity/sessions.ts).
        .where(sessionLive(ctx))
        .execute();
      const found = new Map(rows.map((r) => [r.token_hash, r]));
      return hashes.map((h) => found.get(h) ?? null);
    }),
);

/** The account behind a bearer token, or null. Marks the session as seen at most once a minute. */
export async function authenticate(ctx: AppContext, token: string): Promise<AuthContext | null> {
  const row = await sessionLoader(ctx).submit(hashToken(token));
  if (!row) return null;
  const { session_id, session_seen, token_hash: _hash, ...user } = row;
  if (Date.now() - session_seen.getTime() > TOUCH_INTERVAL_MS) touchSession(ctx, session_id);
  return { user, sessionId: session_id };
}

/** Sessions seen together are marked in one statement. */
const sessionToucher = batcherPer(
  (ctx: AppContext) =>
    new Batcher<string, null>(async (ids) => {
      await ctx.db
        .updateTable('sessions')
        .set({ last_seen_at: new Date() })
        .where(sql<boolean>`id = ANY(${[...new Set(ids)]}::uuid[])`)
        .execute();
      return ids.map(() => null);
    }),
);

/** Marks a session as seen now, without making the request wait. */
function touchSession(ctx: AppContext, sessionId: string): void {
  const toucher = sessionToucher(ctx);
  toucher.submit(sessionId).catch((err: unknown) => ctx.log.warn({ err }, 'marking a session as seen failed'));
}

export async function listSessions(ctx: AppContext, auth: AuthContext) {
  const rows = await ctx.db
    .selectFrom('sessions')
    .selectAll()
    .where('user_id', '=', auth.user.id)
    .where(sessionLive(ctx))
    .orderBy('last_seen_at', 'desc')
    .execute();
  return rows.map((s) => ({
    id: s.id,
    deviceName: s.device_name,
    userAgent: s.user_agent,
    ip: s.ip,
    createdAt: s.created_at.toISOString(),
    lastSeenAt: s.last_seen_at.toISOString(),
    current: s.id === auth.sessionId,
  }));
}

export async function revokeSession(ctx: AppContext, auth: AuthContext, sessionId: string): Promise<void> {
  const rows = await ctx.db
    .updateTable('sessions')
    .set({ revoked_at: new Date() })
    .where('id', '=', sessionId)
    .where('user_id', '=', auth.user.id)
    .where('revoked_at', 'is', null)
    .returning('id')
    .execute();
  if (rows.length === 0) throw new AppError('session_not_found', 404);
  await announceRevoked(
    ctx,
    rows.map((r) => r.id),
  );
}

export async function revokeOtherSessions(ctx: AppContext, auth: AuthContext): Promise<number> {
  const rows = await ctx.db
    .updateTable('sessions')
    .set({ revoked_at: new Date() })
    .where('user_id', '=', auth.user.id)
    .where('id', '!=', auth.sessionId)
    .where('revoked_at', 'is', null)
    .returning('id')
    .execute();
  await announceRevoked(
    ctx,
    rows.map((r) => r.id),
  );
  return rows.length;
}
