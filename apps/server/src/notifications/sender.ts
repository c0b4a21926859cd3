import { createHash } from 'node:crypto';
import type { Agent } from 'node:https';
import { sql } from 'kysely';
import webpush, { WebPushError } from 'web-push';
import type { Db } from '../db/schema.ts';
import { unreadCounts } from './store.ts';
import type { VapidKeys } from './vapid.ts';

export interface SenderOptions {
  vapid: VapidKeys;
  subject: string;
  /** Longest wait for a push service's answer. */
  timeoutMs: number;
  /** A claimed delivery not settled in this time is free to be claimed again (a process that died). */
  leaseMs: number;
  /** Tries before a delivery is given up. */
  maxAttempts: number;
  /** Pushes in flight at once, and at most this many to one push service (a slow one cannot take every slot). */
  concurrency: number;
  perOrigin: number;
  /** HTTPS agent (keep-alive); tests pass one that trusts their local push service. */
  agent?: Agent;
  /** VAPID headers per push service (origin), signed once and reused until near their expiry. */
  vapidCache?: Map<string, { authorization: string; until: number }>;
}

/** A VAPID JWT may live 24 h (RFC 8292); ours live 12 h and are renewed an hour before. */
const VAPID_TTL_S = 12 * 3600;

/** Signing an ES256 JWT costs more than encrypting the payload: one per push service, not per push. */
function vapidAuthorization(o: SenderOptions, endpoint: string): string {
  const audience = new URL(endpoint).origin;
  const cache = (o.vapidCache ??= new Map());
  const hit = cache.get(audience);
  if (hit && hit.until > Date.now()) return hit.authorization;
  const exp = Math.floor(Date.now() / 1000) + VAPID_TTL_S;
  const headers = webpush.getVapidHeaders(audience, o.subject, o.vapid.publicKey, o.vapid.privateKey, 'aes128gcm', exp);
  cache.set(audience, { authorization: headers.Authorization, until: (exp - 3600) * 1000 });
  return headers.Authorization;
}

interface Claimed {
  id: string;
  user_id: string;
  chat_id: string | null;
  attempts: number;
  urgent: boolean;
  endpoint: string;
  p256dh: string;
  auth: string;
  subscription_id: string;
}

export type Outcome = 'sent' | 'gone' | 'retry' | 'failed';

/** Backoff after a failed try: 5 s, 10 s, 20 s … up to an hour, with a little jitter. */
export function backoffMs(attempt: number): number {
  const base = Math.min(5_000 * 2 ** Math.max(0, attempt - 1), 3_600_000);
  return Math.round(base * (0.9 + Math.random() * 0.2));
}

/** Claims due deliveries (at-least-once: a claim is a lease, taken again if its holder died). */
export async function claimDue(db: Db, now: Date, limit: number, leaseMs: number): Promise<Claimed[]> {
  const res = await sql<Claimed>`
    UPDATE push_deliveries d SET claimed_until = ${new Date(now.getTime() + leaseMs).toISOString()}::timestamptz, attempts = d.attempts + 1
    FROM push_subscriptions p
    WHERE p.id = d.subscription_id AND d.id IN (
      SELECT id FROM push_deliveries
      WHERE state = 'pending' AND not_before <= ${now.toISOString()}::timestamptz
        AND (claimed_until IS NULL OR claimed_until < ${now.toISOString()}::timestamptz)
      ORDER BY not_before LIMIT ${limit} FOR UPDATE SKIP LOCKED)
    RETURNING d.id::text AS id, d.user_id::text AS user_id, d.chat_id::text AS chat_id, d.attempts, d.urgent,
      p.endpoint, p.p256dh, p.auth, p.id::text AS subscription_id`.execute(db);
  return res.rows;
}

/** Pushes one delivery. The payload is an opaque id and a count: nothing that names a person or says what was written. */
export async function push(o: SenderOptions, d: Claimed, unread: number): Promise<{ outcome: Outcome; error?: string }> {
  try {
    await webpush.sendNotification({ endpoint: d.endpoint, keys: { p256dh: d.p256dh, auth: d.auth } }, JSON.stringify({ id: d.id, n: unread }), {
      headers: { Authorization: vapidAuthorization(o, d.endpoint) },
      TTL: 24 * 3600,
      urgency: d.urgent ? 'high' : 'normal',
      // Pushes of one chat not yet delivered replace each other at the push service.
      ...(d.chat_id ? { topic: createHash('sha256').update(`${d.subscription_id}:${d.chat_id}`).digest('base64url').slice(0, 32) } : {}),
      timeout: o.timeoutMs,
      ...(o.agent ? { agent: o.agent } : {}),
    });
    return { outcome: 'sent' };
  } catch (err) {
    if (err instanceof WebPushError) {
      // The subscription is gone (RFC 8030 §7.3): unsubscribed, expired, or the browser's data cleared.
      if (err.statusCode === 404 || err.statusCode === 410) return { outcome: 'gone', error: `HTTP ${err.statusCode}` };
      // The request itself is wrong (too large, bad key): trying again will not help.
      if (err.statusCode === 400 || err.statusCode === 403 || err.statusCode === 413) return { outcome: 'failed', error: `HTTP ${err.statusCode}` };
      return { outcome: 'retry', error: `HTTP ${err.statusCode}` };
    }
    return { outcome: 'retry', error: err instanceof Error ? err.message : String(err) };
  }
}

/** Records the outcomes of a batch, a statement per kind of outcome. */
export async function settle(db: Db, results: { d: Claimed; outcome: Outcome; error?: string }[], now: Date, maxAttempts: number): Promise<void> {
  const sent = results.filter((r) => r.outcome === 'sent').map((r) => r.d.id);
  const gone = [...new Set(results.filter((r) => r.outcome === 'gone').map((r) => r.d.subscription_id))];
  const failed = results.filter((r) => r.outcome === 'failed' || (r.outcome === 'retry' && r.d.attempts >= maxAttempts));
  const retry = results.filter((r) => r.outcome === 'retry' && r.d.attempts < maxAttempts);
  if (sent.length) await db.updateTable('push_deliveries').set({ state: 'sent', sent_at: now, claimed_until: null }).where('id', 'in', sent).execute();
  // Removing the subscription takes its deliveries with it.
  if (gone.length) await db.deleteFrom('push_subscriptions').where('id', 'in', gone).execute();
  for (const r of failed)
    await db
      .updateTable('push_deliveries')
      .set({ state: 'failed', claimed_until: null, last_error: r.error ?? null })
      .where('id', '=', r.d.id)
      .execute();
  for (const r of retry) {
    await db
      .updateTable('push_deliveries')
      .set({ claimed_until: null, last_error: r.error ?? null, not_before: new Date(now.getTime() + backoffMs(r.d.attempts)) })
      .where('id', '=', r.d.id)
      .execute();
  }
}

export { unreadCounts };
