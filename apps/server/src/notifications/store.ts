import { sql } from 'kysely';
import type { Queryable } from '../db/schema.ts';
import type { NotifyLevel } from './tables.ts';

/** Queries of the notifications domain. */

export interface SubscriptionInput {
  userId: string;
  sessionId: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  expiresAt: Date;
}

/** One subscription per session; an endpoint that moved to another session (another account on this browser) moves with it. */
export async function upsertSubscription(db: Queryable, s: SubscriptionInput): Promise<void> {
  await db.deleteFrom('push_subscriptions').where('endpoint', '=', s.endpoint).where('session_id', '<>', s.sessionId).execute();
  const values = { endpoint: s.endpoint, p256dh: s.p256dh, auth: s.auth, expires_at: s.expiresAt, updated_at: new Date() };
  await db
    .insertInto('push_subscriptions')
    .values({ user_id: s.userId, session_id: s.sessionId, ...values })
    .onConflict((oc) => oc.column('session_id').doUpdateSet(values))
    .execute();
}

export function subscriptionOfSession(db: Queryable, sessionId: string) {
  return db.selectFrom('push_subscriptions').selectAll().where('session_id', '=', sessionId).executeTakeFirst();
}

export async function deleteSubscriptionOfSession(db: Queryable, sessionId: string): Promise<boolean> {
  const r = await db.deleteFrom('push_subscriptions').where('session_id', '=', sessionId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function setDeviceSettings(db: Queryable, sessionId: string, patch: { level?: NotifyLevel; muted_until?: Date | null }): Promise<boolean> {
  const r = await db
    .updateTable('push_subscriptions')
    .set({ ...patch, updated_at: new Date() })
    .where('session_id', '=', sessionId)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Subscriptions that expired, or whose session ended (signed out, "sign out everywhere"). */
export async function deleteDeadSubscriptions(db: Queryable, now: Date): Promise<number> {
  const r = await sql`
    DELETE FROM push_subscriptions p
    WHERE p.expires_at < ${now.toISOString()}::timestamptz
       OR EXISTS (SELECT 1 FROM sessions s WHERE s.id = p.session_id AND s.revoked_at IS NOT NULL)`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

export async function chatSettings(db: Queryable, userId: string, chatId: string) {
  return db
    .selectFrom('chat_notification_settings')
    .select(['level', 'muted_until'])
    .where('user_id', '=', userId)
    .where('chat_id', '=', chatId)
    .executeTakeFirst();
}

export async function setChatSettings(db: Queryable, userId: string, chatId: string, patch: { level?: NotifyLevel; muted_until?: Date | null }): Promise<void> {
  const values = { ...patch, updated_at: new Date() };
  await db
    .insertInto('chat_notification_settings')
    .values({ user_id: userId, chat_id: chatId, ...values })
    .onConflict((oc) => oc.columns(['user_id', 'chat_id']).doUpdateSet(values))
    .execute();
}

/** Unread messages of each account (others' undeleted messages after its read markers), for the app badge. */
export async function unreadCounts(db: Queryable, userIds: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (userIds.length === 0) return out;
  const res = await sql<{ user_id: string; n: number | string }>`
    SELECT m.user_id::text AS user_id, count(x.id) AS n
    FROM chat_members m
    JOIN messages x ON x.chat_id = m.chat_id AND x.seq > m.last_read_seq AND x.deleted_at IS NULL
      AND x.author_user_id IS DISTINCT FROM m.user_id
    WHERE m.user_id = ANY(${userIds}::uuid[]) AND m.left_at IS NULL
    GROUP BY m.user_id`.execute(db);
  for (const r of res.rows) out.set(r.user_id, Number(r.n));
  return out;
}
