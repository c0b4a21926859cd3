/** Calendar dates as `YYYY-MM-DD` strings, computed in UTC so a server's zone never shifts a day. */

export function parseDate(d: string): Date {
  return new Date(`${d}T00:00:00Z`);
}

export function formatDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function addDays(d: string, n: number): string {
  const x = parseDate(d);
  x.setUTCDate(x.getUTCDate() + n);
  return formatDate(x);
}

/** 1 = Monday … 7 = Sunday. */
export function weekday(d: string): number {
  const w = parseDate(d).getUTCDay();
  return w === 0 ? 7 : w;
}

export function weekStart(d: string): string {
  return addDays(d, 1 - weekday(d));
}

export function* eachDay(from: string, to: string): Generator<string> {
  for (let d = from; d <= to; d = addDays(d, 1)) yield d;
}

/** Today in a school's time zone. */
export function todayIn(timezone: string, now = new Date()): string {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  } catch {
    return formatDate(now);
  }
}
