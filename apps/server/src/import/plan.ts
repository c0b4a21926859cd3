import crypto from 'node:crypto';
import type { Queryable } from '../db/schema.ts';
import { isTooYoung } from '../directory/rules.ts';
import { normaliseGrade } from '../diary/averages.ts';
import type { ImportInput, ImportRole, InputIssue, InputPerson, SourceRef } from './input.ts';
import { className } from './formats/template.ts';
import { loadState, type ImportState, type StatePerson } from './state.ts';
import { nameKey } from './text.ts';

/**
 * The plan of a run: what the input would change on the roster as it is now. The dry run shows
 * it; Apply computes it again, compares its hash with the dry run's and writes it (apply.ts).
 * Rules: people are matched by source id, else by phone, else by name and birth date; a weak
 * match (a phone under another name, a name without a birth date, a differing patronymic) is
 * never merged unless the admin confirms it; a re-import of the same input plans nothing.
 */

/** A class or person: an existing row's id, or the input key of one the plan creates. */
export type Ref = { id: string } | { key: string };

export interface PersonFields {
  lastName: string;
  firstName: string;
  middleName: string | null;
  roles: string[];
  birthDate: string | null;
  phone: string | null;
  sourceId: string | null;
}

export interface Plan {
  yearId: string;
  classes: {
    create: { key: string; name: string; grade: number; sourceId: string | null; ref: SourceRef }[];
    update: { id: string; name: string; sourceId: string | null; before: string; ref: SourceRef }[];
    archive: { id: string; name: string; ref: SourceRef | null }[];
  };
  people: {
    create: (PersonFields & { key: string; ref: SourceRef })[];
    update: { id: string; key: string; name: string; set: Partial<PersonFields> & { restore?: true }; ref: SourceRef; hasAccount: boolean }[];
    archive: { id: string; name: string; ref: SourceRef | null; userId: string | null }[];
  };
  enrol: { student: Ref; cls: Ref; fromClassId: string | null; name: string; className: string; ref: SourceRef }[];
  unenrol: { studentId: string; classId: string; name: string; ref: SourceRef }[];
  guardianships: { guardian: Ref; student: Ref; relation: string | null; change: boolean; name: string; ref: SourceRef }[];
  teachings: { teacher: Ref; cls: Ref; subjects: string[]; isClassTeacher: boolean; change: boolean; name: string; className: string; ref: SourceRef }[];
  subjects: string[];
  grades: { student: Ref; cls: Ref; subject: string; date: string; value: string; old: string | null; lessonId: string | null; ref: SourceRef }[];
  /** Weak matches: merged only when the admin confirms them. */
  weak: { key: string; candidateId: string; name: string; candidate: string; reason: 'phone' | 'name'; ref: SourceRef }[];
  refusals: InputIssue[];
  unchanged: number;
}

const full = (p: { last_name: string; first_name: string; middle_name: string | null }) => [p.last_name, p.first_name, p.middle_name].filter(Boolean).join(' ');
const fullIn = (p: { lastName: string; firstName: string; middleName: string | null }) => [p.lastName, p.firstName, p.middleName].filter(Boolean).join(' ');
const IMPORT_ROLES: readonly string[] = ['student', 'guardian', 'teacher'];

export function planHash(plan: Plan): string {
  return crypto.createHash('sha256').update(JSON.stringify(plan)).digest('hex');
}

export async function computePlan(
  db: Queryable,
  schoolId: string,
  input: ImportInput,
  confirm: ReadonlySet<string> = new Set(),
): Promise<{ plan: Plan; labels: Map<string, string> }> {
  const state = await loadState(db, schoolId, input);
  const plan: Plan = {
    yearId: state.year.id,
    classes: { create: [], update: [], archive: [] },
    people: { create: [], update: [], archive: [] },
    enrol: [],
    unenrol: [],
    guardianships: [],
    teachings: [],
    subjects: [],
    grades: [],
    weak: [],
    refusals: [...input.issues],
    unchanged: 0,
  };
  const refuse = (code: InputIssue['code'], ref: SourceRef, params?: InputIssue['params']) =>
    plan.refusals.push(params ? { code, ref, params } : { code, ref });

  // --- Classes -------------------------------------------------------------------------------
  const classBySource = new Map(state.classes.filter((c) => c.source_id).map((c) => [c.source_id!, c]));
  const classByName = new Map(state.classes.map((c) => [className(c.name), c]));
  const classRef = new Map<string, Ref>();
  const classLabel = new Map<string, string>(state.classes.map((c) => [c.id, c.name]));
  const seenClassIds = new Set<string>();
  for (const c of input.classes) {
    const found = (c.sourceId ? classBySource.get(c.sourceId) : undefined) ?? classByName.get(className(c.name));
    if (found && !(c.sourceId && found.source_id && found.source_id !== c.sourceId)) {
      classRef.set(c.key, { id: found.id });
      seenClassIds.add(found.id);
      const rename = c.name !== found.name;
      if (rename && classByName.has(className(c.name)) && classByName.get(className(c.name))!.id !== found.id) {
        refuse('duplicate_id', { ...c.ref, column: 'title' }, { value: c.name });
        continue;
      }
      if (rename || (c.sourceId && !found.source_id))
        plan.classes.update.push({ id: found.id, name: c.name, sourceId: c.sourceId ?? found.source_id, before: found.name, ref: c.ref });
      else plan.unchanged++;
      continue;
    }
    if (found) {
      refuse('duplicate_id', { ...c.ref, column: 'title' }, { value: c.name });
      continue;
    }
    classRef.set(c.key, { key: c.key });
    classLabel.set(c.key, c.name);
    plan.classes.create.push({ key: c.key, name: c.name, grade: c.grade!, sourceId: c.sourceId, ref: c.ref });
  }
  const resolveClass = (key: string): Ref | null => {
    const r = classRef.get(key);
    if (r) return r;
    const byId = classBySource.get(key) ?? classByName.get(className(key));
    return byId ? { id: byId.id } : null;
  };
  const refLabel = (r: Ref) => classLabel.get('id' in r ? r.id : r.key) ?? '';
  for (const d of input.deletions.classKeys) {
    const c = classBySource.get(d.key);
    if (c) plan.classes.archive.push({ id: c.id, name: c.name, ref: d.ref });
  }
  if (input.format === 'oneroster' && input.mode === 'bulk') {
    for (const c of state.classes) if (c.source_id && !seenClassIds.has(c.id)) plan.classes.archive.push({ id: c.id, name: c.name, ref: null });
  }

  // --- People --------------------------------------------------------------------------------
  const active = state.persons.filter((p) => !p.archived_at);
  const bySource = new Map(state.persons.filter((p) => p.source_id).map((p) => [p.source_id!, p]));
  const byPhone = new Map(active.filter((p) => p.phone).map((p) => [p.phone!, p]));
  const byName = new Map<string, StatePerson[]>();
  for (const p of active) {
    const k = nameKey(p.last_name, p.first_name);
    byName.set(k, [...(byName.get(k) ?? []), p]);
  }
  const guardiansOf = new Map<string, string[]>();
  for (const g of state.guardianships) guardiansOf.set(g.student_id, [...(guardiansOf.get(g.student_id) ?? []), g.guardian_id]);
  const personRef = new Map<string, Ref>();
  const matched = new Map<string, StatePerson>();
  const claimed = new Map<string, string>();
  const stateById = new Map(state.persons.map((p) => [p.id, p]));

  type Match = { person: StatePerson; strong: boolean; reason: 'phone' | 'name' } | 'ambiguous' | null;
  const findMatch = (p: InputPerson): Match => {
    if (p.sourceId) {
      const s = bySource.get(p.sourceId);
      if (s) return { person: s, strong: true, reason: 'name' };
    }
    if (p.phone) {
      const s = byPhone.get(p.phone);
      if (s && !(p.sourceId && s.source_id && s.source_id !== p.sourceId)) {
        return { person: s, strong: nameKey(s.last_name, s.first_name) === nameKey(p.lastName, p.firstName), reason: 'phone' };
      }
      if (s) return null; // another person's phone: refused below as taken
    }
    const sameRole = (byName.get(nameKey(p.lastName, p.firstName)) ?? []).filter(
      (s) => s.roles.some((r) => p.roles.includes(r as ImportRole)) && !(p.sourceId && s.source_id) && !(p.phone && s.phone && s.phone !== p.phone),
    );
    const candidates = p.birthDate ? sameRole.filter((s) => s.birth_date === p.birthDate || s.birth_date === null) : sameRole;
    if (candidates.length > 1) {
      const exact = candidates.filter((s) => s.birth_date === p.birthDate && nameKey(s.middle_name) === nameKey(p.middleName));
      if (exact.length === 1) return { person: exact[0]!, strong: true, reason: 'name' };
      return 'ambiguous';
    }
    const s = candidates[0];
    if (!s) return null;
    // Strong: the whole name and the birth date agree; for an adult listed without a birth date or
    // phone (a teacher, a parent), the whole name of the one such person on the roster.
    const sameName = nameKey(s.middle_name) === nameKey(p.middleName);
    const strong = sameName && (p.birthDate ? s.birth_date === p.birthDate : !p.roles.includes('student') && !s.birth_date && !p.phone && !s.phone);
    return { person: s, strong, reason: 'name' };
  };

  // Guardians without phone or source id are recognised through their child (a second pass).
  const ordered = [...input.people].sort(
    (a, b) => Number(a.roles.includes('guardian') && !a.phone && !a.sourceId) - Number(b.roles.includes('guardian') && !b.phone && !b.sourceId),
  );
  const childOf = new Map<string, string[]>();
  for (const g of input.guardianships) childOf.set(g.guardianKey, [...(childOf.get(g.guardianKey) ?? []), g.studentKey]);

  for (const p of ordered) {
    if (p.roles.includes('student') && p.birthDate && isTooYoung(p.birthDate)) {
      refuse('too_young', { ...p.ref, column: 'birthDate' }, { value: p.birthDate });
      continue;
    }
    let m = findMatch(p);
    if (m === null && p.roles.includes('guardian') && !p.phone && !p.sourceId) {
      for (const childKey of childOf.get(p.key) ?? []) {
        const child = personRef.get(childKey);
        if (!child || !('id' in child)) continue;
        const g = (guardiansOf.get(child.id) ?? []).map((id) => stateById.get(id)).find((s) => s && nameKey(full(s)) === nameKey(fullIn(p)));
        if (g) m = { person: g, strong: true, reason: 'name' };
      }
    }
    if (m === 'ambiguous') {
      refuse('ambiguous_match', p.ref, { name: fullIn(p) });
      continue;
    }
    if (m && !m.strong && !confirm.has(p.key)) {
      plan.weak.push({
        key: p.key,
        candidateId: m.person.id,
        name: fullIn(p),
        candidate: `${full(m.person)}${m.person.birth_date ? `, ${m.person.birth_date}` : ''}${m.person.phone ? `, ${m.person.phone}` : ''}`,
        reason: m.reason,
        ref: p.ref,
      });
      continue;
    }
    if (!m && p.roles.length === 0) {
      refuse('bad_role', { ...p.ref, column: 'role' });
      continue;
    }
    if (m) {
      const s = m.person;
      if (claimed.has(s.id)) {
        refuse('duplicate_id', p.ref, { value: fullIn(p), line: input.people.find((x) => x.key === claimed.get(s.id))?.ref.line ?? 0 });
        continue;
      }
      claimed.set(s.id, p.key);
      const roles = [...new Set([...s.roles, ...p.roles])];
      if (roles.includes('student') && roles.length > 1) {
        refuse('student_on_adult_phone', { ...p.ref, column: 'phone' }, { phone: p.phone ?? '', line: 0 });
        continue;
      }
      personRef.set(p.key, { id: s.id });
      matched.set(p.key, s);
      const set: Plan['people']['update'][number]['set'] = {};
      if (p.lastName !== s.last_name) set.lastName = p.lastName;
      if (p.firstName !== s.first_name) set.firstName = p.firstName;
      if (p.middleName && p.middleName !== s.middle_name) set.middleName = p.middleName;
      if (p.birthDate && p.birthDate !== s.birth_date) set.birthDate = p.birthDate;
      if (p.phone && p.phone !== s.phone) set.phone = p.phone;
      if (roles.length !== s.roles.length) set.roles = roles;
      if (p.sourceId && p.sourceId !== s.source_id) set.sourceId = p.sourceId;
      if (s.archived_at) set.restore = true;
      if (Object.keys(set).length) plan.people.update.push({ id: s.id, key: p.key, name: fullIn(p), set, ref: p.ref, hasAccount: s.user_id !== null });
      else plan.unchanged++;
      continue;
    }
    personRef.set(p.key, { key: p.key });
    plan.people.create.push({
      key: p.key,
      lastName: p.lastName,
      firstName: p.firstName,
      middleName: p.middleName,
      roles: p.roles,
      birthDate: p.birthDate,
      phone: p.phone,
      sourceId: p.sourceId,
      ref: p.ref,
    });
  }

  // Phones: one person per phone in a school; no student on an adult's phone anywhere.
  const archivedIds = new Set<string>();
  const deleted = new Set(input.deletions.personKeys.map((d) => bySource.get(d.key)?.id).filter((x): x is string => !!x));
  const keptIds = new Set([...matched.values()].map((s) => s.id));
  if (input.mode === 'bulk' && input.coveredRoles.length) {
    for (const s of active) {
      if (keptIds.has(s.id) || s.roles.includes('admin')) continue;
      if (s.roles.every((r) => IMPORT_ROLES.includes(r) && input.coveredRoles.includes(r as ImportRole))) archivedIds.add(s.id);
    }
  }
  for (const id of deleted) if (!keptIds.has(id) && !stateById.get(id)?.archived_at) archivedIds.add(id);
  for (const id of archivedIds) {
    const s = stateById.get(id)!;
    const d = input.deletions.personKeys.find((x) => x.key === s.source_id);
    plan.people.archive.push({ id, name: full(s), ref: d?.ref ?? null, userId: s.user_id });
  }
  const newPhones = [
    ...plan.people.create.filter((c) => c.phone).map((c) => ({ phone: c.phone!, roles: c.roles, selfId: null as string | null, ref: c.ref })),
    ...plan.people.update
      .filter((u) => u.set.phone || u.set.restore)
      .map((u) => ({ phone: u.set.phone ?? stateById.get(u.id)!.phone, roles: u.set.roles ?? stateById.get(u.id)!.roles, selfId: u.id, ref: u.ref })),
  ];
  const elsewhere = new Map<string, string[][]>();
  for (const e of state.elsewhere) elsewhere.set(e.phone!, [...(elsewhere.get(e.phone!) ?? []), e.roles]);
  for (const n of newPhones) {
    if (!n.phone) continue;
    const holder = byPhone.get(n.phone);
    if (holder && holder.id !== n.selfId && !archivedIds.has(holder.id) && !keptIds.has(holder.id)) {
      refuse('phone_taken', { ...n.ref, column: 'phone' }, { phone: n.phone, name: full(holder) });
    }
    const student = n.roles.includes('student');
    const other = elsewhere.get(n.phone) ?? [];
    if (other.some((roles) => (student ? roles.some((r) => r !== 'student') : roles.includes('student')))) {
      refuse('student_on_adult_phone', { ...n.ref, column: 'phone' }, { phone: n.phone, line: 0 });
    }
  }

  const inputByKey = new Map(input.people.map((p) => [p.key, p]));
  // --- Enrolments ----------------------------------------------------------------------------
  const currentClass = new Map(state.enrolments.map((e) => [e.student_id, e.class_id]));
  const archivedClassIds = new Set(plan.classes.archive.map((c) => c.id));
  const enrolOne = (studentKey: string, ref: Ref | undefined, classKey: string, at: SourceRef, name: string) => {
    if (!ref) return;
    const cls = resolveClass(classKey);
    if (!cls) return refuse('unknown_class', { ...at, column: at.column ?? 'class' }, { value: classKey });
    const now = 'id' in ref ? (currentClass.get(ref.id) ?? null) : null;
    if ('id' in cls && now === cls.id) return;
    plan.enrol.push({ student: ref, cls, fromClassId: now, name, className: refLabel(cls), ref: at });
  };
  const isStudentKey = (key: string) => {
    const r = personRef.get(key) ?? (bySource.get(key) ? { id: bySource.get(key)!.id } : undefined);
    if (r && 'id' in r) return stateById.get(r.id)?.roles.includes('student') ?? false;
    return inputByKey.get(key)?.roles.includes('student') ?? false;
  };
  for (const p of input.people)
    if (p.classKey && (p.roles.includes('student') || isStudentKey(p.key))) enrolOne(p.key, personRef.get(p.key), p.classKey, p.ref, fullIn(p));
  for (const e of input.enrolments) {
    const s = bySource.get(e.studentKey);
    if (!s) refuse('unknown_person', e.ref, { value: e.studentKey });
    else enrolOne(e.studentKey, { id: s.id }, e.classKey, e.ref, full(s));
  }
  for (const e of input.deletions.enrolments) {
    const s = bySource.get(e.studentKey);
    const c = classBySource.get(e.classKey);
    if (s && c && currentClass.get(s.id) === c.id && !archivedIds.has(s.id) && !archivedClassIds.has(c.id))
      plan.unenrol.push({ studentId: s.id, classId: c.id, name: full(s), ref: e.ref });
  }

  // --- Guardianships -------------------------------------------------------------------------
  const resolvePerson = (key: string): Ref | null =>
    personRef.get(key) ?? (bySource.get(key) && !bySource.get(key)!.archived_at ? { id: bySource.get(key)!.id } : null);
  const existingLinks = new Map(state.guardianships.map((g) => [`${g.guardian_id}|${g.student_id}`, g.relation]));
  const skipped = new Set([...plan.weak.map((w) => w.key)]);
  for (const link of input.guardianships) {
    // A delta may not say which side is the child: the roster does.
    const g = link.either && isStudentKey(link.guardianKey) ? { ...link, guardianKey: link.studentKey, studentKey: link.guardianKey } : link;
    if (skipped.has(g.guardianKey) || skipped.has(g.studentKey)) continue;
    const guardian = resolvePerson(g.guardianKey);
    const student = resolvePerson(g.studentKey);
    if (!student) {
      if (!inputByKey.has(g.studentKey)) refuse('guardian_without_child', g.ref, { value: g.studentKey });
      continue;
    }
    if (!guardian) {
      if (!inputByKey.has(g.guardianKey)) refuse('unknown_person', g.ref, { value: g.guardianKey });
      continue;
    }
    const name = inputByKey.get(g.guardianKey) ? fullIn(inputByKey.get(g.guardianKey)!) : g.guardianKey;
    if ('id' in guardian && 'id' in student) {
      const k = `${guardian.id}|${student.id}`;
      if (existingLinks.has(k)) {
        if (g.relation && existingLinks.get(k) !== g.relation)
          plan.guardianships.push({ guardian, student, relation: g.relation, change: true, name, ref: g.ref });
        continue;
      }
    }
    plan.guardianships.push({ guardian, student, relation: g.relation, change: false, name, ref: g.ref });
  }

  // --- Teachers ------------------------------------------------------------------------------
  const subjectNames = new Map(state.subjects.map((s) => [nameKey(s.name), s.name]));
  const existingTeaching = new Map<string, { isClassTeacher: boolean; subjects: Set<string> }>();
  for (const t of state.teachers) {
    const k = `${t.person_id}|${t.class_id}`;
    const e = existingTeaching.get(k) ?? { isClassTeacher: t.is_class_teacher, subjects: new Set<string>() };
    if (t.subject) e.subjects.add(nameKey(t.subject));
    existingTeaching.set(k, e);
  }
  const newSubjects = new Set<string>();
  for (const t of input.teachings) {
    if (skipped.has(t.teacherKey)) continue;
    const teacher = resolvePerson(t.teacherKey);
    const cls = resolveClass(t.classKey);
    if (!cls) {
      refuse('unknown_class', { ...t.ref, column: t.ref.column ?? 'classSourcedId' }, { value: t.classKey });
      continue;
    }
    if (!teacher) {
      if (!inputByKey.has(t.teacherKey)) refuse('unknown_person', t.ref, { value: t.teacherKey });
      continue;
    }
    const subjects = t.subjects.map((s) => subjectNames.get(nameKey(s)) ?? s);
    for (const s of subjects) if (!subjectNames.has(nameKey(s))) newSubjects.add(s);
    const name = inputByKey.get(t.teacherKey) ? fullIn(inputByKey.get(t.teacherKey)!) : t.teacherKey;
    if ('id' in teacher && 'id' in cls) {
      const e = existingTeaching.get(`${teacher.id}|${cls.id}`);
      if (e) {
        const sameSubjects = subjects.every((s) => e.subjects.has(nameKey(s)));
        if (sameSubjects && e.isClassTeacher === t.isClassTeacher) continue;
        plan.teachings.push({ teacher, cls, subjects, isClassTeacher: t.isClassTeacher, change: true, name, className: refLabel(cls), ref: t.ref });
        continue;
      }
    }
    plan.teachings.push({ teacher, cls, subjects, isClassTeacher: t.isClassTeacher, change: false, name, className: refLabel(cls), ref: t.ref });
  }

  // --- Grades --------------------------------------------------------------------------------
  if (input.grades.length) await planGrades(db, state, input, plan, resolvePerson, resolveClass, subjectNames, newSubjects);
  plan.subjects = [...newSubjects].sort();

  // Refusals found while planning are reported once each, in file order.
  const seen = new Set<string>();
  plan.refusals = plan.refusals.filter((r) => {
    const k = JSON.stringify(r);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  // Names for the report (not part of the plan, nor of its hash).
  const labels = new Map<string, string>(classLabel);
  for (const p of input.people) labels.set(p.key, fullIn(p));
  for (const s of state.persons) labels.set(s.id, full(s));
  return { plan, labels };
}

async function planGrades(
  db: Queryable,
  state: ImportState,
  input: ImportInput,
  plan: Plan,
  resolvePerson: (key: string) => Ref | null,
  resolveClass: (key: string) => Ref | null,
  subjectNames: Map<string, string>,
  newSubjects: Set<string>,
) {
  const classIds = new Set<string>();
  for (const g of input.grades) {
    const c = resolveClass(g.classKey);
    if (c && 'id' in c) classIds.add(c.id);
  }
  const dates = input.grades.map((g) => g.date).sort();
  const lessons = classIds.size
    ? await db
        .selectFrom('lessons')
        .innerJoin('subjects', 'subjects.id', 'lessons.subject_id')
        .leftJoin('grades', 'grades.lesson_id', 'lessons.id')
        .select(['lessons.id', 'lessons.class_id', 'lessons.on_date', 'lessons.lesson_no', 'subjects.name as subject', 'grades.student_id', 'grades.value'])
        .where('lessons.class_id', 'in', [...classIds])
        .where('lessons.on_date', '>=', dates[0]!)
        .where('lessons.on_date', '<=', dates[dates.length - 1]!)
        .where('lessons.cancelled', '=', false)
        .orderBy('lessons.lesson_no')
        .execute()
    : [];
  const lessonAt = new Map<string, string>();
  const gradeAt = new Map<string, string>();
  for (const l of lessons) {
    const k = `${l.class_id}|${nameKey(l.subject)}|${l.on_date}`;
    if (!lessonAt.has(k)) lessonAt.set(k, l.id);
    if (l.student_id && l.value) gradeAt.set(`${l.id}|${l.student_id}`, l.value);
  }
  for (const g of input.grades) {
    const student = resolvePerson(g.studentKey);
    const cls = resolveClass(g.classKey);
    if (!student) {
      plan.refusals.push({ code: 'unknown_person', ref: g.ref, params: { value: g.studentKey } });
      continue;
    }
    if (!cls) {
      plan.refusals.push({ code: 'unknown_class', ref: g.ref, params: { value: g.classKey } });
      continue;
    }
    const value = normaliseGrade(state.scale, g.value);
    if (value === null) {
      plan.refusals.push({ code: 'bad_grade', ref: g.ref, params: { value: g.value } });
      continue;
    }
    const subject = subjectNames.get(nameKey(g.subject)) ?? g.subject;
    if (!subjectNames.has(nameKey(subject))) newSubjects.add(subject);
    const lessonId = 'id' in cls ? (lessonAt.get(`${cls.id}|${nameKey(subject)}|${g.date}`) ?? null) : null;
    const old = lessonId && 'id' in student ? (gradeAt.get(`${lessonId}|${student.id}`) ?? null) : null;
    if (old === value) {
      plan.unchanged++;
      continue;
    }
    plan.grades.push({ student, cls, subject, date: g.date, value, old, lessonId, ref: g.ref });
  }
}
