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
    ru: (p: { kind: string; name: string }) => ({ class: p.name, parents: `${p.name} — родители`, parents_only: `${p.name} — только родители`, class_channel: `${p.name} — канал`, staff: 'Учительская', school_channel: 'Канал школы' })[p.kind] ?? p.name,
    en: (p: { kind: string; name: string }) => ({ class: p.name, parents: `${p.name} — parents`, parents_only: `${p.name} — parents only`, class_channel: `${p.name} — channel`, staff: 'Staff room', school_channel: 'School channel' })[p.kind] ?? p.name,
  },
  notify_summary: {
    ru: (p: { count: number }) => `${p.count} ${({ one: 'новое сообщение', few: 'новых сообщения', many: 'новых сообщений', other: 'новых сообщения' } as Record<string, string>)[new Intl.PluralRules('ru').select(p.count)]}`,
    en: (p: { count: number }) => `${p.count} new message${p.count === 1 ? '' : 's'}`,
  },
  notify_urgent: { ru: (p: { reason: string }) => `Срочно: ${p.reason}`, en: (p: { reason: string }) => `Urgent: ${p.reason}` },
  notify_card: {
    ru: (p: { kind: string; title: string; soon: boolean }) => `${p.kind === 'poll' ? 'Опрос' : p.soon ? 'Встреча через 15 минут' : 'Встреча'}: ${p.title}`,
    en: (p: { kind: string; title: string; soon: boolean }) => `${p.kind === 'poll' ? 'Poll' : p.soon ? 'Meeting in 15 minutes' : 'Meeting'}: ${p.title}`,
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
      p.type === 'diary.grade' ? `New grade ${p.grade}: ${p.subject}` : p.type === 'diary.homework' ? `Homework: ${p.subject}${p.dueOn ? `, due ${p.dueOn}` : ''}` : `Absent from a lesson: ${p.subject}`,
  },
  notify_diary_summary: {
    ru: (p: { count: number }) => `${p.count} ${({ one: 'новая запись', few: 'новые записи', many: 'новых записей', other: 'новые записи' } as Record<string, string>)[new Intl.PluralRules('ru').select(p.count)]} в дневнике`,
    en: (p: { count: number }) => `${p.count} new diary entr${p.count === 1 ? 'y' : 'ies'}`,
  },
  invite_sms: {
    ru: (p: { school: string; link: string }) => `${p.school} приглашает вас в Parta — школьные чаты и дневник. Войдите: ${p.link}`,
    en: (p: { school: string; link: string }) => `${p.school} invites you to Parta, the school's chats and diary. Join: ${p.link}`,
  },
  urgent_sms: {
    ru: (p: { url: string }) => `Parta: срочное сообщение от школы. Откройте ${p.url}`,
    en: (p: { url: string }) => `Parta: an urgent message from the school. Open ${p.url}`,
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
    ru: (p: { key: string }) => ({ answer: 'Ответ на уроке', homework: 'Домашняя работа', independent: 'Самостоятельная работа', test: 'Контрольная работа' })[p.key] ?? p.key,
    en: (p: { key: string }) => ({ answer: 'Answer in class', homework: 'Homework', independent: 'Independent work', test: 'Test' })[p.key] ?? p.key,
  },
  diary_period: {
    ru: (p: { kind: string; n: number }) => `${p.n} ${({ quarter: 'четверть', trimester: 'триместр', semester: 'полугодие' })[p.kind] ?? p.kind}`,
    en: (p: { kind: string; n: number }) => `${({ quarter: 'Quarter', trimester: 'Trimester', semester: 'Semester' })[p.kind] ?? p.kind} ${p.n}`,
  },
  diary_calendar_name: { ru: (p: { name: string }) => `Расписание: ${p.name}`, en: (p: { name: string }) => `Timetable: ${p.name}` },
  diary_homework_due: { ru: (p: { subject: string }) => `ДЗ: ${p.subject}`, en: (p: { subject: string }) => `Homework: ${p.subject}` },
  diary_cancelled: { ru: (p: { subject: string }) => `${p.subject} (отменён)`, en: (p: { subject: string }) => `${p.subject} (cancelled)` },
  diary_room: { ru: (p: { room: string }) => `кабинет ${p.room}`, en: (p: { room: string }) => `room ${p.room}` },
  role: {
    ru: (p: { role: string }) => ({ student: 'ученик', guardian: 'родитель', teacher: 'учитель', admin: 'администратор' })[p.role] ?? p.role,
    en: (p: { role: string }) => ({ student: 'student', guardian: 'parent', teacher: 'teacher', admin: 'admin' })[p.role] ?? p.role,
  },
} as const;

type Messages = typeof messages;

export type MessageKey = keyof Messages;

export function t<K extends MessageKey>(locale: Locale, key: K, ...params: Parameters<Messages[K]['ru']>): string {
  const entry = messages[key];
  const render = (entry[locale] ?? entry.ru) as (...p: Parameters<Messages[K]['ru']>) => string;
  return render(...params);
}
