import type { Queryable } from '../db/schema.ts';

/**
 * Who is related to whom through the roster, for the direct-message policy and group chats.
 * Each function answers for one person in one role; callers combine roles.
 */

/** Active classes of a student. */
export async function classesAsStudent(db: Queryable, personId: string): Promise<string[]> {
  const rows = await db.selectFrom('enrolments').select('class_id').where('student_id', '=', personId).where('left_at', 'is', null).execute();
  return rows.map((r) => r.class_id);
}

/** Classes a teacher teaches. */
export async function classesAsTeacher(db: Queryable, personId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('class_teachers')
    .innerJoin('classes', 'classes.id', 'class_teachers.class_id')
    .select('class_teachers.class_id')
    .where('class_teachers.person_id', '=', personId)
    .where('classes.archived_at', 'is', null)
    .execute();
  return rows.map((r) => r.class_id);
}

/** Classes of a guardian's children. */
export async function classesAsGuardian(db: Queryable, personId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('guardianships')
    .innerJoin('enrolments', 'enrolments.student_id', 'guardianships.student_id')
    .select('enrolments.class_id')
    .distinct()
    .where('guardianships.guardian_id', '=', personId)
    .where('enrolments.left_at', 'is', null)
    .execute();
  return rows.map((r) => r.class_id);
}

/** Everyone of these classes in each role: students, their guardians, their teachers. */
export async function peopleOfClasses(db: Queryable, classIds: string[]) {
  if (classIds.length === 0) return { students: new Set<string>(), guardians: new Set<string>(), teachers: new Set<string>() };
  const [students, guardians, teachers] = await Promise.all([
    db.selectFrom('enrolments').select('student_id as id').where('class_id', 'in', classIds).where('left_at', 'is', null).execute(),
    db
      .selectFrom('guardianships')
      .innerJoin('enrolments', 'enrolments.student_id', 'guardianships.student_id')
      .select('guardianships.guardian_id as id')
      .where('enrolments.class_id', 'in', classIds)
      .where('enrolments.left_at', 'is', null)
      .execute(),
    db.selectFrom('class_teachers').select('person_id as id').where('class_id', 'in', classIds).execute(),
  ]);
  const ids = (rows: { id: string }[]) => new Set(rows.map((r) => r.id));
  return { students: ids(students), guardians: ids(guardians), teachers: ids(teachers) };
}
