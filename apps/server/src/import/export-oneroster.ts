import { PassThrough } from 'node:stream';
import yazl from 'yazl';
import type { Queryable } from '../db/schema.ts';
import { currentYear, getSchool } from '../directory/store.ts';

/**
 * The school's roster and gradebook as a OneRoster 1.2 CSV bulk zip: the current year's homeroom
 * classes, a scheduled class per class and subject taught, people with their roles, guardians as
 * agentSourcedIds, birth dates, the diary's forms of work as categories, each graded lesson as a
 * lineItem and each period or year mark as a lineItem of its own, and the marks as results.
 * sourcedIds are the e-journal's ids where the import stored them, else Parta's.
 */
const FILES = {
  'orgs.csv': ['sourcedId', 'status', 'dateLastModified', 'name', 'type', 'identifier', 'parentSourcedId'],
  'academicSessions.csv': ['sourcedId', 'status', 'dateLastModified', 'title', 'type', 'startDate', 'endDate', 'parentSourcedId', 'schoolYear'],
  'courses.csv': [
    'sourcedId',
    'status',
    'dateLastModified',
    'schoolYearSourcedId',
    'title',
    'courseCode',
    'grades',
    'orgSourcedId',
    'subjects',
    'subjectCodes',
  ],
  'classes.csv': [
    'sourcedId',
    'status',
    'dateLastModified',
    'title',
    'grades',
    'courseSourcedId',
    'classCode',
    'classType',
    'location',
    'schoolSourcedId',
    'termSourcedIds',
    'subjects',
    'subjectCodes',
    'periods',
  ],
  'users.csv': [
    'sourcedId',
    'status',
    'dateLastModified',
    'enabledUser',
    'username',
    'userIds',
    'givenName',
    'familyName',
    'middleName',
    'identifier',
    'email',
    'sms',
    'phone',
    'agentSourcedIds',
    'grades',
    'password',
    'userMasterIdentifier',
    'resourceSourcedIds',
    'preferredGivenName',
    'preferredMiddleName',
    'preferredFamilyName',
    'primaryOrgSourcedId',
    'pronouns',
  ],
  'roles.csv': ['sourcedId', 'status', 'dateLastModified', 'userSourcedId', 'roleType', 'role', 'beginDate', 'endDate', 'orgSourcedId', 'userProfileSourcedId'],
  'enrollments.csv': [
    'sourcedId',
    'status',
    'dateLastModified',
    'classSourcedId',
    'schoolSourcedId',
    'userSourcedId',
    'role',
    'primary',
    'beginDate',
    'endDate',
  ],
  'demographics.csv': ['sourcedId', 'status', 'dateLastModified', 'birthDate', 'sex'],
  'categories.csv': ['sourcedId', 'status', 'dateLastModified', 'title', 'weight'],
  'lineItems.csv': [
    'sourcedId',
    'status',
    'dateLastModified',
    'title',
    'description',
    'assignDate',
    'dueDate',
    'classSourcedId',
    'categorySourcedId',
    'gradingPeriodSourcedId',
    'academicSessionSourcedId',
    'resultValueMin',
    'resultValueMax',
  ],
  'results.csv': ['sourcedId', 'status', 'dateLastModified', 'lineItemSourcedId', 'studentSourcedId', 'scoreStatus', 'score', 'scoreDate', 'comment'],
} as const;
type FileName = keyof typeof FILES;

const cell = (v: string | number | boolean | null | undefined) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

class CsvFile {
  private readonly lines: string[];
  constructor(readonly name: FileName) {
    this.lines = [FILES[name].join(',')];
  }
  add(values: Partial<Record<(typeof FILES)[FileName][number], string | number | boolean | null>>) {
    this.lines.push(FILES[this.name].map((h) => cell((values as Record<string, string | number | boolean | null>)[h])).join(','));
  }
  get count() {
    return this.lines.length - 1;
  }
  text() {
    return `${this.lines.join('\r\n')}\r\n`;
  }
}

export async function exportOneRoster(db: Queryable, schoolId: string): Promise<Buffer> {
  const school = await getSchool(db, schoolId);
  const year = await currentYear(db, schoolId);
  const stamp = new Date().toISOString();
  const base = { status: 'active', dateLastModified: stamp };
  const f = Object.fromEntries((Object.keys(FILES) as FileName[]).map((n) => [n, new CsvFile(n)])) as Record<FileName, CsvFile>;

  const [classes, persons, enrolments, guardianships, teachers, periods, workTypes] = await Promise.all([
    db
      .selectFrom('classes')
      .selectAll()
      .where('school_id', '=', schoolId)
      .where('academic_year_id', '=', year.id)
      .where('archived_at', 'is', null)
      .orderBy('grade')
      .orderBy('name')
      .execute(),
    db
      .selectFrom('persons')
      .selectAll()
      .where('school_id', '=', schoolId)
      .where('archived_at', 'is', null)
      .orderBy('last_name')
      .orderBy('first_name')
      .execute(),
    db
      .selectFrom('enrolments')
      .innerJoin('classes', 'classes.id', 'enrolments.class_id')
      .select(['enrolments.id', 'enrolments.class_id', 'enrolments.student_id', 'enrolments.enrolled_at'])
      .where('classes.academic_year_id', '=', year.id)
      .where('classes.archived_at', 'is', null)
      .where('enrolments.left_at', 'is', null)
      .execute(),
    db
      .selectFrom('guardianships')
      .innerJoin('persons', 'persons.id', 'guardianships.student_id')
      .select(['guardian_id', 'student_id'])
      .where('persons.school_id', '=', schoolId)
      .execute(),
    db
      .selectFrom('class_teachers')
      .innerJoin('classes', 'classes.id', 'class_teachers.class_id')
      .leftJoin('class_teacher_subjects as cts', 'cts.class_teacher_id', 'class_teachers.id')
      .leftJoin('subjects', 'subjects.id', 'cts.subject_id')
      .select([
        'class_teachers.id',
        'class_teachers.class_id',
        'class_teachers.person_id',
        'class_teachers.is_class_teacher',
        'subjects.id as subject_id',
        'subjects.name as subject',
      ])
      .where('classes.academic_year_id', '=', year.id)
      .where('classes.archived_at', 'is', null)
      .execute(),
    db.selectFrom('reporting_periods').selectAll().where('academic_year_id', '=', year.id).orderBy('number').execute(),
    db.selectFrom('work_types').selectAll().where('school_id', '=', schoolId).execute(),
  ]);
  const pid = new Map(persons.map((p) => [p.id, p.source_id ?? p.id]));
  const cid = new Map(classes.map((c) => [c.id, c.source_id ?? c.id]));
  const orgId = school.id;

  f['orgs.csv'].add({ ...base, sourcedId: orgId, name: school.name, type: 'school', identifier: school.short_name });
  f['academicSessions.csv'].add({
    ...base,
    sourcedId: year.id,
    title: year.name,
    type: 'schoolYear',
    startDate: year.starts_on,
    endDate: year.ends_on,
    schoolYear: year.ends_on.slice(0, 4),
  });
  for (const p of periods)
    f['academicSessions.csv'].add({
      ...base,
      sourcedId: p.id,
      title: p.name,
      type: 'gradingPeriod',
      startDate: p.starts_on,
      endDate: p.ends_on,
      parentSourcedId: year.id,
      schoolYear: year.ends_on.slice(0, 4),
    });

  // Courses: one for the homerooms, one per subject.
  f['courses.csv'].add({ ...base, sourcedId: `homeroom-${year.id}`, schoolYearSourcedId: year.id, title: 'Класс', orgSourcedId: orgId });
  const subjects = new Map<string, string>();
  for (const t of teachers) if (t.subject_id && t.subject) subjects.set(t.subject_id, t.subject);
  for (const [id, name] of subjects)
    f['courses.csv'].add({ ...base, sourcedId: id, schoolYearSourcedId: year.id, title: name, orgSourcedId: orgId, subjects: name });

  const scheduled = new Map<string, { classId: string; subjectId: string }>();
  for (const c of classes) {
    f['classes.csv'].add({
      ...base,
      sourcedId: cid.get(c.id)!,
      title: c.name,
      grades: String(c.grade),
      courseSourcedId: `homeroom-${year.id}`,
      classCode: c.name,
      classType: 'homeroom',
      schoolSourcedId: orgId,
      termSourcedIds: year.id,
    });
  }
  for (const t of teachers) {
    if (!t.subject_id) continue;
    const key = `${cid.get(t.class_id)}:${t.subject_id}`;
    if (scheduled.has(key)) continue;
    scheduled.set(key, { classId: t.class_id, subjectId: t.subject_id });
    const c = classes.find((x) => x.id === t.class_id)!;
    f['classes.csv'].add({
      ...base,
      sourcedId: key,
      title: `${t.subject} ${c.name}`,
      grades: String(c.grade),
      courseSourcedId: t.subject_id,
      classCode: c.name,
      classType: 'scheduled',
      schoolSourcedId: orgId,
      termSourcedIds: year.id,
      subjects: t.subject,
    });
  }

  const agents = new Map<string, string[]>();
  for (const g of guardianships) {
    if (!pid.has(g.guardian_id) || !pid.has(g.student_id)) continue;
    agents.set(g.guardian_id, [...(agents.get(g.guardian_id) ?? []), pid.get(g.student_id)!]);
    agents.set(g.student_id, [...(agents.get(g.student_id) ?? []), pid.get(g.guardian_id)!]);
  }
  const classOf = new Map(enrolments.map((e) => [e.student_id, e.class_id]));
  for (const p of persons) {
    const id = pid.get(p.id)!;
    const grade = classes.find((c) => c.id === classOf.get(p.id))?.grade;
    f['users.csv'].add({
      ...base,
      sourcedId: id,
      enabledUser: 'true',
      username: p.phone ?? id,
      givenName: p.first_name,
      familyName: p.last_name,
      middleName: p.middle_name,
      identifier: p.source_id ?? '',
      sms: p.phone,
      phone: p.phone,
      agentSourcedIds: (agents.get(p.id) ?? []).join(','),
      grades: grade !== undefined ? String(grade) : '',
      primaryOrgSourcedId: orgId,
    });
    p.roles.forEach((role, i) => {
      const r = role === 'admin' ? 'administrator' : role;
      f['roles.csv'].add({ ...base, sourcedId: `${id}:${r}`, userSourcedId: id, roleType: i === 0 ? 'primary' : 'secondary', role: r, orgSourcedId: orgId });
    });
    if (p.birth_date) f['demographics.csv'].add({ ...base, sourcedId: id, birthDate: p.birth_date });
  }

  for (const e of enrolments) {
    f['enrollments.csv'].add({
      ...base,
      sourcedId: e.id,
      classSourcedId: cid.get(e.class_id)!,
      schoolSourcedId: orgId,
      userSourcedId: pid.get(e.student_id)!,
      role: 'student',
      primary: 'false',
    });
  }
  const byClass = new Map<string, string[]>();
  for (const e of enrolments) byClass.set(e.class_id, [...(byClass.get(e.class_id) ?? []), e.student_id]);
  for (const [key, s] of scheduled) {
    for (const student of byClass.get(s.classId) ?? [])
      f['enrollments.csv'].add({
        ...base,
        sourcedId: `${key}:${pid.get(student)}`,
        classSourcedId: key,
        schoolSourcedId: orgId,
        userSourcedId: pid.get(student)!,
        role: 'student',
        primary: 'false',
      });
  }
  const seenTeacher = new Set<string>();
  for (const t of teachers) {
    if (!pid.has(t.person_id)) continue;
    const homeroomKey = `${t.class_id}|${t.person_id}`;
    if (!seenTeacher.has(homeroomKey)) {
      seenTeacher.add(homeroomKey);
      f['enrollments.csv'].add({
        ...base,
        sourcedId: t.id,
        classSourcedId: cid.get(t.class_id)!,
        schoolSourcedId: orgId,
        userSourcedId: pid.get(t.person_id)!,
        role: 'teacher',
        primary: t.is_class_teacher ? 'true' : 'false',
      });
    }
    if (t.subject_id) {
      const key = `${cid.get(t.class_id)}:${t.subject_id}`;
      f['enrollments.csv'].add({
        ...base,
        sourcedId: `${key}:${pid.get(t.person_id)}`,
        classSourcedId: key,
        schoolSourcedId: orgId,
        userSourcedId: pid.get(t.person_id)!,
        role: 'teacher',
        primary: 'true',
      });
    }
  }

  for (const w of workTypes)
    f['categories.csv'].add({ ...base, status: w.archived_at ? 'tobedeleted' : 'active', sourcedId: w.id, title: w.name, weight: String(w.weight) });

  // The gradebook: each graded lesson a lineItem, each mark a result.
  if (classes.length) {
    const classIds = classes.map((c) => c.id);
    const grades = await db
      .selectFrom('grades')
      .innerJoin('lessons', 'lessons.id', 'grades.lesson_id')
      .innerJoin('subjects', 'subjects.id', 'lessons.subject_id')
      .select([
        'grades.id',
        'grades.student_id',
        'grades.value',
        'grades.comment',
        'grades.updated_at',
        'grades.work_type_id',
        'lessons.id as lesson_id',
        'lessons.class_id',
        'lessons.on_date',
        'lessons.topic',
        'lessons.work_type_id as lesson_work_type',
        'subjects.id as subject_id',
        'subjects.name as subject',
      ])
      .where('lessons.class_id', 'in', classIds)
      .orderBy('lessons.on_date')
      .execute();
    const items = new Set<string>();
    const periodOf = (date: string) => periods.find((p) => p.starts_on <= date && date <= p.ends_on)?.id ?? null;
    const ensureScheduled = (classId: string, subjectId: string, subject: string) => {
      const key = `${cid.get(classId)}:${subjectId}`;
      if (!scheduled.has(key)) {
        scheduled.set(key, { classId, subjectId });
        const c = classes.find((x) => x.id === classId)!;
        if (!subjects.has(subjectId)) {
          subjects.set(subjectId, subject);
          f['courses.csv'].add({ ...base, sourcedId: subjectId, schoolYearSourcedId: year.id, title: subject, orgSourcedId: orgId, subjects: subject });
        }
        f['classes.csv'].add({
          ...base,
          sourcedId: key,
          title: `${subject} ${c.name}`,
          grades: String(c.grade),
          courseSourcedId: subjectId,
          classCode: c.name,
          classType: 'scheduled',
          schoolSourcedId: orgId,
          termSourcedIds: year.id,
          subjects: subject,
        });
        for (const student of byClass.get(classId) ?? [])
          f['enrollments.csv'].add({
            ...base,
            sourcedId: `${key}:${pid.get(student)}`,
            classSourcedId: key,
            schoolSourcedId: orgId,
            userSourcedId: pid.get(student)!,
            role: 'student',
            primary: 'false',
          });
      }
      return key;
    };
    for (const g of grades) {
      if (!pid.has(g.student_id)) continue;
      const classKey = ensureScheduled(g.class_id, g.subject_id, g.subject);
      if (!items.has(g.lesson_id)) {
        items.add(g.lesson_id);
        f['lineItems.csv'].add({
          ...base,
          sourcedId: g.lesson_id,
          title: g.topic || `${g.subject}, ${g.on_date}`,
          assignDate: g.on_date,
          dueDate: g.on_date,
          classSourcedId: classKey,
          categorySourcedId: g.lesson_work_type ?? '',
          gradingPeriodSourcedId: periodOf(g.on_date) ?? year.id,
        });
      }
      f['results.csv'].add({
        ...base,
        dateLastModified: g.updated_at.toISOString(),
        sourcedId: g.id,
        lineItemSourcedId: g.lesson_id,
        studentSourcedId: pid.get(g.student_id)!,
        scoreStatus: 'fully graded',
        score: g.value,
        scoreDate: g.on_date,
        comment: g.comment,
      });
    }
    // Period and year marks: a lineItem per class, subject and period.
    const marks = await db
      .selectFrom('final_marks')
      .innerJoin('subjects', 'subjects.id', 'final_marks.subject_id')
      .select([
        'final_marks.id',
        'final_marks.student_id',
        'final_marks.subject_id',
        'final_marks.period_id',
        'final_marks.value',
        'final_marks.updated_at',
        'subjects.name as subject',
      ])
      .where('final_marks.academic_year_id', '=', year.id)
      .where('final_marks.student_id', 'in', [...classOf.keys()].length ? [...classOf.keys()] : ['00000000-0000-0000-0000-000000000000'])
      .execute();
    for (const m of marks) {
      const classId = classOf.get(m.student_id);
      if (!classId || !pid.has(m.student_id)) continue;
      const classKey = ensureScheduled(classId, m.subject_id, m.subject);
      const itemId = `final:${classKey}:${m.period_id ?? year.id}`;
      const period = periods.find((p) => p.id === m.period_id);
      if (!items.has(itemId)) {
        items.add(itemId);
        const end = period?.ends_on ?? year.ends_on;
        f['lineItems.csv'].add({
          ...base,
          sourcedId: itemId,
          title: `${m.subject}: ${period?.name ?? year.name}`,
          assignDate: end,
          dueDate: end,
          classSourcedId: classKey,
          gradingPeriodSourcedId: m.period_id ?? year.id,
        });
      }
      f['results.csv'].add({
        ...base,
        dateLastModified: m.updated_at.toISOString(),
        sourcedId: m.id,
        lineItemSourcedId: itemId,
        studentSourcedId: pid.get(m.student_id)!,
        scoreStatus: 'fully graded',
        score: m.value,
        scoreDate: period?.ends_on ?? year.ends_on,
      });
    }
  }

  const manifest = [
    ['manifest.version', '1.0'],
    ['oneroster.version', '1.2'],
    ...(Object.keys(FILES) as FileName[]).map((n) => [`file.${n.replace(/\.csv$/, '')}`, 'bulk']),
    ['file.classResources', 'absent'],
    ['file.courseResources', 'absent'],
    ['file.resources', 'absent'],
    ['file.userProfiles', 'absent'],
    ['file.scoreScales', 'absent'],
    ['source.systemName', 'Parta'],
  ];
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from(`propertyName,value\r\n${manifest.map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`), 'manifest.csv');
  for (const n of Object.keys(FILES) as FileName[]) zip.addBuffer(Buffer.from(f[n].text()), n);
  zip.end();
  const out = new PassThrough();
  zip.outputStream.pipe(out);
  const chunks: Buffer[] = [];
  for await (const c of out) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
