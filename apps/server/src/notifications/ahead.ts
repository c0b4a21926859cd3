import type { Locale, RecipientHours } from '@parta/protocol';
import type { Queryable } from '../db/schema.ts';
import { t } from '../i18n/messages.ts';
import { accessChat } from '../messaging/access.ts';
import { formatResume, quietUntil } from '../messaging/quiet.ts';
import { schoolQuietUntil } from './expand.ts';

/**
 * Before sending in a direct chat: whether the other person is in quiet hours now (their own or
 * the school's), and when a notification would reach them, so the writer knows before sending.
 */
export async function recipientHours(db: Queryable, userId: string, locale: Locale, chatId: string, now = new Date()): Promise<RecipientHours> {
  const access = await accessChat(db, userId, chatId);
  if (access.chat.kind !== 'direct') return { notice: null };
  const other = await db
    .selectFrom('chat_members as m')
    .innerJoin('persons as p', 'p.id', 'm.person_id')
    .leftJoin('working_hours as w', 'w.user_id', 'm.user_id')
    .select(['p.id as person_id', 'p.first_name', 'p.middle_name', 'p.last_name', 'w.timezone', 'w.start_minute', 'w.end_minute', 'w.days'])
    .where('m.chat_id', '=', chatId)
    .where('m.user_id', '<>', userId)
    .where('m.left_at', 'is', null)
    .executeTakeFirst();
  if (!other) return { notice: null };
  const school = await db
    .selectFrom('schools')
    .leftJoin('notification_policies as np', 'np.school_id', 'schools.id')
    .select(['schools.timezone', 'np.quiet_start_minute', 'np.quiet_end_minute'])
    .where('schools.id', '=', access.schoolId)
    .executeTakeFirstOrThrow();
  const personal =
    other.timezone !== null && other.start_minute !== null && other.end_minute !== null && other.days !== null
      ? quietUntil({ timezone: other.timezone, start_minute: other.start_minute, end_minute: other.end_minute, days: other.days }, now)
      : null;
  const schoolWide = schoolQuietUntil(now, school.timezone, school.quiet_start_minute, school.quiet_end_minute);
  const until = [personal, schoolWide].filter((d): d is Date => d !== null).sort((a, b) => b.getTime() - a.getTime())[0];
  if (!until) return { notice: null };
  const name = [other.first_name, other.middle_name].filter(Boolean).join(' ') || other.last_name;
  const when = formatResume(until, personal && until === personal ? other.timezone! : school.timezone, locale);
  return { notice: { personId: other.person_id, resumesAt: until.toISOString(), message: t(locale, 'quiet_hours_ahead', { name, when }) } };
}
