import type { Locale, MessageAttachment, NotificationView, SchoolRole } from '@parta/protocol';
import type { Queryable } from '../db/schema.ts';
import { AppError } from '../http/errors.ts';
import { t } from '../i18n/messages.ts';
import { accessChat } from '../messaging/access.ts';
import { unreadCounts } from './store.ts';
import type { DeliveryDetails } from './triggers.ts';

const MAX_BODY = 240;

/** A message without text: a meeting or poll card (and a meeting's reminder), or files. */
function attachmentText(locale: Locale, attachments: MessageAttachment[], hasFiles: boolean): string {
  const card = attachments.find((a) => a.kind === 'meeting' || a.kind === 'poll');
  if (card) return t(locale, 'notify_card', { kind: card.kind, title: card.name, soon: card.contentType.endsWith('+reminder') });
  return hasFiles || attachments.length > 0 ? t(locale, 'notify_attachment') : '';
}
const ROLE_ORDER: SchoolRole[] = ['teacher', 'admin', 'guardian', 'student'];

/**
 * What the service worker shows for a push: read with the device's own session, and only for the
 * account the delivery was for, still a member of its chat (otherwise 404, like any chat content).
 * "Анна Петровна (учитель), 5А — родители" over the text; a summary counts the messages held.
 */
export async function notificationView(db: Queryable, userId: string, locale: Locale, id: string): Promise<NotificationView> {
  const d = await db
    .selectFrom('push_deliveries')
    .select(['id', 'chat_id', 'message_id', 'kind', 'count', 'urgent', 'details'])
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (d && !d.chat_id && d.details)
    return diaryView(db, userId, locale, { ...d, details: (typeof d.details === 'string' ? JSON.parse(d.details) : d.details) as DeliveryDetails });
  if (!d || !d.chat_id) throw new AppError('notification_not_found', 404);
  const access = await accessChat(db, userId, d.chat_id).catch(() => {
    throw new AppError('notification_not_found', 404);
  });
  const chat = access.chat;
  const [message, klass, mark, unread] = await Promise.all([
    d.message_id
      ? db
          .selectFrom('messages')
          .innerJoin('persons', 'persons.id', 'messages.author_person_id')
          .select([
            'messages.id',
            'messages.seq',
            'messages.text',
            'messages.has_attachments',
            'messages.attachments',
            'messages.deleted_at',
            'messages.author_roles',
            'persons.first_name',
            'persons.middle_name',
            'persons.last_name',
          ])
          .where('messages.id', '=', d.message_id)
          .where('messages.chat_id', '=', chat.id)
          .executeTakeFirst()
      : Promise.resolve(undefined),
    chat.class_id ? db.selectFrom('classes').select('name').where('id', '=', chat.class_id).executeTakeFirst() : Promise.resolve(undefined),
    d.message_id ? db.selectFrom('urgent_marks').select('reason').where('message_id', '=', d.message_id).executeTakeFirst() : Promise.resolve(undefined),
    unreadCounts(db, [userId]),
  ]);
  const chatName =
    chat.kind === 'direct'
      ? ''
      : chat.kind === 'group'
        ? (chat.title ?? '')
        : t(locale, 'notify_chat', { kind: chat.kind, name: klass?.name ?? chat.title ?? '' });
  let author = '';
  if (message) {
    const role = ROLE_ORDER.find((r) => message.author_roles.includes(r));
    const name = [message.first_name, message.middle_name].filter(Boolean).join(' ') || message.last_name;
    author = role ? `${name} (${t(locale, 'role', { role })})` : name;
  }
  const title = [author, chatName].filter(Boolean).join(', ');
  let text = !message
    ? ''
    : message.deleted_at
      ? t(locale, 'notify_deleted')
      : message.text.trim() || attachmentText(locale, message.attachments as MessageAttachment[], message.has_attachments);
  if (text.length > MAX_BODY) text = `${text.slice(0, MAX_BODY - 1)}…`;
  if (d.kind === 'summary' && d.count > 1) text = `${t(locale, 'notify_summary', { count: d.count })}: ${text}`;
  if (d.urgent && mark) text = `${t(locale, 'notify_urgent', { reason: mark.reason })}\n${text}`;
  const query = message ? `?m=${message.id}&seq=${Number(message.seq)}` : '';
  return {
    id: d.id,
    chatId: chat.id,
    messageId: message?.id ?? null,
    title,
    body: text,
    tag: `chat:${chat.id}`,
    count: d.count,
    unread: unread.get(userId) ?? 0,
    urgent: d.urgent,
    url: `/chats/${chat.id}${query}`,
  };
}

/**
 * A diary event: "Дневник — Егор" over "Новая оценка 5: Математика" (a guardian sees their
 * child's first name; the student just "Дневник"). Only while the account is still that student
 * or one of their guardians (a student of the class, for homework); a tap opens the diary.
 */
async function diaryView(
  db: Queryable,
  userId: string,
  locale: Locale,
  d: { id: string; kind: string; count: number; details: DeliveryDetails },
): Promise<NotificationView> {
  const x = d.details;
  const [me, subject, student, unread] = await Promise.all([
    db.selectFrom('persons').select('id').where('user_id', '=', userId).where('archived_at', 'is', null).execute(),
    x.subjectId ? db.selectFrom('subjects').select('name').where('id', '=', x.subjectId).executeTakeFirst() : Promise.resolve(undefined),
    x.studentId ? db.selectFrom('persons').select(['id', 'first_name']).where('id', '=', x.studentId).executeTakeFirst() : Promise.resolve(undefined),
    unreadCounts(db, [userId]),
  ]);
  const mine = me.map((p) => p.id);
  const related = await db
    .selectFrom('enrolments as e')
    .leftJoin('guardianships as g', 'g.student_id', 'e.student_id')
    .select('e.student_id')
    .where('e.class_id', '=', x.classId)
    .where('e.left_at', 'is', null)
    .where((eb) => (x.studentId ? eb('e.student_id', '=', x.studentId) : eb.val(true)))
    .where((eb) =>
      eb.or([
        eb('e.student_id', 'in', mine.length ? mine : ['00000000-0000-0000-0000-000000000000']),
        eb('g.guardian_id', 'in', mine.length ? mine : ['00000000-0000-0000-0000-000000000000']),
      ]),
    )
    .executeTakeFirst();
  if (!related) throw new AppError('notification_not_found', 404);
  const child = student && !mine.includes(student.id) ? student.first_name : '';
  const title = [t(locale, 'notify_diary'), child].filter(Boolean).join(' — ');
  let body = t(locale, 'notify_diary_event', { type: x.type, subject: subject?.name ?? '', grade: x.grade ?? '', dueOn: x.dueOn ?? '' });
  if (d.kind === 'summary' && d.count > 1) body = `${t(locale, 'notify_diary_summary', { count: d.count })}: ${body}`;
  return {
    id: d.id,
    chatId: null,
    messageId: null,
    title,
    body,
    tag: `diary:${x.studentId ?? x.classId}`,
    count: d.count,
    unread: unread.get(userId) ?? 0,
    urgent: false,
    url: '/diary',
  };
}
