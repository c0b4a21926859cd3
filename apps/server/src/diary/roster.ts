import type { AppContext } from '../context.ts';
import type { Tx } from '../db/schema.ts';

/**
 * Keeps the diary's teacher–subject links in step with the roster: when a teacher is assigned to
 * a class with a subject named in words (the directory's `class_teachers.subject`), that subject
 * exists for the school and the link carries it. Runs inside the roster's own transaction.
 */
export function registerDiary(ctx: AppContext): void {
  ctx.rosterHooks.on(async (trx, _outbox, change) => {
    if (change.classIds.length > 0) await linkNamedSubjects(trx, change.schoolId, change.classIds);
  });
}

export async function linkNamedSubjects(trx: Tx, schoolId: string, classIds: string[]): Promise<void> {
  const named = await trx
    .selectFrom('class_teachers')
    .select(['id', 'subject'])
    .where('class_id', 'in', classIds)
    .where('subject', 'is not', null)
    .where('subject', '!=', '')
    .execute();
  if (named.length === 0) return;
  const names = [...new Set(named.map((n) => n.subject!.trim()).filter(Boolean))];
  await trx
    .insertInto('subjects')
    .values(names.map((name) => ({ school_id: schoolId, name })))
    .onConflict((oc) => oc.doNothing())
    .execute();
  const subjects = await trx.selectFrom('subjects').select(['id', 'name']).where('school_id', '=', schoolId).where('name', 'in', names).execute();
  const links = named.map((n) => ({ class_teacher_id: n.id, subject_id: subjects.find((s) => s.name === n.subject!.trim())!.id }));
  await trx
    .insertInto('class_teacher_subjects')
    .values(links)
    .onConflict((oc) => oc.doNothing())
    .execute();
}
