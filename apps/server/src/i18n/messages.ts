import type { Locale } from '@parta/protocol';

/** Server-side text that reaches people (SMS, notifications, exported files). Russian first, English second. */
const messages = {
  sms_code: {
    ru: (p: { code: string }) => `Parta: код для входа ${p.code}. Никому его не сообщайте.`,
    en: (p: { code: string }) => `Parta: your sign-in code is ${p.code}. Do not share it.`,
  },
  quiet_hours_notice: {
    ru: (p: { name: string; when: string }) => `Сейчас у адресата (${p.name}) нерабочее время. Сообщение доставлено, уведомления возобновятся ${p.when}.`,
    en: (p: { name: string; when: string }) => `It is outside ${p.name}'s working hours. The message is delivered; notifications resume ${p.when}.`,
  },
  notify_chat: {
    ru: (p: { kind: string; name: string }) =>
      ({
        class: p.name,
        parents: `${p.name} — родители`,
        parents_only: `${p.name} — только родители`,
        class_channel: `${p.name} — канал`,
        staff: 'Учительская',
        school_channel: 'Канал школы',
      })[p.kind] ?? p.name,
    en: (p: { kind: string; name: string }) =>
      ({
        class: p.name,
        parents: `${p.name} — parents`,
        parents_only: `${p.name} — parents only`,
        class_channel: `${p.name} — channel`,
        staff: 'Staff room',
        school_channel: 'School channel',
      })[p.kind] ?? p.name,
  },
  notify_summary: {
    ru: (p: { count: number }) =>
      `${p.count} ${({ one: 'новое сообщение', few: 'новых сообщения', many: 'новых сообщений', other: 'новых сообщения' } as Record<string, string>)[new Intl.PluralRules('ru').select(p.count)]}`,
    en: (p: { count: number }) => `${p.count} new message${p.count === 1 ? '' : 's'}`,
  },
  notify_urgent: { ru: (p: { reason: string }) => `Срочно: ${p.reason}`, en: (p: { reason: string }) => `Urgent: ${p.reason}` },
  notify_card: {
    ru: (p: { kind: string; title: string; soon: boolean }) => `${p.kind === 'poll' ? 'Опрос' : p.soon ? 'Встреча через 15 минут' : 'Встреча'}: ${p.title}`,
    en: (p: { kind: string; title: string; soon: boolean }) => `${p.kind === 'poll' ? 'Poll' : p.soon ? 'Meeting in 15 minutes' : 'Meeting'}: ${p.title}`,
  },
  ack_nudge: {
    ru: (p: { chat: string; text: string }) => `Напоминание: пожалуйста, подтвердите «Ознакомлен(а)» под сообщением в чате «${p.chat}»: «${p.text}»`,
    en: (p: { chat: string; text: string }) => `Reminder: please confirm "Read and understood" under the message in "${p.chat}": "${p.text}"`,
  },
  notify_attachment: { ru: () => 'Вложение', en: () => 'Attachment' },
  notify_deleted: { ru: () => 'Сообщение удалено', en: () => 'The message was deleted' },
  quiet_hours_ahead: {
    ru: (p: { name: string; when: string }) => `У адресата (${p.name}) сейчас нерабочее время: сообщение дойдёт сразу, а уведомление — ${p.when}.`,
    en: (p: { name: string; when: string }) => `It is outside ${p.name}'s working hours: the message arrives at once, the notification ${p.when}.`,
  },
  notify_diary: { ru: () => 'Дневник', en: () => 'Diary' },
  notify_diary_event: {
    ru: (p: { type: string; subject: string; grade: string; dueOn: string }) =>
      p.type === 'diary.grade'
        ? `Новая оценка ${p.grade}: ${p.subject}`
        : p.type === 'diary.homework'
          ? `Домашнее задание: ${p.subject}${p.dueOn ? `, к ${p.dueOn.slice(8, 10)}.${p.dueOn.slice(5, 7)}` : ''}`
          : `Отсутствие на уроке: ${p.subject}`,
    en: (p: { type: string; subject: string; grade: string; dueOn: string }) =>
      p.type === 'diary.grade'
        ? `New grade ${p.grade}: ${p.subject}`
        : p.type === 'diary.homework'
          ? `Homework: ${p.subject}${p.dueOn ? `, due ${p.dueOn}` : ''}`
          : `Absent from a lesson: ${p.subject}`,
  },
  notify_diary_summary: {
    ru: (p: { count: number }) =>
      `${p.count} ${({ one: 'новая запись', few: 'новые записи', many: 'новых записей', other: 'новые записи' } as Record<string, string>)[new Intl.PluralRules('ru').select(p.count)]} в дневнике`,
    en: (p: { count: number }) => `${p.count} new diary entr${p.count === 1 ? 'y' : 'ies'}`,
  },
  email_verify_subject: { ru: () => 'Parta: подтвердите адрес e-mail', en: () => 'Parta: confirm your e-mail address' },
  email_verify_text: {
    ru: (p: { link: string }) =>
      `Чтобы получать на этот адрес сводки непрочитанных сообщений школы, откройте ссылку (действует 48 часов):\n${p.link}\n\nЕсли вы не указывали этот адрес в Parta, просто удалите письмо.`,
    en: (p: { link: string }) =>
      `To get digests of the school's unread messages at this address, open this link (valid for 48 hours):\n${p.link}\n\nIf you did not give this address to Parta, just delete this e-mail.`,
  },
  email_verified: {
    ru: () => 'Адрес e-mail подтверждён. Сводки будут приходить, если вы долго не открываете Parta.',
    en: () => 'E-mail address confirmed. Digests will come when you have not opened Parta for a while.',
  },
  email_unsubscribed: {
    ru: () => 'Вы отписались от сводок по e-mail. Включить их снова можно в профиле Parta.',
    en: () => 'You are unsubscribed from e-mail digests. You can turn them on again in your Parta profile.',
  },
  email_link_invalid: { ru: () => 'Ссылка недействительна или устарела.', en: () => 'The link is invalid or has expired.' },
  digest_subject: {
    ru: (p: { count: number }) =>
      `Parta: ${p.count} ${({ one: 'непрочитанное сообщение', few: 'непрочитанных сообщения', many: 'непрочитанных сообщений', other: 'непрочитанного сообщения' } as Record<string, string>)[new Intl.PluralRules('ru').select(p.count)]} от школы`,
    en: (p: { count: number }) => `Parta: ${p.count} unread message${p.count === 1 ? '' : 's'} from the school`,
  },
  digest_intro: {
    ru: () => 'Пока вас не было в Parta, учителя и школа написали:',
    en: () => 'While you were away from Parta, the teachers and the school wrote:',
  },
  digest_private: {
    ru: (p: { count: number; chat: string }) =>
      `${p.count} ${({ one: 'новое сообщение', few: 'новых сообщения', many: 'новых сообщений', other: 'новых сообщения' } as Record<string, string>)[new Intl.PluralRules('ru').select(p.count)]} в «${p.chat}»`,
    en: (p: { count: number; chat: string }) => `${p.count} new message${p.count === 1 ? '' : 's'} in “${p.chat}”`,
  },
  digest_more: { ru: () => '…и другие — откройте Parta.', en: () => '…and more: open Parta.' },
  digest_footer: {
    ru: (p: { url: string }) => `Это письмо пришло, потому что вы указали адрес в профиле Parta и давно не открывали приложение. Отписаться: ${p.url}`,
    en: (p: { url: string }) =>
      `You get this because you gave this address in your Parta profile and have not opened the app for a while. Unsubscribe: ${p.url}`,
  },
  invite_sms: {
    ru: (p: { school: string; link: string }) => `${p.school} приглашает вас в Parta — школьные чаты и дневник. Войдите: ${p.link}`,
    en: (p: { school: string; link: string }) => `${p.school} invites you to Parta, the school's chats and diary. Join: ${p.link}`,
  },
  urgent_sms: {
    ru: (p: { url: string }) => `Parta: срочное сообщение от школы. Откройте ${p.url}`,
    en: (p: { url: string }) => `Parta: an urgent message from the school. Open ${p.url}`,
  },
  helper_invitation_sms: {
    ru: (p: { school: string; link: string; code: string }) =>
      `Parta: приглашение в ${p.school}. Войдите по этому номеру и введите код ${p.code} или откройте ${p.link}`,
    en: (p: { school: string; link: string; code: string }) =>
      `Parta: an invitation to ${p.school}. Sign in with this phone and enter the code ${p.code}, or open ${p.link}`,
  },
  csv_name: { ru: () => 'ФИО', en: () => 'name' },
  csv_roles: { ru: () => 'роль', en: () => 'role' },
  csv_joined: { ru: () => 'вошёл', en: () => 'joined' },
  csv_left: { ru: () => 'вышел', en: () => 'left' },
  csv_minutes: { ru: () => 'минут', en: () => 'minutes' },
  csv_sessions: { ru: () => 'подключений', en: () => 'sessions' },
  csv_status: { ru: () => 'статус', en: () => 'status' },
  csv_attended: { ru: () => 'был', en: () => 'attended' },
  csv_removed: { ru: () => 'удалён ведущим', en: () => 'removed by the host' },
  csv_family: { ru: () => 'семья', en: () => 'family' },
  csv_family_absent: { ru: () => 'семья не была', en: () => 'family absent' },
  diary_work_type: {
    ru: (p: { key: string }) =>
      ({ answer: 'Ответ на уроке', homework: 'Домашняя работа', independent: 'Самостоятельная работа', test: 'Контрольная работа' })[p.key] ?? p.key,
    en: (p: { key: string }) => ({ answer: 'Answer in class', homework: 'Homework', independent: 'Independent work', test: 'Test' })[p.key] ?? p.key,
  },
  diary_period: {
    ru: (p: { kind: string; n: number }) => `${p.n} ${{ quarter: 'четверть', trimester: 'триместр', semester: 'полугодие' }[p.kind] ?? p.kind}`,
    en: (p: { kind: string; n: number }) => `${{ quarter: 'Quarter', trimester: 'Trimester', semester: 'Semester' }[p.kind] ?? p.kind} ${p.n}`,
  },
  diary_calendar_name: { ru: (p: { name: string }) => `Расписание: ${p.name}`, en: (p: { name: string }) => `Timetable: ${p.name}` },
  diary_homework_due: { ru: (p: { subject: string }) => `ДЗ: ${p.subject}`, en: (p: { subject: string }) => `Homework: ${p.subject}` },
  diary_cancelled: { ru: (p: { subject: string }) => `${p.subject} (отменён)`, en: (p: { subject: string }) => `${p.subject} (cancelled)` },
  diary_room: { ru: (p: { room: string }) => `кабинет ${p.room}`, en: (p: { room: string }) => `room ${p.room}` },
  role: {
    ru: (p: { role: string }) => ({ student: 'ученик', guardian: 'родитель', teacher: 'учитель', admin: 'администратор' })[p.role] ?? p.role,
    en: (p: { role: string }) => ({ student: 'student', guardian: 'parent', teacher: 'teacher', admin: 'admin' })[p.role] ?? p.role,
  },
  signin_failed_title: { ru: () => 'Не удалось войти', en: () => 'Sign-in failed' },
  signin_error_code: { ru: (p: { code: string }) => `Код ошибки: ${p.code}`, en: (p: { code: string }) => `Error code: ${p.code}` },
  signin_back: { ru: () => 'Вернуться ко входу', en: () => 'Back to sign-in' },
} as const;

type Messages = typeof messages;

export type MessageKey = keyof Messages;

export function t<K extends MessageKey>(locale: Locale, key: K, ...params: Parameters<Messages[K]['ru']>): string {
  const entry = messages[key];
  const render = (entry[locale] ?? entry.ru) as (...p: Parameters<Messages[K]['ru']>) => string;
  return render(...params);
}
