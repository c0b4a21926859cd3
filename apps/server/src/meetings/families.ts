import type { Queryable } from '../db/schema.ts';
import { fullName } from '../directory/rules.ts';

/**
 * The families of a class, as "one vote per family" counts them (`familyKey` in polls.ts): the
 * class's enrolled children joined through shared guardians, so siblings in one class are one
 * family and both parents of a child are in it. Its key is `student:` and the lowest child id.
 */
export interface Family {
  key: string;
  /** The children's names, as the family is called in lists and minutes. */
  name: string;
  studentIds: string[];
  guardianIds: string[];
  /** Guardian names, by id. */
  guardians: { id: string; name: string }[];
}

export interface ClassFamilies {
  families: Family[];
  /** The family a person belongs to in this class (a child or a guardian of one), else null. */
  familyOf(personId: string): Family | null;
}

export async function classFamilies(db: Queryable, classId: string | null): Promise<ClassFamilies> {
  if (!classId) return { families: [], familyOf: () => null };
  const students = await db
    .selectFrom('enrolments')
    .innerJoin('persons', 'persons.id', 'enrolments.student_id')
    .select(['persons.id', 'persons.last_name', 'persons.first_name', 'persons.middle_name'])
    .where('enrolments.class_id', '=', classId)
    .where('enrolments.left_at', 'is', null)
    .where('persons.archived_at', 'is', null)
    .execute();
  const ids = students.map((s) => s.id);
  const links = ids.length
    ? await db
        .selectFrom('guardianships')
        .innerJoin('persons', 'persons.id', 'guardianships.guardian_id')
        .select(['guardianships.guardian_id', 'guardianships.student_id', 'persons.last_name', 'persons.first_name', 'persons.middle_name'])
        .where('guardianships.student_id', 'in', ids)
        .where('persons.archived_at', 'is', null)
        .execute()
    : [];
  // Union-find over children, joined by a guardian they share.
  const parent = new Map(ids.map((id) => [id, id]));
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  const firstChildOf = new Map<string, string>();
  for (const l of links) {
    const seen = firstChildOf.get(l.guardian_id);
    if (!seen) firstChildOf.set(l.guardian_id, l.student_id);
    else {
      const [a, b] = [find(seen), find(l.student_id)];
      if (a !== b) parent.set(a < b ? b : a, a < b ? a : b);
    }
  }
  const byRoot = new Map<string, Family>();
  const nameOf = new Map(students.map((s) => [s.id, fullName(s)]));
  for (const s of [...ids].sort()) {
    const root = find(s);
    const f = byRoot.get(root) ?? { key: '', name: '', studentIds: [], guardianIds: [], guardians: [] };
    f.studentIds.push(s);
    byRoot.set(root, f);
  }
  for (const f of byRoot.values()) {
    f.key = `student:${[...f.studentIds].sort()[0]}`;
    f.name = f.studentIds
      .map((s) => nameOf.get(s) ?? '')
      .sort((a, b) => a.localeCompare(b, 'ru'))
      .join(', ');
  }
  for (const l of links) {
    const f = byRoot.get(find(l.student_id))!;
    if (!f.guardianIds.includes(l.guardian_id)) {
      f.guardianIds.push(l.guardian_id);
      f.guardians.push({ id: l.guardian_id, name: fullName(l) });
    }
  }
  const families = [...byRoot.values()].sort((a, b) => a.name.localeCompare(b.name, 'ru'));
  const index = new Map<string, Family>();
  for (const f of families) for (const id of [...f.studentIds, ...f.guardianIds]) index.set(id, f);
  return { families, familyOf: (personId) => index.get(personId) ?? null };
}
