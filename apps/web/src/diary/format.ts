import type { AttendanceStatus, GradeScale } from '@parta/protocol';

/** How grades and marks are shown and typed in the journal and the diary. */

export const ATT_LETTER: Record<AttendanceStatus, { ru: string; en: string }> = {
  absent: { ru: 'н', en: 'a' },
  ill: { ru: 'б', en: 'i' },
  excused: { ru: 'у', en: 'e' },
  late: { ru: 'о', en: 'l' },
};

const TYPED_ATT: Record<string, AttendanceStatus> = {
  н: 'absent',
  n: 'absent',
  a: 'absent',
  б: 'ill',
  i: 'ill',
  у: 'excused',
  e: 'excused',
  о: 'late',
  l: 'late',
};

export type Typed = { kind: 'grade'; value: string } | { kind: 'attendance'; status: AttendanceStatus } | { kind: 'clear' } | { kind: 'invalid' };

/** What a teacher typed into a cell. The server checks grades against the school's scale again. */
export function parseTyped(raw: string, scale: GradeScale): Typed {
  const v = raw.trim().toLowerCase();
  if (v === '') return { kind: 'clear' };
  if (v in TYPED_ATT) return { kind: 'attendance', status: TYPED_ATT[v]! };
  if (['д', 'долг', 'd', 'debt'].includes(v)) return { kind: 'grade', value: 'debt' };
  if (scale === 'pass') {
    if (['з', 'зач', 'зачёт', 'зачет', '+', 'p', 'pass'].includes(v)) return { kind: 'grade', value: 'pass' };
    if (['нз', 'н/з', 'незачёт', 'незачет', '-', 'f', 'fail'].includes(v)) return { kind: 'grade', value: 'fail' };
    return { kind: 'invalid' };
  }
  if (!/^\d{1,3}$/.test(v)) return { kind: 'invalid' };
  const n = Number(v);
  const [lo, hi] = scale === '2-5' ? [2, 5] : scale === '1-10' ? [1, 10] : [1, 100];
  return n >= lo && n <= hi ? { kind: 'grade', value: String(n) } : { kind: 'invalid' };
}

export function showGrade(value: string, dt: (k: 'd.value.debt' | 'd.value.pass' | 'd.value.fail') => string): string {
  if (value === 'debt') return dt('d.value.debt');
  if (value === 'pass') return dt('d.value.pass');
  if (value === 'fail') return dt('d.value.fail');
  return value;
}

export function gradeClass(value: string): string {
  const n = Number(value);
  if (value === 'debt' || value === 'fail' || n === 2) return 'g-low';
  if (n === 3) return 'g-mid';
  if (value === 'pass' || n >= 4) return 'g-high';
  return '';
}

export function addDays(d: string, n: number): string {
  const x = new Date(`${d}T00:00:00Z`);
  x.setUTCDate(x.getUTCDate() + n);
  return x.toISOString().slice(0, 10);
}

export function localToday(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}
