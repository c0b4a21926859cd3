import type { Selectable } from 'kysely';
import type { SchoolRole } from '@parta/protocol';
import type { Queryable } from '../db/schema.ts';
import type { PersonsTable } from './tables.ts';
import { AppError } from '../http/errors.ts';

export type PersonRow = Selectable<PersonsTable>;

/** Who the account is in one school. */
export interface SchoolAccess {
  schoolId: string;
  person: PersonRow;
  roles: SchoolRole[];
  isAdmin: boolean;
  isTeacher: boolean;
}

/**
 * The one gate to a school's content: the account's roster person in that school.
 * An account that is not on the school's roster gets 404, so the school's content does not
 * leak, not even its existence.
 */
export async function accessSchool(db: Queryable, userId: string, schoolId: string): Promise<SchoolAccess> {
  const person = await db
    .selectFrom('persons')
    .selectAll()
    .where('school_id', '=', schoolId)
    .where('user_id', '=', userId)
    .where('archived_at', 'is', null)
    .executeTakeFirst();
  if (!person) throw new AppError('school_not_found', 404);
  return {
    schoolId,
    person,
    roles: person.roles,
    isAdmin: person.roles.includes('admin'),
    isTeacher: person.roles.includes('teacher'),
  };
}

export function requireAdmin(access: SchoolAccess): void {
  if (!access.isAdmin) throw new AppError('forbidden', 403);
}

export function requireStaff(access: SchoolAccess): void {
  if (!access.isAdmin && !access.isTeacher) throw new AppError('forbidden', 403);
}

/** Classes where this person is the class teacher. */
export async function classTeacherOf(db: Queryable, personId: string): Promise<string[]> {
  const rows = await db.selectFrom('class_teachers').select('class_id').where('person_id', '=', personId).where('is_class_teacher', '=', true).execute();
  return rows.map((r) => r.class_id);
}

/**
 * Whose phone this account may see: the admin, everyone's; a class teacher, the guardians of the
 * students now in her classes (to call a parent); anyone else, nobody's.
 */
export async function phonesVisibleTo(db: Queryable, access: SchoolAccess): Promise<(personId: string) => boolean> {
  if (access.isAdmin) return () => true;
  if (!access.isTeacher) return () => false;
  const rows = await db
    .selectFrom('class_teachers')
    .innerJoin('enrolments', 'enrolments.class_id', 'class_teachers.class_id')
    .innerJoin('guardianships', 'guardianships.student_id', 'enrolments.student_id')
    .select('guardianships.guardian_id')
    .distinct()
    .where('class_teachers.person_id', '=', access.person.id)
    .where('class_teachers.is_class_teacher', '=', true)
    .where('enrolments.left_at', 'is', null)
    .execute();
  const guardians = new Set(rows.map((r) => r.guardian_id));
  return (personId) => guardians.has(personId);
}
