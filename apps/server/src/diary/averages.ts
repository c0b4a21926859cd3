import type { Scale } from './tables.ts';

/**
 * The school's grade scale, and the weighted average: the one place where a grade becomes a number.
 * The journal, the diary, the period-mark suggestion and the calendar all call `weightedAverage`.
 */

/** `debt` (долг) is a mark of work not handed in: shown with the grades, counted in no average. */
export const DEBT = 'debt';

export function scaleValues(scale: Scale): string[] {
  switch (scale) {
    case '2-5':
      return ['2', '3', '4', '5'];
    case '1-10':
      return Array.from({ length: 10 }, (_, i) => String(i + 1));
    case '1-100':
      return Array.from({ length: 100 }, (_, i) => String(i + 1));
    case 'pass':
      return ['pass', 'fail'];
  }
}

/** Normalises what a teacher typed (`5`, `н/з`, `зачёт`) to a stored value, or null if it is not on the scale. */
export function normaliseGrade(scale: Scale, raw: string): string | null {
  const v = raw.trim().toLowerCase();
  if (v === DEBT || v === 'долг' || v === 'д') return DEBT;
  if (scale === 'pass') {
    if (['pass', 'зачёт', 'зачет', 'з', '+'].includes(v)) return 'pass';
    if (['fail', 'незачёт', 'незачет', 'нз', 'н/з', '-'].includes(v)) return 'fail';
    return null;
  }
  if (!/^\d{1,3}$/.test(v)) return null;
  const n = String(Number(v));
  return scaleValues(scale).includes(n) ? n : null;
}

/** The number a grade counts for in an average, or null when it counts for none (debt, pass/fail). */
export function gradeNumber(value: string): number | null {
  if (!/^\d{1,3}$/.test(value)) return null;
  return Number(value);
}

export interface Weighted {
  value: string;
  weight: number;
}

/** The weighted average of the grades that count, to two decimals; null when none count. */
export function weightedAverage(grades: readonly Weighted[]): number | null {
  let sum = 0;
  let weights = 0;
  for (const g of grades) {
    const n = gradeNumber(g.value);
    if (n === null || !(g.weight > 0)) continue;
    sum += n * g.weight;
    weights += g.weight;
  }
  if (weights === 0) return null;
  return Math.round((sum / weights) * 100) / 100;
}

/** The period mark the average suggests: rounded half up (4.5 → 5), as schools commonly do. */
export function suggestedMark(scale: Scale, average: number | null): string | null {
  if (average === null || scale === 'pass') return null;
  return String(Math.floor(average + 0.5));
}

/** The weight of a grade: its own form of work, else the lesson's, else 1. */
export function weightOf(workTypeId: string | null, weights: ReadonlyMap<string, number>): number {
  return (workTypeId && weights.get(workTypeId)) || 1;
}
