import type { ImportInput, ImportRole, SourceRef } from '../input.ts';
import { emptyInput } from '../input.ts';
import { PeopleBuilder } from '../people.ts';
import { ImportRefusal, parseDate, readCsv, refAt, requireColumns, type CsvRow } from '../text.ts';
import { ZipReader } from '../zip.ts';
import { gradeFromName } from '../../directory/rules.ts';

/**
 * 1EdTech OneRoster 1.2 CSV binding, bulk and delta: a zip with manifest.csv and the files it
 * names. Homeroom classes are the school's classes; a scheduled class is a subject taught to one
 * of them (the homeroom most of its students are in). Users' roles come from roles.csv (1.2) or
 * the `role` column (1.1), birth dates from demographics.csv, guardian links from
 * agentSourcedIds, marks from lineItems + results. In a delta, status=tobedeleted removes, and of
 * two rows with one sourcedId the later dateLastModified wins.
 */
const ROLE_MAP: Record<string, ImportRole> = {
  student: 'student',
  guardian: 'guardian',
  parent: 'guardian',
  relative: 'guardian',
  teacher: 'teacher',
  aide: 'teacher',
};

interface Versioned {
  ref: SourceRef;
  modified: string | null;
  deleted: boolean;
}

interface UserRow extends Versioned {
  sourcedId: string;
  givenName: string;
  familyName: string;
  middleName: string | null;
  phone: string;
  agents: string[];
  roles: Set<ImportRole>;
  otherRoles: boolean;
  birthDate: string | null;
}

interface ClassRow extends Versioned {
  sourcedId: string;
  title: string;
  grade: number | null;
  homeroom: boolean;
  subject: string;
}

export class OneRosterReader {
  readonly input: ImportInput = emptyInput('oneroster', 'bulk');
  private readonly people: PeopleBuilder;
  private modes = new Map<string, 'bulk' | 'delta' | 'absent'>();

  constructor(
    private readonly zip: ZipReader,
    countries: readonly string[],
  ) {
    this.people = new PeopleBuilder(this.input, countries);
  }

  private issue(code: ImportInput['issues'][number]['code'], ref: SourceRef, params?: Record<string, string | number>) {
    this.input.issues.push(params ? { code, ref, params } : { code, ref });
  }

  /** Every row of a file the manifest lists (absent files give none). */
  private async *rows(name: string, required: string[]): AsyncGenerator<CsvRow> {
    const mode = this.modes.get(name) ?? (this.zip.has(`${name}.csv`) ? 'bulk' : 'absent');
    if (mode === 'absent') return;
    const file = `${name}.csv`;
    let checked = false;
    for await (const row of readCsv(await this.zip.open(file), file)) {
      if (!checked) {
        requireColumns(row.headers, required, file);
        checked = true;
      }
      yield row;
    }
  }

  private versioned(row: CsvRow, file: string): Versioned {
    const status = row.get('status').toLowerCase();
    const rawModified = row.get('datelastmodified');
    let modified: string | null = null;
    if (rawModified) {
      const t = Date.parse(rawModified);
      if (Number.isNaN(t) && !parseDate(rawModified)) this.issue('bad_date', refAt(file, row.line, 'dateLastModified'), { value: rawModified });
      else modified = Number.isNaN(t) ? parseDate(rawModified) : new Date(t).toISOString();
    }
    return { ref: refAt(file, row.line), modified, deleted: status === 'tobedeleted' || status === 'inactive' };
  }

  /** Keeps the later of two versions of one sourcedId; two undated versions are refused. */
  private keep<T extends Versioned>(map: Map<string, T>, id: string, next: T) {
    const prev = map.get(id);
    if (!prev) return void map.set(id, next);
    if (prev.modified && next.modified) {
      if (next.modified >= prev.modified) map.set(id, next);
      return;
    }
    this.issue('duplicate_id', { ...next.ref, column: 'sourcedId' }, { value: id, line: prev.ref.line });
  }

  async read(): Promise<ImportInput> {
    if (!this.zip.has('manifest.csv')) throw new ImportRefusal({ code: 'missing_file', ref: { file: 'manifest.csv', line: 0 } });
    for await (const row of readCsv(await this.zip.open('manifest.csv'), 'manifest.csv')) {
      const prop = row.get('propertyname');
      const m = /^file\.(\w+)$/i.exec(prop);
      if (m) {
        const v = row.get('value').toLowerCase();
        // The manifest names files in camelCase; they are looked up by their lower-case names.
        if (v === 'bulk' || v === 'delta' || v === 'absent') this.modes.set(m[1]!.toLowerCase(), v);
      }
    }
    if ([...this.modes.values()].includes('delta')) this.input.mode = 'delta';

    // Courses: their titles name subjects.
    const courses = new Map<string, string>();
    for await (const row of this.rows('courses', ['sourcedid', 'title'])) courses.set(row.get('sourcedid'), row.get('title'));

    const classes = new Map<string, ClassRow>();
    for await (const row of this.rows('classes', ['sourcedid', 'title'])) {
      const v = this.versioned(row, 'classes.csv');
      const title = row.get('title');
      const grades = row.get('grades');
      const gradeNum = grades ? Number.parseInt(grades.split(/[,;]/)[0]!, 10) : NaN;
      const type = row.get('classtype').toLowerCase();
      const subject = row.get('subjects').split(/[,;]/)[0]?.trim() || courses.get(row.get('coursesourcedid')) || title;
      this.keep(classes, row.get('sourcedid'), {
        ...v,
        sourcedId: row.get('sourcedid'),
        title,
        grade: Number.isFinite(gradeNum) ? gradeNum : gradeFromName(title),
        homeroom: type !== 'scheduled',
        subject,
      });
    }

    const users = new Map<string, UserRow>();
    for await (const row of this.rows('users', ['sourcedid', 'givenname', 'familyname'])) {
      const v = this.versioned(row, 'users.csv');
      const roles = new Set<ImportRole>();
      let otherRoles = false;
      const role = row.get('role').toLowerCase();
      if (role) {
        if (ROLE_MAP[role]) roles.add(ROLE_MAP[role]);
        else otherRoles = true;
      }
      const agents = row
        .get('agentsourcedids')
        .split(/[,;]/)
        .map((s) => s.trim())
        .filter(Boolean);
      this.keep(users, row.get('sourcedid'), {
        ...v,
        sourcedId: row.get('sourcedid'),
        givenName: row.get('givenname'),
        familyName: row.get('familyname'),
        middleName: row.get('middlename') || null,
        phone: row.get('sms') || row.get('phone'),
        agents,
        roles,
        otherRoles,
        birthDate: null,
      });
    }
    for await (const row of this.rows('roles', ['usersourcedid', 'role'])) {
      const user = users.get(row.get('usersourcedid'));
      if (!user || row.get('status').toLowerCase() === 'tobedeleted') continue;
      const role = ROLE_MAP[row.get('role').toLowerCase()];
      if (role) user.roles.add(role);
      else user.otherRoles = true;
    }
    for await (const row of this.rows('demographics', ['sourcedid'])) {
      const user = users.get(row.get('sourcedid'));
      const raw = row.get('birthdate');
      if (!user || !raw) continue;
      const d = parseDate(raw);
      if (!d) this.issue('bad_date', refAt('demographics.csv', row.line, 'birthDate'), { value: raw });
      else user.birthDate = d;
    }

    // Homeroom classes become the school's classes.
    for (const c of classes.values()) {
      if (!c.homeroom) continue;
      if (c.deleted) {
        this.input.deletions.classKeys.push({ key: c.sourcedId, ref: c.ref });
        continue;
      }
      if (c.grade === null) {
        this.issue('class_without_grade', { ...c.ref, column: 'grades' }, { value: c.title });
        continue;
      }
      this.input.classes.push({ key: c.sourcedId, sourceId: c.sourcedId, name: c.title.trim(), grade: c.grade, ref: c.ref });
    }

    // People: everyone whose roles Parta knows; the rest (administrators, proctors) are not imported.
    const covered = new Set<ImportRole>();
    const usersBulk = this.modes.get('users') !== 'delta';
    for (const u of users.values()) {
      if (u.deleted) {
        this.input.deletions.personKeys.push({ key: u.sourcedId, ref: u.ref });
        continue;
      }
      // A delta may carry a changed user without their roles: the roster's are kept (plan.ts).
      if (u.roles.size === 0 && (usersBulk || u.otherRoles)) {
        if (!u.otherRoles) this.issue('bad_role', { ...u.ref, column: 'role' });
        continue;
      }
      const roles = [...u.roles];
      if (u.roles.has('student') && roles.length > 1) {
        this.issue('bad_role', { ...u.ref, column: 'role' }, { value: roles.join(', ') });
        continue;
      }
      if (!u.familyName || !u.givenName) {
        this.issue('missing_value', { ...u.ref, column: u.familyName ? 'givenName' : 'familyName' });
        continue;
      }
      for (const r of roles) covered.add(r);
      const phone = this.people.phone(u.phone, { ...u.ref, column: 'sms' });
      this.people.add(
        {
          key: u.sourcedId,
          sourceId: u.sourcedId,
          lastName: u.familyName,
          firstName: u.givenName,
          middleName: u.middleName,
          roles,
          birthDate: u.birthDate,
          phone,
          classKey: null,
          ref: u.ref,
        },
        { ...u.ref, column: 'sms' },
      );
    }
    if (usersBulk) this.input.coveredRoles = [...covered];

    // Guardian links, from either side.
    const linked = new Set<string>();
    for (const u of users.values()) {
      if (u.deleted) continue;
      for (const agent of u.agents) {
        const me = this.people.get(u.sourcedId);
        if (!me) continue;
        const other = users.get(agent);
        const unknown = me.roles.length === 0 && (!other || other.roles.size === 0);
        const otherIsStudent = other && other.roles.size ? other.roles.has('student') : me.roles.length > 0 && !me.roles.includes('student');
        const [guardianKey, studentKey] = me.roles.includes('student') ? [agent, u.sourcedId] : otherIsStudent || unknown ? [u.sourcedId, agent] : [null, null];
        if (!guardianKey || !studentKey || linked.has(`${guardianKey}|${studentKey}`) || linked.has(`${studentKey}|${guardianKey}`)) continue;
        linked.add(`${guardianKey}|${studentKey}`);
        this.input.guardianships.push({
          guardianKey,
          studentKey,
          relation: null,
          ref: { ...u.ref, column: 'agentSourcedIds' },
          ...(unknown || (me.roles.length === 0 && !other) ? { either: true as const } : {}),
        });
      }
    }

    // Enrolments: a student's homeroom; teachers of homerooms and of scheduled classes.
    const sections: { classId: string; teacher: string; primary: boolean; ref: SourceRef }[] = [];
    const sectionStudents = new Map<string, string[]>();
    const homeroomOf = new Map<string, string>();
    const enrolRefs = new Map<string, SourceRef>();
    for await (const row of this.rows('enrollments', ['classsourcedid', 'usersourcedid', 'role'])) {
      const ref = refAt('enrollments.csv', row.line);
      const classId = row.get('classsourcedid');
      const userId = row.get('usersourcedid');
      const role = ROLE_MAP[row.get('role').toLowerCase()];
      const deleted = row.get('status').toLowerCase() === 'tobedeleted';
      const cls = classes.get(classId);
      if (!cls) {
        // Not in this file (a delta): a homeroom the roster knows by its source id, or refused by the planner.
        if (deleted) this.input.deletions.enrolments.push({ studentKey: userId, classKey: classId, ref });
        else if (role === 'student') {
          homeroomOf.set(userId, classId);
          enrolRefs.set(userId, { ...ref, column: 'classSourcedId' });
        } else if (role === 'teacher')
          this.input.teachings.push({
            teacherKey: userId,
            classKey: classId,
            subjects: [],
            isClassTeacher: row.get('primary').toLowerCase() === 'true',
            ref: { ...ref, column: 'classSourcedId' },
          });
        continue;
      }
      if (role === 'student') {
        if (deleted) {
          if (cls.homeroom) this.input.deletions.enrolments.push({ studentKey: userId, classKey: classId, ref });
          continue;
        }
        if (cls.homeroom) {
          const prev = homeroomOf.get(userId);
          if (prev && prev !== classId) this.issue('duplicate_id', { ...ref, column: 'classSourcedId' }, { value: userId });
          homeroomOf.set(userId, classId);
          enrolRefs.set(userId, { ...ref, column: 'userSourcedId' });
        } else sectionStudents.set(classId, [...(sectionStudents.get(classId) ?? []), userId]);
      } else if (role === 'teacher' && !deleted) {
        sections.push({ classId, teacher: userId, primary: row.get('primary').toLowerCase() === 'true', ref });
      }
    }
    for (const [studentId, classId] of homeroomOf) {
      const p = this.people.get(studentId);
      if (p) p.classKey = classId;
      else if (!users.has(studentId)) this.input.enrolments.push({ studentKey: studentId, classKey: classId, ref: enrolRefs.get(studentId)! });
    }
    /** The homeroom a scheduled class is taught to: where most of its students are. */
    const homeroomOfSection = (sectionId: string): string | null => {
      const counts = new Map<string, number>();
      for (const s of sectionStudents.get(sectionId) ?? []) {
        const h = homeroomOf.get(s);
        if (h) counts.set(h, (counts.get(h) ?? 0) + 1);
      }
      return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? null;
    };
    const teachings = new Map<string, ImportInput['teachings'][number]>();
    for (const s of sections) {
      const cls = classes.get(s.classId)!;
      const homeroom = cls.homeroom ? s.classId : homeroomOfSection(s.classId);
      if (!homeroom) continue;
      const key = `${s.teacher}|${homeroom}`;
      const t = teachings.get(key) ?? { teacherKey: s.teacher, classKey: homeroom, subjects: [], isClassTeacher: false, ref: s.ref };
      if (cls.homeroom) t.isClassTeacher ||= s.primary;
      else if (!t.subjects.includes(cls.subject)) t.subjects.push(cls.subject);
      teachings.set(key, t);
    }
    this.input.teachings.push(...teachings.values());

    await this.readGradebook(classes, homeroomOf, homeroomOfSection);
    return this.input;
  }

  /** lineItems (a graded piece of work in a class, on a date) and results (a student's mark on it). */
  private async readGradebook(classes: Map<string, ClassRow>, homeroomOf: Map<string, string>, homeroomOfSection: (id: string) => string | null) {
    const items = new Map<string, { classId: string; date: string }>();
    for await (const row of this.rows('lineitems', ['sourcedid', 'classsourcedid'])) {
      if (row.get('status').toLowerCase() === 'tobedeleted') continue;
      const raw = row.get('assigndate') || row.get('duedate');
      const date = parseDate(raw);
      if (!date) {
        this.issue('bad_date', refAt('lineItems.csv', row.line, 'assignDate'), { value: raw });
        continue;
      }
      if (!classes.has(row.get('classsourcedid'))) {
        this.issue('unknown_class', refAt('lineItems.csv', row.line, 'classSourcedId'), { value: row.get('classsourcedid') });
        continue;
      }
      items.set(row.get('sourcedid'), { classId: row.get('classsourcedid'), date });
    }
    for await (const row of this.rows('results', ['sourcedid', 'lineitemsourcedid', 'studentsourcedid', 'score'])) {
      if (row.get('status').toLowerCase() === 'tobedeleted') continue;
      const item = items.get(row.get('lineitemsourcedid'));
      const ref = refAt('results.csv', row.line, 'lineItemSourcedId');
      if (!item) {
        this.issue('unknown_class', ref, { value: row.get('lineitemsourcedid') });
        continue;
      }
      const cls = classes.get(item.classId)!;
      const student = row.get('studentsourcedid');
      const homeroom = cls.homeroom ? item.classId : (homeroomOf.get(student) ?? homeroomOfSection(item.classId));
      if (!homeroom) continue;
      const score = row.get('score').replace(',', '.');
      const value = /^\d+(\.0+)?$/.test(score) ? String(Number(score)) : score;
      if (!value) continue;
      this.input.grades.push({
        sourceId: row.get('sourcedid'),
        studentKey: student,
        classKey: homeroom,
        subject: cls.subject,
        date: item.date,
        value,
        ref: { ...ref, column: 'score' },
      });
    }
  }
}

export async function readOneRoster(buffer: Buffer, fileName: string, countries: readonly string[]): Promise<ImportInput> {
  const zip = await ZipReader.open(buffer, fileName);
  try {
    return await new OneRosterReader(zip, countries).read();
  } finally {
    zip.close();
  }
}
