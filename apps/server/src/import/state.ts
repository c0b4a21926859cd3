import type { Queryable } from '../db/schema.ts';
import { currentYear } from '../directory/store.ts';
import type { ImportInput } from './input.ts';

/** What a plan is computed against: the school's roster as it is now, read in a few queries. */
export async function loadState(db: Queryable, schoolId: string, input: ImportInput) {
  const year = await currentYear(db, schoolId);
  const phones = [...new Set(input.people.flatMap((p) => (p.phone ? [p.phone] : [])))];
  const [classes, persons, enrolments, guardianships, teachers, subjects, elsewhere, settings] = await Promise.all([
    db
      .selectFrom('classes')
      .select(['id', 'name', 'grade', 'source_id'])
      .where('school_id', '=', schoolId)
      .where('academic_year_id', '=', year.id)
      .where('archived_at', 'is', null)
      .orderBy('name')
      .execute(),
    db
      .selectFrom('persons')
      .select(['id', 'source_id', 'last_name', 'first_name', 'middle_name', 'roles', 'birth_date', 'phone', 'user_id', 'archived_at'])
      .where('school_id', '=', schoolId)
      .where((eb) => eb.or([eb('archived_at', 'is', null), eb('source_id', 'is not', null)]))
      .orderBy('created_at')
      .orderBy('id')
      .execute(),
    db
      .selectFrom('enrolments')
      .innerJoin('classes', 'classes.id', 'enrolments.class_id')
      .select(['enrolments.student_id', 'enrolments.class_id'])
      .where('classes.academic_year_id', '=', year.id)
      .where('enrolments.left_at', 'is', null)
      .execute(),
    db
      .selectFrom('guardianships')
      .innerJoin('persons', 'persons.id', 'guardianships.student_id')
      .select(['guardianships.guardian_id', 'guardianships.student_id', 'guardianships.relation'])
      .where('persons.school_id', '=', schoolId)
      .execute(),
    db
      .selectFrom('class_teachers')
      .innerJoin('classes', 'classes.id', 'class_teachers.class_id')
      .leftJoin('class_teacher_subjects as cts', 'cts.class_teacher_id', 'class_teachers.id')
      .leftJoin('subjects', 'subjects.id', 'cts.subject_id')
      .select(['class_teachers.id', 'class_teachers.class_id', 'class_teachers.person_id', 'class_teachers.is_class_teacher', 'subjects.name as subject'])
      .where('classes.academic_year_id', '=', year.id)
      .where('classes.archived_at', 'is', null)
      .execute(),
    db.selectFrom('subjects').select(['id', 'name']).where('school_id', '=', schoolId).where('archived_at', 'is', null).execute(),
    phones.length
      ? db
          .selectFrom('persons')
          .select(['phone', 'roles'])
          .where('school_id', '!=', schoolId)
          .where('archived_at', 'is', null)
          .where('phone', 'in', phones)
          .execute()
      : Promise.resolve([]),
    db.selectFrom('diary_settings').select('scale').where('school_id', '=', schoolId).executeTakeFirst(),
  ]);
  // Read, not created: a dry run writes nothing (the diary's defaults apply until it is set up).
  const scale = settings?.scale ?? '2-5';
  return { year, classes, persons, enrolments, guardianships, teachers, subjects, elsewhere, scale };
}

export type ImportState = Awaited<ReturnType<typeof loadState>>;
export type StatePerson = ImportState['persons'][number];
