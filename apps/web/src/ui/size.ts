import type { Locale } from '@parta/protocol';

const UNITS: Record<Locale, string[]> = { ru: ['Б', 'КБ', 'МБ', 'ГБ'], en: ['B', 'KB', 'MB', 'GB'] };

/** A file size in the reader's language: «596 Б», «1,2 МБ» / "596 B", "1.2 MB" (units of 1024). */
export function formatSize(bytes: number, locale: Locale): string {
  let n = Math.max(0, bytes);
  let unit = 0;
  while (n >= 1024 && unit < 3) {
    n /= 1024;
    unit++;
  }
  const digits = unit === 0 || n >= 10 ? 0 : 1;
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(n)}\u00a0${UNITS[locale][unit]}`;
}
