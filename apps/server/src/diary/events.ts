import type { Queryable } from '../db/schema.ts';
import type { Outbox, UpdateBody } from '../stream/outbox.ts';

/**
 * Diary events go into the one update stream as user events, each to the accounts it concerns
 * (the producer names its recipients): the students it is about and their guardians, the
 * teachers of that class and subject, the class teacher, and the school's admins (who see the
 * whole school's diary). Open journals and diaries refetch
 * or patch themselves from these; push notifications read the same events.
 */
export interface Audience {
  classId: string;
  subjectId?: string | null;
  /** The students it is about; `class` = every student of the class. */
  students: string[] | 'class';
  /** People told besides (the lesson's teacher, the author). */
  alsoPersons?: (string | null)[];
  /** Tell the class's teachers of the subject, the class teacher and the school's admins (default true). */
  staff?: boolean;
}

export async function audienceUsers(db: Queryable, a: Audience): Promise<string[]> {
  const students =
    a.students === 'class' ? db.selectFrom('enrolments').select('student_id').where('class_id', '=', a.classId).where('left_at', 'is', null) : null;
  const studentIds = a.students === 'class' ? null : a.students;
  if (studentIds && studentIds.length === 0 && a.staff === false) return [];
  const rows = await db
    .selectFrom('persons')
    .select('user_id')
    .where('user_id', 'is not', null)
    .where('archived_at', 'is', null)
    .where((eb) => {
      const any = [];
      const sIn = students ?? (studentIds!.length ? studentIds! : ['00000000-0000-0000-0000-000000000000']);
      any.push(eb('persons.id', 'in', sIn));
      any.push(eb('persons.id', 'in', eb.selectFrom('guardianships').select('guardian_id').where('student_id', 'in', sIn)));
      if (a.staff !== false) {
        any.push(
          eb(
            'persons.id',
            'in',
            eb
              .selectFrom('class_teachers as t')
              .leftJoin('class_teacher_subjects as s', 's.class_teacher_id', 't.id')
              .select('t.person_id')
              .where('t.class_id', '=', a.classId)
              .where((w) =>
                a.subjectId ? w.or([w('t.is_class_teacher', '=', true), w('s.subject_id', '=', a.subjectId)]) : w('t.is_class_teacher', '=', true),
              ),
          ),
        );
        any.push(
          eb(
            'persons.id',
            'in',
            eb
              .selectFrom('persons as adm')
              .innerJoin('classes as c', 'c.school_id', 'adm.school_id')
              .select('adm.id')
              .where('c.id', '=', a.classId)
              .where('adm.archived_at', 'is', null)
              .where((w) => w(w.val('admin'), '=', w.fn.any('adm.roles'))),
          ),
        );
      }
      const also = (a.alsoPersons ?? []).filter((p): p is string => !!p);
      if (also.length) any.push(eb('persons.id', 'in', also));
      return eb.or(any);
    })
    .execute();
  return [...new Set(rows.map((r) => r.user_id!))];
}

export async function tell(db: Queryable, outbox: Outbox, audience: Audience, body: UpdateBody): Promise<void> {
  for (const userId of await audienceUsers(db, audience)) outbox.user(userId, body);
}
