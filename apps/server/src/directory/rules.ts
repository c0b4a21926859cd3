import type { SchoolRole } from '@parta/protocol';

export const ADULT_ROLES: readonly SchoolRole[] = ['guardian', 'teacher', 'admin'];
export const MIN_STUDENT_AGE = 6;

export const isStudent = (roles: readonly string[]) => roles.includes('student');
export const isAdult = (roles: readonly string[]) => roles.some((r) => (ADULT_ROLES as readonly string[]).includes(r));

/** Full years between a birth date ('YYYY-MM-DD') and today (UTC). */
export function ageInYears(birthDate: string, today = new Date()): number {
  const [y, m, d] = birthDate.split('-').map(Number) as [number, number, number];
  let age = today.getUTCFullYear() - y;
  const beforeBirthday = today.getUTCMonth() + 1 < m || (today.getUTCMonth() + 1 === m && today.getUTCDate() < d);
  if (beforeBirthday) age -= 1;
  return age;
}

export function isTooYoung(birthDate: string | null, today = new Date()): boolean {
  return birthDate !== null && ageInYears(birthDate, today) < MIN_STUDENT_AGE;
}

/** A student is never also an adult member of a school. */
export function validRoleSet(roles: readonly string[]): boolean {
  return !(isStudent(roles) && isAdult(roles));
}

/** "5А" → 5, "11Б" → 11; null when the name starts with no number. */
export function gradeFromName(name: string): number | null {
  const m = /^\s*(\d{1,2})/.exec(name);
  return m ? Number(m[1]) : null;
}

export function fullName(p: { last_name: string; first_name: string; middle_name: string | null }): string {
  return [p.last_name, p.first_name, p.middle_name].filter(Boolean).join(' ');
}
