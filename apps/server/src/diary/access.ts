import { sql } from 'kysely';
import type { Queryable } from '../db/schema.ts';
import { accessSchool, type SchoolAccess } from '../directory/access.ts';
import { AppError } from '../http/errors.ts';

/**
 * Who may see and change what in the diary, built on `accessSchool` (the gate to a school):
 *  - a student: their own diary; a guardian: their children's;
 *  - a subject teacher: the journals of the classes and subjects they teach (and the lessons they
 *    substitute), and those subjects in their students' diaries;
 *  - a class teacher: everything of their class (and attendance of every lesson of it);
 *  - the school admin: everything of the school, read-only.
 * A refusal of something one may not see is 404 (`diary_not_found`), so existence does not leak.
 */
export interface DiaryAccess extends SchoolAccess {
  /** Class–subject pairs this person teaches (class_teachers + class_teacher_subjects). */
  teaching: { classId: string; subjectId: string }[];
  classTeacherOf: string[];
  childIds: string[];
  timezone: string;
}

export async function accessDiary(db: Queryable, userId: string, schoolId: string): Promise<DiaryAccess> {
  const access = await accessSchool(db, userId, schoolId);
  const pid = access.person.id;
  const [links, children, school] = await Promise.all([
    db
      .selectFrom('class_teachers as t')
      .leftJoin('class_teacher_subjects as s', 's.class_teacher_id', 't.id')
      .select(['t.class_id', 't.is_class_teacher', 's.subject_id'])
      .where('t.person_id', '=', pid)
      .execute(),
    access.roles.includes('guardian') ? db.selectFrom('guardianships').select('student_id').where('guardian_id', '=', pid).execute() : Promise.resolve([]),
    db.selectFrom('schools').select('timezone').where('id', '=', schoolId).executeTakeFirstOrThrow(),
  ]);
  return {
    ...access,
    teaching: links.filter((l) => l.subject_id !== null).map((l) => ({ classId: l.class_id, subjectId: l.subject_id! })),
    classTeacherOf: [...new Set(links.filter((l) => l.is_class_teacher).map((l) => l.class_id))],
    childIds: children.map((c) => c.student_id),
    timezone: school.timezone,
  };
}

export const notFound = () => new AppError('diary_not_found', 404);

export function teaches(a: DiaryAccess, classId: string, subjectId: string): boolean {
  return a.teaching.some((t) => t.classId === classId && t.subjectId === subjectId);
}

export interface JournalRights {
  /** Topic, homework, grades and period marks. */
  edit: boolean;
  attendance: boolean;
}

/** What one may do in the journal of a class and subject; 404 when one may not even see it. */
export function journalRights(a: DiaryAccess, classId: string, subjectId: string, lessonTeacherId: string | null = null): JournalRights {
  const teacher = teaches(a, classId, subjectId) || (lessonTeacherId !== null && lessonTeacherId === a.person.id);
  const classTeacher = a.classTeacherOf.includes(classId);
  if (!teacher && !classTeacher && !a.isAdmin) throw notFound();
  return { edit: teacher, attendance: teacher || classTeacher };
}

/** The subjects of a student's diary one may see: every subject, or those one teaches the student's class. */
export type StudentView = { classId: string | null; subjects: 'all' | Set<string>; self: boolean; guardian: boolean };

export async function studentView(db: Queryable, a: DiaryAccess, studentId: string): Promise<StudentView> {
  const row = await db
    .selectFrom('persons as p')
    .leftJoin('enrolments as e', (j) => j.onRef('e.student_id', '=', 'p.id').on('e.left_at', 'is', null))
    .select(['p.id', 'p.roles', 'e.class_id'])
    .where('p.id', '=', studentId)
    .where('p.school_id', '=', a.schoolId)
    .where('p.archived_at', 'is', null)
    .executeTakeFirst();
  if (!row || !row.roles.includes('student')) throw notFound();
  const classId = row.class_id;
  const self = a.person.id === studentId;
  const guardian = a.childIds.includes(studentId);
  if (self || guardian || a.isAdmin || (classId && a.classTeacherOf.includes(classId))) return { classId, subjects: 'all', self, guardian };
  const mine = a.teaching.filter((t) => t.classId === classId).map((t) => t.subjectId);
  if (mine.length === 0) throw notFound();
  return { classId, subjects: new Set(mine), self, guardian };
}

export const seesSubject = (v: StudentView, subjectId: string) => v.subjects === 'all' || v.subjects.has(subjectId);

/** Timetable of a class: its staff, students, their guardians, and the admin. */
export async function checkClassVisible(db: Queryable, a: DiaryAccess, classId: string): Promise<void> {
  if (a.isAdmin || a.classTeacherOf.includes(classId) || a.teaching.some((t) => t.classId === classId)) return;
  const ids = [a.person.id, ...a.childIds];
  const e = await db
    .selectFrom('enrolments')
    .select('id')
    .where('class_id', '=', classId)
    .where('student_id', 'in', ids)
    .where('left_at', 'is', null)
    .executeTakeFirst();
  if (!e) {
    const staff = await db.selectFrom('class_teachers').select('id').where('class_id', '=', classId).where('person_id', '=', a.person.id).executeTakeFirst();
    if (!staff) throw notFound();
  }
}

/**
 * Whether the account may download a file attached to homework. The rule of chat files (a reader
 * of the message may read its files) carried over to the diary: whoever sees the class's homework —
 * its students and their guardians, its teachers, the class teacher, the school's admins — may read
 * the files set with it. The files domain asks this before it answers 404.
 */
export async function canReadHomeworkFile(db: Queryable, userId: string, fileId: string): Promise<boolean> {
  const rows = await db
    .selectFrom('homework as h')
    .innerJoin('lessons as l', 'l.id', 'h.lesson_id')
    .innerJoin('classes as c', 'c.id', 'l.class_id')
    .select(['l.class_id', 'c.school_id'])
    .where(sql<boolean>`h.file_ids @> ARRAY[${fileId}]::uuid[]`)
    .execute();
  for (const r of rows) {
    const a = await accessDiary(db, userId, r.school_id).catch(() => null);
    if (!a) continue;
    const visible = await checkClassVisible(db, a, r.class_id).then(
      () => true,
      () => false,
    );
    if (visible) return true;
  }
  return false;
}
