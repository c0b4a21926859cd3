import { sql } from 'kysely';
import type { Db, Tx } from '../db/schema.ts';
import { quietUntil } from '../messaging/quiet.ts';
import type { NotifyLevel } from './tables.ts';
import { defaultLevel, TRIGGERS, type Intent, type StreamEvent } from './triggers.ts';
import type { ChatKind } from '../messaging/tables.ts';

/** Whether an account has a live connection now (the WebSocket gateway): its devices get no push. */
export interface Presence {
  activeUsers(): Set<string>;
}

export const noPresence: Presence = { activeUsers: () => new Set() };

export interface ExpandResult {
  events: number;
  deliveries: number;
  /** The worker's place in the stream after this pass. */
  cursor: number;
}

const TYPES = Object.keys(TRIGGERS);

/**
 * Reads the update stream after the worker's cursor and turns the events that notify into
 * deliveries, one per device, in the same transaction that moves the cursor: a pass either
 * commits both or neither, so a restart neither loses an event nor counts it twice. The
 * deliveries' key (device, event) makes a repeated pass harmless anyway.
 */
export async function expandOnce(db: Db, opts: { now: Date; presence: Presence; limit?: number }): Promise<ExpandResult> {
  const limit = opts.limit ?? 200;
  return db.transaction().execute(async (trx) => {
    const cur = await sql<{ pos: string | number }>`SELECT pos FROM notification_cursor WHERE id = 1 FOR UPDATE`.execute(trx);
    const state = await trx.selectFrom('stream_state').select(['head', 'floor']).where('id', '=', 1).executeTakeFirstOrThrow();
    const head = Number(state.head);
    if (cur.rows.length === 0) {
      // First start: follow from the present.
      await trx
        .insertInto('notification_cursor')
        .values({ id: 1, pos: head })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
      return { events: 0, deliveries: 0, cursor: head };
    }
    // Events below the floor were pruned while the worker was away: they are gone for it too.
    const from = Math.max(Number(cur.rows[0]!.pos), Number(state.floor));
    if (from >= head) return { events: 0, deliveries: 0, cursor: from };
    const rows = await sql<{ pos: string | number; chat_id: string | null; user_id: string | null; type: string; payload: unknown }>`
      (SELECT e.pos, e.chat_id::text AS chat_id, NULL::text AS user_id, e.type, e.payload FROM chat_events e
        WHERE e.pos > ${from} AND e.pos <= ${head} AND e.type = ANY(${TYPES}::text[]) ORDER BY e.pos LIMIT ${limit})
      UNION ALL
      (SELECT u.pos, NULL::text, u.user_id::text, u.type, u.payload FROM user_events u
        WHERE u.pos > ${from} AND u.pos <= ${head} AND u.type = ANY(${TYPES}::text[]) ORDER BY u.pos LIMIT ${limit})
      ORDER BY pos LIMIT ${limit}`.execute(trx);
    const cursor = rows.rows.length === limit ? Number(rows.rows[rows.rows.length - 1]!.pos) : head;
    let deliveries = 0;
    const active = opts.presence.activeUsers();
    for (const r of rows.rows) {
      const event: StreamEvent = {
        pos: Number(r.pos),
        chatId: r.chat_id,
        userId: r.user_id,
        type: r.type,
        payload: (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as Record<string, unknown>,
      };
      for (const intent of await TRIGGERS[r.type]!(trx, event)) deliveries += await deliver(trx, intent, { now: opts.now, active });
    }
    await trx.updateTable('notification_cursor').set({ pos: cursor }).where('id', '=', 1).execute();
    return { events: rows.rows.length, deliveries, cursor };
  });
}

interface Row {
  subscription_id: string;
  user_id: string;
  event_key: string;
  kind: string;
  chat_id: string | null;
  message_id: string | null;
  not_before: Date;
  urgent: boolean;
  details: string | null;
}

const muted = (until: Date | null, now: Date) => until !== null && until.getTime() > now.getTime();
const passes = (level: NotifyLevel, important: boolean) => level === 'all' || (level === 'important' && important);

/**
 * One intent's deliveries: the chat's and the device's settings, an account active elsewhere,
 * and quiet hours (personal ones, decided at send, and the school's). Held deliveries of one chat
 * and one quiet spell are one row, counted: the summary sent when the hours end.
 */
export async function deliver(trx: Tx, intent: Intent, o: { now: Date; active: Set<string>; urgent?: boolean }): Promise<number> {
  const users = [...new Set([...intent.notify, ...intent.quiet])].filter((u) => o.urgent || !o.active.has(u));
  if (users.length === 0) return 0;
  const [subs, chatPrefs, chat, hours, school] = await Promise.all([
    trx
      .selectFrom('push_subscriptions as p')
      .innerJoin('sessions as s', 's.id', 'p.session_id')
      .select(['p.id', 'p.user_id', 'p.level', 'p.muted_until'])
      .where('p.user_id', 'in', users)
      .where('s.revoked_at', 'is', null)
      .where('p.expires_at', '>', o.now)
      .execute(),
    intent.chatId
      ? trx
          .selectFrom('chat_notification_settings')
          .select(['user_id', 'level', 'muted_until'])
          .where('chat_id', '=', intent.chatId)
          .where('user_id', 'in', users)
          .execute()
      : Promise.resolve([]),
    intent.chatId ? trx.selectFrom('chats').select('kind').where('id', '=', intent.chatId).executeTakeFirst() : Promise.resolve(undefined),
    intent.quiet.length && !o.urgent
      ? trx.selectFrom('working_hours').select(['user_id', 'timezone', 'start_minute', 'end_minute', 'days']).where('user_id', 'in', intent.quiet).execute()
      : Promise.resolve([]),
    trx
      .selectFrom('schools')
      .leftJoin('notification_policies as np', 'np.school_id', 'schools.id')
      .select(['schools.timezone', 'np.quiet_start_minute', 'np.quiet_end_minute'])
      .where('schools.id', '=', intent.schoolId)
      .executeTakeFirst(),
  ]);
  if (subs.length === 0) return 0;
  const prefs = new Map(chatPrefs.map((p) => [p.user_id, p]));
  const hoursOf = new Map(hours.map((h) => [h.user_id, h]));
  const fallback: NotifyLevel = chat ? defaultLevel(chat.kind as ChatKind) : 'all';
  const schoolHold = !o.urgent && school ? schoolQuietUntil(intent.at, school.timezone, school.quiet_start_minute, school.quiet_end_minute) : null;
  const now: Row[] = [];
  const held: Row[] = [];
  for (const sub of subs) {
    const important = intent.important.has(sub.user_id);
    if (!o.urgent) {
      const pref = prefs.get(sub.user_id);
      if (!passes(pref?.level ?? fallback, important) || muted(pref?.muted_until ?? null, o.now)) continue;
      if (!passes(sub.level, important) || muted(sub.muted_until, o.now)) continue;
    }
    const h = hoursOf.get(sub.user_id);
    const personal = h ? quietUntil(h, intent.at) : null;
    const until = [personal, schoolHold].filter((d): d is Date => d !== null).sort((a, b) => b.getTime() - a.getTime())[0] ?? null;
    const base = {
      subscription_id: sub.id,
      user_id: sub.user_id,
      kind: intent.kind,
      chat_id: intent.chatId,
      message_id: intent.messageId,
      urgent: o.urgent === true,
      details: intent.details ? JSON.stringify(intent.details) : null,
    };
    if (until && until.getTime() > o.now.getTime())
      held.push({ ...base, kind: 'summary', event_key: `summary:${intent.chatId ?? intent.kind}:${until.toISOString()}`, not_before: until });
    else now.push({ ...base, event_key: intent.eventKey, not_before: o.now });
  }
  let n = 0;
  for (let i = 0; i < now.length; i += 500) {
    const r = await trx
      .insertInto('push_deliveries')
      .values(now.slice(i, i + 500))
      .onConflict((oc) => oc.columns(['subscription_id', 'event_key']).doNothing())
      .executeTakeFirst();
    n += Number(r.numInsertedOrUpdatedRows ?? 0);
  }
  for (let i = 0; i < held.length; i += 500) {
    // One summary per chat and quiet spell: a later message counts in and becomes the one it opens.
    const r = await trx
      .insertInto('push_deliveries')
      .values(held.slice(i, i + 500))
      .onConflict((oc) =>
        oc
          .columns(['subscription_id', 'event_key'])
          .doUpdateSet((eb) => ({
            count: sql<number>`${eb.ref('push_deliveries.count')} + 1`,
            message_id: eb.ref('excluded.message_id'),
            details: eb.ref('excluded.details'),
          }))
          .where('push_deliveries.state', '=', 'pending'),
      )
      .executeTakeFirst();
    n += Number(r.numInsertedOrUpdatedRows ?? 0);
  }
  return n;
}

/** The school's quiet hours (wrapping midnight when start > end): null outside them, else when they end. */
export function schoolQuietUntil(at: Date, timezone: string, start: number | null, end: number | null): Date | null {
  if (start === null || end === null || start === end) return null;
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: timezone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit' }).formatToParts(at);
  const m = Number(parts.find((p) => p.type === 'hour')!.value) * 60 + Number(parts.find((p) => p.type === 'minute')!.value);
  const inside = start < end ? m >= start && m < end : m >= start || m < end;
  if (!inside) return null;
  // The next instant the local clock reads `end`: the rule of working hours with a one-minute window.
  return quietUntil({ timezone, start_minute: end, end_minute: end + 1, days: [1, 2, 3, 4, 5, 6, 7] }, at);
}
