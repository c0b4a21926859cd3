import type { Locale, WorkingHours } from '@parta/protocol';
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
  if (!validTimezone(wh.timezone) || start >= end || start > 1439 || end > 1440) {
    throw new AppError('validation_failed', 400, { issues: [{ path: 'body', message: 'start must be before end, in a known timezone' }] });
  }
  const values = { timezone: wh.timezone, start_minute: start, end_minute: end, days: [...new Set(wh.days)].sort(), updated_at: new Date() };
  await db.insertInto('working_hours').values({ user_id: userId, ...values }).onConflict((oc) => oc.column('user_id').doUpdateSet(values)).execute();
  return presentHours(values);
}

export function presentHours(r: HoursRow): WorkingHours {
  return { timezone: r.timezone, start: hhmm(r.start_minute), end: hhmm(r.end_minute), days: r.days };
}

/** The local weekday (1 = Monday) and minute of the day of an instant in a timezone, and the zone's offset in minutes. */
function local(at: Date, timeZone: string) {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(at);
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
  return new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : 'ru-RU', { timeZone, weekday: 'short', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit' }).format(at);
}

/**
 * Decides, for every member but the author, whether the message raises a notification now.
 * Returns those held back by working hours, with when their hours resume.
 */
export async function decideNotifications(trx: Tx, msg: { id: string; chat_id: string; author_user_id: string }, at: Date) {
  const members = await trx
    .selectFrom('chat_members')
    .leftJoin('working_hours', 'working_hours.user_id', 'chat_members.user_id')
    .select(['chat_members.user_id', 'chat_members.person_id', 'working_hours.timezone', 'working_hours.start_minute', 'working_hours.end_minute', 'working_hours.days'])
    .where('chat_members.chat_id', '=', msg.chat_id)
    .where('chat_members.left_at', 'is', null)
    .where('chat_members.user_id', '!=', msg.author_user_id)
    .execute();
  const notify: string[] = [];
  const quiet: { userId: string; personId: string; until: Date; timezone: string }[] = [];
  for (const m of members) {
    const until = m.timezone ? quietUntil({ timezone: m.timezone, start_minute: m.start_minute!, end_minute: m.end_minute!, days: m.days! }, at) : null;
    if (until) quiet.push({ userId: m.user_id, personId: m.person_id, until, timezone: m.timezone! });
    else notify.push(m.user_id);
  }
  await trx.insertInto('notification_decisions').values({ message_id: msg.id, chat_id: msg.chat_id, notify, quiet: quiet.map((q) => q.userId) }).execute();
  return { notify, quiet };
}
