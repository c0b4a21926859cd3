import type { Locale } from '@parta/protocol';

/** Server-side text that reaches people (SMS, notifications). Russian first, English second. */
const messages = {
  sms_code: {
    ru: (p: { code: string }) => `Parta: код для входа ${p.code}. Никому его не сообщайте.`,
    en: (p: { code: string }) => `Parta: your sign-in code is ${p.code}. Do not share it.`,
  },
  quiet_hours_notice: {
    ru: (p: { name: string; when: string }) => `Сейчас у адресата (${p.name}) нерабочее время. Сообщение доставлено, уведомления возобновятся ${p.when}.`,
    en: (p: { name: string; when: string }) => `It is outside ${p.name}'s working hours. The message is delivered; notifications resume ${p.when}.`,
  },
} as const;

type Messages = typeof messages;

export function t<K extends keyof Messages>(locale: Locale, key: K, params: Parameters<Messages[K]['ru']>[0]): string {
  const entry = messages[key];
  const render = (entry[locale] ?? entry.ru) as (p: Parameters<Messages[K]['ru']>[0]) => string;
  return render(params);
}
