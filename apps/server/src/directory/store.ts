import type { Selectable } from 'kysely';
import type { Person, SchoolClass, SchoolRole } from '@parta/protocol';
import type { Queryable } from '../db/schema.ts';
import type { ClassesTable, SchoolsTable } from './tables.ts';
import type { PersonRow } from './access.ts';
import { AppError } from '../http/errors.ts';

export function presentSchool(s: Selectable<SchoolsTable>) {
  return { id: s.id, name: s.name, shortName: s.short_name, timezone: s.timezone, createdAt: s.created_at.toISOString() };
}

export async function getSchool(db: Queryable, id: string) {
  const s = await db.selectFrom('schools').selectAll().where('id', '=', id).executeTakeFirst();
  if (!s) throw new AppError('school_not_found', 404);
  return s;
}

export async function getPerson(db: Queryable, schoolId: string, personId: string): Promise<PersonRow> {
  const p = await db
    .selectFrom('persons')
    .selectAll()
    .where('id', '=', personId)
    .where('school_id', '=', schoolId)
    .where('archived_at', 'is', null)
    .executeTakeFirst();
  if (!p) throw new AppError('person_not_found', 404);
  return p;
}

export async function getClass(db: Queryable, schoolId: string, classId: string): Promise<Selectable<ClassesTable>> {
  const c = await db
    .selectFrom('classes')
    .selectAll()
    .where('id', '=', classId)
    .where('school_id', '=', schoolId)
    .where('archived_at', 'is', null)
    .executeTakeFirst();
  if (!c) throw new AppError('class_not_found', 404);
  return c;
}

export async function currentYear(db: Queryable, schoolId: string) {
  const y = await db.selectFrom('academic_years').selectAll().where('school_id', '=', schoolId).where('is_current', '=', true).executeTakeFirst();
  if (!y) throw new AppError('academic_year_missing', 409);
  return y;
}

/** People with their classes, children and guardians, in three queries whatever their number. */
export async function presentPeople(db: Queryable, people: PersonRow[], showPhones: boolean | ((personId: string) => boolean)): Promise<Person[]> {
  const phoneShown = typeof showPhones === 'function' ? showPhones : () => showPhones;
  if (people.length === 0) return [];
  const ids = people.map((p) => p.id);
  const [enrolments, asGuardian, asChild] = await Promise.all([
    db.selectFrom('enrolments').select(['student_id', 'class_id']).where('student_id', 'in', ids).where('left_at', 'is', null).execute(),
    db.selectFrom('guardianships').select(['guardian_id', 'student_id']).where('guardian_id', 'in', ids).execute(),
    db.selectFrom('guardianships').select(['guardian_id', 'student_id']).where('student_id', 'in', ids).execute(),
  ]);
  const group = <T>(rows: T[], key: (r: T) => string, val: (r: T) => string) => {
    const m = new Map<string, string[]>();
    for (const r of rows) m.set(key(r), [...(m.get(key(r)) ?? []), val(r)]);
    return m;
  };
  const classes = group(
    enrolments,
    (r) => r.student_id,
    (r) => r.class_id,
  );
  const children = group(
    asGuardian,
    (r) => r.guardian_id,
    (r) => r.student_id,
  );
  const guardians = group(
    asChild,
    (r) => r.student_id,
    (r) => r.guardian_id,
  );
  return people.map((p) => ({
    id: p.id,
    schoolId: p.school_id,
    lastName: p.last_name,
    firstName: p.first_name,
    middleName: p.middle_name,
    roles: p.roles as SchoolRole[],
    birthDate: p.birth_date,
    phone: phoneShown(p.id) ? p.phone : null,
    linked: p.user_id !== null,
    classIds: classes.get(p.id) ?? [],
    childIds: children.get(p.id) ?? [],
    guardianIds: guardians.get(p.id) ?? [],
  }));
}

export async function presentClasses(db: Queryable, rows: Selectable<ClassesTable>[]): Promise<SchoolClass[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((c) => c.id);
  const [teachers, counts] = await Promise.all([
    db.selectFrom('class_teachers').selectAll().where('class_id', 'in', ids).execute(),
    db
      .selectFrom('enrolments')
      .select(['class_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('class_id', 'in', ids)
      .where('left_at', 'is', null)
      .groupBy('class_id')
      .execute(),
  ]);
  return rows.map((c) => ({
    id: c.id,
    schoolId: c.school_id,
    academicYearId: c.academic_year_id,
    name: c.name,
    grade: c.grade,
    studentCount: Number(counts.find((n) => n.class_id === c.id)?.n ?? 0),
    teachers: teachers.filter((t) => t.class_id === c.id).map((t) => ({ personId: t.person_id, subject: t.subject, isClassTeacher: t.is_class_teacher })),
  }));
}

/** The schools an account is linked to, with its roles, classes and children in each. */
export async function schoolsOfUser(db: Queryable, userId: string) {
  const persons = await db
    .selectFrom('persons')
    .innerJoin('schools', 'schools.id', 'persons.school_id')
    .selectAll('persons')
    .select(['schools.name as school_name', 'schools.short_name', 'schools.timezone', 'schools.created_at as school_created_at'])
    .where('persons.user_id', '=', userId)
    .where('persons.archived_at', 'is', null)
    .orderBy('schools.name')
    .execute();
  const out = [];
  for (const p of persons) {
    const [studentOf, teacherOf, children] = await Promise.all([
      db
        .selectFrom('enrolments')
        .innerJoin('classes', 'classes.id', 'enrolments.class_id')
        .select(['classes.id', 'classes.name'])
        .where('enrolments.student_id', '=', p.id)
        .where('enrolments.left_at', 'is', null)
        .execute(),
      db
        .selectFrom('class_teachers')
        .innerJoin('classes', 'classes.id', 'class_teachers.class_id')
        .select(['classes.id', 'classes.name', 'class_teachers.is_class_teacher'])
        .where('class_teachers.person_id', '=', p.id)
        .where('classes.archived_at', 'is', null)
        .execute(),
      db
        .selectFrom('guardianships')
        .innerJoin('persons as c', 'c.id', 'guardianships.student_id')
        .leftJoin('enrolments as e', (j) => j.onRef('e.student_id', '=', 'c.id').on('e.left_at', 'is', null))
        .leftJoin('classes', 'classes.id', 'e.class_id')
        .select(['c.id', 'c.last_name', 'c.first_name', 'classes.id as class_id', 'classes.name as class_name'])
        .where('guardianships.guardian_id', '=', p.id)
        .where('c.archived_at', 'is', null)
        .execute(),
    ]);
    const classes: { id: string; name: string; as: 'student' | 'class_teacher' | 'teacher' | 'guardian' }[] = [
      ...studentOf.map((c) => ({ id: c.id, name: c.name, as: 'student' as const })),
      ...teacherOf.map((c) => ({ id: c.id, name: c.name, as: c.is_class_teacher ? ('class_teacher' as const) : ('teacher' as const) })),
    ];
    for (const ch of children) {
      if (ch.class_id && ch.class_name && !classes.some((c) => c.id === ch.class_id)) {
        classes.push({ id: ch.class_id, name: ch.class_name, as: 'guardian' });
      }
    }
    const childMap = new Map<string, { personId: string; lastName: string; firstName: string; classIds: string[] }>();
    for (const ch of children) {
      const entry = childMap.get(ch.id) ?? { personId: ch.id, lastName: ch.last_name, firstName: ch.first_name, classIds: [] };
      if (ch.class_id) entry.classIds.push(ch.class_id);
      childMap.set(ch.id, entry);
    }
    out.push({
      school: { id: p.school_id, name: p.school_name, shortName: p.short_name, timezone: p.timezone, createdAt: p.school_created_at.toISOString() },
      personId: p.id,
      roles: p.roles as SchoolRole[],
      classes,
      children: [...childMap.values()],
    });
  }
  return out;
}
