import { sql } from 'kysely';
import type {
  ChatNotifySettings,
  DevicePush,
  MuteFor,
  NotificationPolicy,
  NotifySettingsBody,
  PushSubscribeBody,
  UrgentBudget,
  UrgentMark,
} from '@parta/protocol';
import type { AppContext } from '../context.ts';
import type { Queryable, Tx } from '../db/schema.ts';
import { t } from '../i18n/messages.ts';
import { AppError } from '../http/errors.ts';
import type { AuthContext } from '../identity/service.ts';
import { accessChat } from '../messaging/access.ts';
import { MESSAGE_COLUMNS, presentMessage } from '../messaging/present.ts';
import { withOutbox } from '../stream/transaction.ts';
import type { ChatKind } from '../messaging/tables.ts';
import { deliver } from './expand.ts';
import * as store from './store.ts';
import { defaultLevel } from './triggers.ts';
import { NOTIFY_TOPIC } from './worker.ts';

/** A subscription the browser gives no expiry for is kept this long after it was last renewed (the client renews it at every start). */
const DEFAULT_SUBSCRIPTION_DAYS = 60;
const MUTE_MS: Record<Exclude<MuteFor, null | 'forever'>, number> = { '1h': 3_600_000, '8h': 8 * 3_600_000, '1d': 86_400_000 };
/** "Forever": far enough that no one sees it end. */
const FOREVER = new Date('9999-12-31T00:00:00Z');

export function muteUntil(mute: MuteFor, now = new Date()): Date | null {
  if (mute === null) return null;
  return mute === 'forever' ? FOREVER : new Date(now.getTime() + MUTE_MS[mute]);
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export async function subscribe(ctx: AppContext, auth: AuthContext, body: PushSubscribeBody): Promise<DevicePush> {
  const days = new Date(Date.now() + DEFAULT_SUBSCRIPTION_DAYS * 86_400_000);
  const expiresAt = body.expirationTime ? new Date(Math.min(body.expirationTime, days.getTime())) : days;
  if (expiresAt.getTime() <= Date.now())
    throw new AppError('validation_failed', 400, { issues: [{ path: 'expirationTime', message: 'the subscription has expired' }] });
  await store.upsertSubscription(ctx.db, {
    userId: auth.user.id,
    sessionId: auth.sessionId,
    endpoint: body.endpoint,
    p256dh: body.keys.p256dh,
    auth: body.keys.auth,
    expiresAt,
  });
  return devicePush(ctx.db, auth.sessionId);
}

export async function devicePush(db: Queryable, sessionId: string): Promise<DevicePush> {
  const s = await store.subscriptionOfSession(db, sessionId);
  return s
    ? { subscribed: true, expiresAt: iso(s.expires_at), level: s.level, mutedUntil: iso(s.muted_until) }
    : { subscribed: false, expiresAt: null, level: 'all', mutedUntil: null };
}

export async function setDevice(ctx: AppContext, auth: AuthContext, body: NotifySettingsBody): Promise<DevicePush> {
  const patch = { ...(body.level ? { level: body.level } : {}), ...(body.mute !== undefined ? { muted_until: muteUntil(body.mute) } : {}) };
  if (!(await store.setDeviceSettings(ctx.db, auth.sessionId, patch))) throw new AppError('push_not_subscribed', 404);
  return devicePush(ctx.db, auth.sessionId);
}

export async function chatSettings(ctx: AppContext, userId: string, chatId: string): Promise<ChatNotifySettings> {
  const access = await accessChat(ctx.db, userId, chatId);
  const s = await store.chatSettings(ctx.db, userId, chatId);
  return { level: s?.level ?? defaultLevel(access.chat.kind as ChatKind), mutedUntil: iso(s?.muted_until) };
}

export async function setChatSettings(ctx: AppContext, userId: string, chatId: string, body: NotifySettingsBody): Promise<ChatNotifySettings> {
  await accessChat(ctx.db, userId, chatId);
  await store.setChatSettings(ctx.db, userId, chatId, {
    ...(body.level ? { level: body.level } : {}),
    ...(body.mute !== undefined ? { muted_until: muteUntil(body.mute) } : {}),
  });
  return chatSettings(ctx, userId, chatId);
}

const hhmm = (m: number | null) => (m === null ? null : `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`);
const minutes = (s: string | null) => (s === null ? null : Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5)));

export async function getPolicy(db: Queryable, schoolId: string): Promise<NotificationPolicy> {
  const p = await db.selectFrom('notification_policies').selectAll().where('school_id', '=', schoolId).executeTakeFirst();
  return {
    quietStart: hhmm(p?.quiet_start_minute ?? null),
    quietEnd: hhmm(p?.quiet_end_minute ?? null),
    urgentPerDay: p?.urgent_per_day ?? 3,
    urgentSmsPerDay: p?.urgent_sms_per_day ?? 100,
    inviteSmsPerDay: p?.invite_sms_per_day ?? 300,
    privateKinds: (p?.private_kinds ?? ['direct']) as NotificationPolicy['privateKinds'],
  };
}

export async function setPolicy(db: Queryable, schoolId: string, body: NotificationPolicy): Promise<NotificationPolicy> {
  if ((body.quietStart === null) !== (body.quietEnd === null) || (body.quietStart !== null && body.quietStart === body.quietEnd)) {
    throw new AppError('validation_failed', 400, { issues: [{ path: 'quietStart', message: 'give both ends of the quiet hours, or neither' }] });
  }
  const values = {
    quiet_start_minute: minutes(body.quietStart),
    quiet_end_minute: minutes(body.quietEnd),
    urgent_per_day: body.urgentPerDay,
    urgent_sms_per_day: body.urgentSmsPerDay,
    invite_sms_per_day: body.inviteSmsPerDay,
    private_kinds: [...new Set(body.privateKinds)],
    updated_at: new Date(),
  };
  await db
    .insertInto('notification_policies')
    .values({ school_id: schoolId, ...values })
    .onConflict((oc) => oc.column('school_id').doUpdateSet(values))
    .execute();
  return getPolicy(db, schoolId);
}

/** What is left of my urgent marks today (the composer shows it). */
export async function urgentBudget(ctx: AppContext, auth: AuthContext, chatId: string): Promise<UrgentBudget> {
  const access = await accessChat(ctx.db, auth.user.id, chatId);
  const policy = await getPolicy(ctx.db, access.schoolId);
  const used = await sql<{ n: number | string }>`
    SELECT count(*) AS n FROM urgent_marks u JOIN schools s ON s.id = u.school_id
    WHERE u.person_id = ${access.person.id}::uuid
      AND (u.created_at AT TIME ZONE s.timezone)::date = (now() AT TIME ZONE s.timezone)::date`.execute(ctx.db);
  return { allowed: access.isStaff, usedToday: Number(used.rows[0]!.n), perDay: policy.urgentPerDay };
}

/**
 * "Срочно": the author, a teacher or admin, marks their message urgent. Its pushes go at once,
 * past quiet hours and mutes, marked urgent with the reason; at most the school's number per
 * person per day (counted in the school's time zone); written to the school's audit log.
 */
export async function markUrgent(ctx: AppContext, auth: AuthContext, chatId: string, messageId: string, reason: string): Promise<UrgentMark> {
  const access = await accessChat(ctx.db, auth.user.id, chatId);
  const message = await ctx.db
    .selectFrom('messages')
    .select(['id', 'author_user_id', 'created_at', 'deleted_at'])
    .where('id', '=', messageId)
    .where('chat_id', '=', chatId)
    .executeTakeFirst();
  if (!message || message.deleted_at) throw new AppError('message_not_found', 404);
  if (!access.isStaff || message.author_user_id !== auth.user.id) throw new AppError('urgent_not_allowed', 403);
  const policy = await getPolicy(ctx.db, access.schoolId);
  const result = await withOutbox(ctx, async (trx, outbox) => {
    // One person's marks one at a time, so two at once cannot both take the last one of the day.
    await sql`SELECT id FROM persons WHERE id = ${access.person.id}::uuid FOR UPDATE`.execute(trx);
    const used = await sql<{ n: number | string }>`
      SELECT count(*) AS n FROM urgent_marks u JOIN schools s ON s.id = u.school_id
      WHERE u.person_id = ${access.person.id}::uuid
        AND (u.created_at AT TIME ZONE s.timezone)::date = (now() AT TIME ZONE s.timezone)::date`.execute(trx);
    const usedToday = Number(used.rows[0]!.n);
    const existing = await trx.selectFrom('urgent_marks').select('reason').where('message_id', '=', messageId).executeTakeFirst();
    if (existing) return { mark: { messageId, reason: existing.reason, usedToday, perDay: policy.urgentPerDay, sms: 0 }, phones: [] };
    if (usedToday >= policy.urgentPerDay) throw new AppError('urgent_limit_reached', 429, { perDay: policy.urgentPerDay });
    await trx
      .insertInto('urgent_marks')
      .values({ message_id: messageId, chat_id: chatId, school_id: access.schoolId, person_id: access.person.id, reason })
      .execute();
    // Open chats show the mark at once: the message again, now with its reason.
    const row = await trx.selectFrom('messages').select(MESSAGE_COLUMNS).where('id', '=', messageId).executeTakeFirstOrThrow();
    outbox.chat(chatId, { type: 'message.edited', chatId, message: await presentMessage(trx, row, access.chat) });
    await trx
      .insertInto('school_audit_log')
      .values({
        school_id: access.schoolId,
        actor_person_id: access.person.id,
        action: 'message.urgent',
        details: JSON.stringify({ chatId, messageId, reason }),
      })
      .execute();
    const decision = await sql<{
      notify: string[];
      quiet: string[];
    }>`SELECT notify::text[] AS notify, quiet::text[] AS quiet FROM notification_decisions WHERE message_id = ${messageId}::uuid`.execute(trx);
    const d = decision.rows[0];
    let phones: { phone: string; locale: 'ru' | 'en' }[] = [];
    if (d) {
      const everyone = [...d.notify, ...d.quiet];
      phones = await reserveUrgentSms(trx, { schoolId: access.schoolId, messageId, users: everyone, perDay: policy.urgentSmsPerDay });
      await deliver(
        trx,
        {
          eventKey: `urgent:${messageId}`,
          kind: 'urgent',
          schoolId: access.schoolId,
          chatId,
          messageId,
          at: new Date(),
          notify: everyone,
          quiet: [],
          important: new Set(everyone),
        },
        { now: new Date(), active: new Set(), urgent: true },
      );
    }
    return { mark: { messageId, reason, usedToday: usedToday + 1, perDay: policy.urgentPerDay, sms: phones.length }, phones };
  });
  await ctx.pubsub.publish(NOTIFY_TOPIC, '{}').catch((err: unknown) => ctx.log.warn({ err }, 'waking the notification worker failed'));
  // SMS go out after the answer, one at a time: the gateway's speed is not the teacher's wait.
  const url = ctx.config.publicUrl;
  void (async () => {
    for (const p of result.phones)
      await ctx.sms.send(p.phone, t(p.locale, 'urgent_sms', { url })).catch((err: unknown) => ctx.log.warn({ err }, 'an urgent SMS failed'));
  })();
  return result.mark;
}

/**
 * Guardians among the recipients who have no device for pushes get an SMS, as many as the
 * school's daily cap leaves (counted in its time zone). Reserved in the mark's transaction, so a
 * retry of the mark sends none twice; the SMS carries no content, only that there is something urgent.
 */
async function reserveUrgentSms(
  trx: Tx,
  o: { schoolId: string; messageId: string; users: string[]; perDay: number },
): Promise<{ phone: string; locale: 'ru' | 'en' }[]> {
  if (o.users.length === 0 || o.perDay === 0) return [];
  await sql`SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(hashtext(${`urgent-sms:${o.schoolId}`}))) l`.execute(trx);
  const used = await sql<{ n: number | string }>`
    SELECT count(*) AS n FROM urgent_sms u JOIN schools s ON s.id = u.school_id
    WHERE u.school_id = ${o.schoolId}::uuid AND (u.created_at AT TIME ZONE s.timezone)::date = (now() AT TIME ZONE s.timezone)::date`.execute(trx);
  const left = o.perDay - Number(used.rows[0]!.n);
  if (left <= 0) return [];
  const rows = await sql<{ user_id: string; phone: string; locale: 'ru' | 'en' }>`
    SELECT u.id::text AS user_id, u.phone, u.locale FROM users u
    WHERE u.id = ANY(${o.users}::uuid[])
      AND EXISTS (SELECT 1 FROM persons p WHERE p.user_id = u.id AND p.school_id = ${o.schoolId}::uuid AND p.archived_at IS NULL AND 'guardian' = ANY(p.roles))
      AND NOT EXISTS (SELECT 1 FROM push_subscriptions ps JOIN sessions se ON se.id = ps.session_id
                      WHERE ps.user_id = u.id AND se.revoked_at IS NULL AND ps.expires_at > now())
    ORDER BY u.id LIMIT ${left}`.execute(trx);
  if (rows.rows.length === 0) return [];
  await trx
    .insertInto('urgent_sms')
    .values(rows.rows.map((r) => ({ message_id: o.messageId, user_id: r.user_id, school_id: o.schoolId })))
    .onConflict((oc) => oc.columns(['message_id', 'user_id']).doNothing())
    .execute();
  return rows.rows.map((r) => ({ phone: r.phone, locale: r.locale }));
}
