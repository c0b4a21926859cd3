import type { MessagingPolicy } from '@parta/protocol';
import type { Queryable } from '../db/schema.ts';
import type { PersonRow } from '../directory/access.ts';
import { classesAsGuardian, classesAsStudent, classesAsTeacher, peopleOfClasses } from './relations.ts';

/** The school's direct-message policy; the defaults are the widest the rules allow. */
export async function getPolicy(db: Queryable, schoolId: string): Promise<MessagingPolicy> {
  const row = await db.selectFrom('messaging_policies').selectAll().where('school_id', '=', schoolId).executeTakeFirst();
  return {
    studentDirect: row?.student_direct ?? 'classmates_and_teachers',
    guardianDirect: row?.guardian_direct ?? 'teachers_and_guardians',
    teacherStudentDirect: row?.teacher_student_direct ?? true,
  };
}

export async function setPolicy(db: Queryable, schoolId: string, policy: MessagingPolicy): Promise<MessagingPolicy> {
  const values = {
    student_direct: policy.studentDirect,
    guardian_direct: policy.guardianDirect,
    teacher_student_direct: policy.teacherStudentDirect,
    updated_at: new Date(),
  };
  await db
    .insertInto('messaging_policies')
    .values({ school_id: schoolId, ...values })
    .onConflict((oc) => oc.column('school_id').doUpdateSet(values))
    .execute();
  return getPolicy(db, schoolId);
}

type P = Pick<PersonRow, 'id' | 'roles' | 'school_id'>;
const has = (p: P, role: string) => (p.roles as readonly string[]).includes(role);
const isStaff = (p: P) => has(p, 'teacher') || has(p, 'admin');

/**
 * Whether `from` may open a direct chat with `to` under the policy:
 * a student with classmates and their own teachers; a guardian with their children's teachers
 * and other guardians of the same class; a teacher with anyone of their classes and colleagues.
 * A person with several roles may do what any of them allows.
 */
export async function mayDirect(db: Queryable, policy: MessagingPolicy, from: P, to: P): Promise<boolean> {
  if (from.id === to.id || from.school_id !== to.school_id) return false;
  if (isStaff(from)) {
    if (isStaff(to)) return true;
    if (has(from, 'admin') && (has(to, 'guardian') || (has(to, 'student') && policy.teacherStudentDirect))) return true;
    const mine = await peopleOfClasses(db, await classesAsTeacher(db, from.id));
    if (mine.guardians.has(to.id)) return true;
    if (mine.students.has(to.id) && policy.teacherStudentDirect) return true;
  }
  if (has(from, 'student')) {
    const classes = await peopleOfClasses(db, await classesAsStudent(db, from.id));
    const toClassmate = has(to, 'student') && classes.students.has(to.id);
    const toTeacher = isStaff(to) && classes.teachers.has(to.id);
    if (toClassmate && (policy.studentDirect === 'classmates_and_teachers' || policy.studentDirect === 'classmates')) return true;
    if (toTeacher && policy.teacherStudentDirect && (policy.studentDirect === 'classmates_and_teachers' || policy.studentDirect === 'teachers')) return true;
  }
  if (has(from, 'guardian') && policy.guardianDirect !== 'none') {
    const classes = await peopleOfClasses(db, await classesAsGuardian(db, from.id));
    if (isStaff(to) && classes.teachers.has(to.id)) return true;
    if (policy.guardianDirect === 'teachers_and_guardians' && has(to, 'guardian') && classes.guardians.has(to.id)) return true;
  }
  return false;
}

/**
 * In an existing direct chat a member may write when either side may open it under the current policy.
 * A direct chat with a bot exists only because Parta made it (the school's assistant, «Помощник»):
 * nobody opens one under the policy, and both sides may write in it.
 */
export async function mayWriteDirect(db: Queryable, policy: MessagingPolicy, a: P, b: P): Promise<boolean> {
  if (has(a, 'bot') || has(b, 'bot')) return true;
  return (await mayDirect(db, policy, a, b)) || (await mayDirect(db, policy, b, a));
}
