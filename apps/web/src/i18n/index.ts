import { createContext, useContext } from 'react';
import { ErrorCodes, type Locale } from '@parta/protocol';
import { ru, type MessageKey } from './ru.ts';
import { en } from './en.ts';

export type { MessageKey };
export const dictionaries: Record<Locale, Record<MessageKey, string>> = { ru, en };
export const LOCALES: Locale[] = ['ru', 'en'];

export type Vars = Record<string, string | number>;

/** Fills `{name}` placeholders. */
export function format(template: string, vars?: Vars): string {
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));
}

export interface Translator {
  locale: Locale;
  t(key: MessageKey, vars?: Vars): string;
  /** Picks `key_one|_few|_many|_other` by the language's plural rules; `{n}` is the count. */
  plural(base: string, n: number, vars?: Vars): string;
  error(err: unknown): string;
  date(d: Date | string, opts?: Intl.DateTimeFormatOptions): string;
  time(d: Date | string): string;
  day(d: Date | string): string;
}

export function translator(locale: Locale): Translator {
  const dict = dictionaries[locale];
  const rules = new Intl.PluralRules(locale);
  const tag = locale === 'ru' ? 'ru-RU' : 'en-GB';
  const t = (key: MessageKey, vars?: Vars) => format(dict[key] ?? ru[key] ?? key, vars);
  const asDate = (d: Date | string) => (typeof d === 'string' ? new Date(d) : d);
  return {
    locale,
    t,
    plural(base, n, vars) {
      const cat = rules.select(n);
      const key = (`${base}_${cat}` in dict ? `${base}_${cat}` : `${base}_other`) as MessageKey;
      return t(key, { n, ...vars });
    },
    error(err) {
      const code = (err as { code?: string } | null)?.code;
      if (code === 'network') return t('error.network');
      if (code && code in ErrorCodes) return ErrorCodes[code as keyof typeof ErrorCodes][locale];
      return t('error.unknown');
    },
    date: (d, opts) => asDate(d).toLocaleDateString(tag, opts ?? { day: 'numeric', month: 'long', year: 'numeric' }),
    time: (d) => asDate(d).toLocaleTimeString(tag, { hour: '2-digit', minute: '2-digit' }),
    day(d) {
      const date = asDate(d);
      const today = new Date();
      const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
      if (date.toDateString() === today.toDateString()) return t('day.today');
      if (date.toDateString() === yesterday.toDateString()) return t('day.yesterday');
      return date.toLocaleDateString(tag, { day: 'numeric', month: 'long', ...(date.getFullYear() !== today.getFullYear() ? { year: 'numeric' } : {}) });
    },
  };
}

export const I18nContext = createContext<Translator>(translator('ru'));
export const useI18n = () => useContext(I18nContext);

/** The language to start in: saved choice, else the browser's if English, else Russian. */
export function initialLocale(saved: string | null, browser: readonly string[]): Locale {
  if (saved === 'ru' || saved === 'en') return saved;
  return browser.some((l) => /^en\b/i.test(l)) && !browser.some((l) => /^ru\b/i.test(l)) ? 'en' : 'ru';
}
