import type { Locale, WorkingHours } from '@parta/protocol';
import { sql, type RawBuilder } from 'kysely';
import type { Queryable, Tx } from '../db/schema.ts';
import { AppError } from '../http/errors.ts';

/**
 * Working hours: outside them no notification is raised for the user, though messages still
 * arrive. The decision for each message is stored in one row (`notification_decisions`): who
 * is notified and who is not, not a row per recipient.
 */
export interface HoursRow {
  timezone: string;
  start_minute: number;
  end_minute: number;
  days: number[];
}

const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
const minutes = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));

export function validTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export async function setWorkingHours(db: Queryable, userId: string, wh: WorkingHours): Promise<WorkingHours> {
  const start = minutes(wh.start);
  const end = wh.end === '24:00' ? 1440 : minutes(wh.end);
  // Decisions are made by the database (outsideHoursSql), so the zone must be known to it too.
  if (!validTimezone(wh.timezone) || !(await databaseKnowsZone(db, wh.timezone)) || start >= end || start > 1439 || end > 1440) {
    throw new AppError('validation_failed', 400, { issues: [{ path: 'body', message: 'start must be before end, in a known timezone' }] });
  }
  const values = { timezone: wh.timezone, start_minute: start, end_minute: end, days: [...new Set(wh.days)].sort(), updated_at: new Date() };
  await db
    .insertInto('working_hours')
    .values({ user_id: userId, ...values })
    .onConflict((oc) => oc.column('user_id').doUpdateSet(values))
    .execute();
  return presentHours(values);
}

async function databaseKnowsZone(db: Queryable, tz: string): Promise<boolean> {
  const res = await sql<{ ok: boolean }>`SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = ${tz}) AS ok`.execute(db);
  return res.rows[0]?.ok === true;
}

export function presentHours(r: HoursRow): WorkingHours {
  return { timezone: r.timezone, start: hhmm(r.start_minute), end: hhmm(r.end_minute), days: r.days };
}

/** The local weekday (1 = Monday) and minute of the day of an instant in a timezone, and the zone's offset in minutes. */
function local(at: Date, timeZone: string) {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(at);
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  const weekday = new Date(Date.UTC(get('year'), get('month') - 1, get('day'))).getUTCDay() || 7;
  return { weekday, minute: get('hour') * 60 + get('minute'), offset: Math.round((asUtc - at.getTime()) / 60000) };
}

/** null when `at` is within the working hours; otherwise the instant they next begin. */
export function quietUntil(h: HoursRow, at: Date): Date | null {
  const now = local(at, h.timezone);
  if (h.days.includes(now.weekday) && now.minute >= h.start_minute && now.minute < h.end_minute) return null;
  for (let d = 0; d <= 7; d++) {
    const weekday = ((now.weekday - 1 + d) % 7) + 1;
    if (!h.days.includes(weekday)) continue;
    if (d === 0 && now.minute >= h.start_minute) continue;
    const guess = new Date(at.getTime() + (d * 1440 + h.start_minute - now.minute) * 60000 - (at.getUTCSeconds() * 1000 + at.getUTCMilliseconds()));
    // Correct for a change of the zone's offset (daylight saving) between now and then.
    return new Date(guess.getTime() - (local(guess, h.timezone).offset - now.offset) * 60000);
  }
  return null;
}

export function formatResume(at: Date, timeZone: string, locale: Locale): string {
  return new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : 'ru-RU', {
    timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'long',
    hour: '2-digit',
    minute: '2-digit',
  }).format(at);
}

/**
 * SQL: whether the member whose `working_hours` row is aliased `w` is outside their hours at the
 * instant `at` (a timestamptz expression). No row: always within. The same rule as `quietUntil`
 * (local weekday in `days`, local minute in [start, end)), checked against it in send-batch.test.ts ("the SQL rule for working hours agrees with quietUntil").
 * Both arguments are the caller's own identifiers, never user input.
 */
export function outsideHoursSql(w: string, at: string): RawBuilder<boolean> {
  const local = `(${at} AT TIME ZONE ${w}.timezone)`;
  const minute = `(extract(hour FROM ${local}) * 60 + extract(minute FROM ${local}))`;
  return sql.raw<boolean>(
    `(${w}.user_id IS NOT NULL AND NOT (extract(isodow FROM ${local})::int = ANY (${w}.days) AND ${minute} >= ${w}.start_minute AND ${minute} < ${w}.end_minute))`,
  );
}

/**
 * Decides, for every member but the author, whether the message raises a notification now, and
 * stores the decision, in one statement. Returns the accounts held back by working hours.
 */
export async function decideNotifications(
  trx: Tx,
  msg: { id: string; chat_id: string; author_user_id: string },
  at: Date,
): Promise<{ notify: string[]; quiet: string[] }> {
  const res = await sql<{ notify: string[]; quiet: string[] }>`
    INSERT INTO notification_decisions (message_id, chat_id, notify, quiet)
    SELECT ${msg.id}::uuid, ${msg.chat_id}::uuid,
      coalesce(array_agg(m.user_id) FILTER (WHERE m.user_id IS NOT NULL AND NOT ${outsideHoursSql('w', 'a.at')}), '{}'),
      coalesce(array_agg(m.user_id) FILTER (WHERE m.user_id IS NOT NULL AND ${outsideHoursSql('w', 'a.at')}), '{}')
    FROM (SELECT ${at.toISOString()}::timestamptz AS at) a
    LEFT JOIN chat_members m ON m.chat_id = ${msg.chat_id}::uuid AND m.left_at IS NULL AND m.user_id <> ${msg.author_user_id}::uuid
    LEFT JOIN working_hours w ON w.user_id = m.user_id
    RETURNING notify::text[] AS notify, quiet::text[] AS quiet`.execute(trx);
  const row = res.rows[0]!;
  return { notify: row.notify, quiet: row.quiet };
}

/** When the account's notifications resume after `at`; null when it has no working hours or is within them. */
export async function resumesAt(db: Queryable, userId: string, at: Date): Promise<{ until: Date; timezone: string } | null> {
  const h = await db.selectFrom('working_hours').select(['timezone', 'start_minute', 'end_minute', 'days']).where('user_id', '=', userId).executeTakeFirst();
  const until = h ? quietUntil(h, at) : null;
  return until && h ? { until, timezone: h.timezone } : null;
}
