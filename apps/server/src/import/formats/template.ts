import type { Readable } from 'node:stream';
import type { ImportInput, InputPerson } from '../input.ts';
import { emptyInput } from '../input.ts';
import { PeopleBuilder } from '../people.ts';
import { ImportRefusal, nameKey, parseDate, readCsv, refAt, requireColumns, splitFullName, type CsvRow } from '../text.ts';
import { gradeFromName } from '../../directory/rules.ts';
import { readXlsxSheets } from './xlsx.ts';

/**
 * The Russian template, for schools whose e-journal exports no OneRoster: a students' sheet (one
 * row per student, up to two guardians) and a teachers' sheet, as CSV (one sheet per file) or
 * as one XLSX workbook. A sheet is told by its header, not its name.
 */
export const STUDENT_COLUMNS = [
  'фамилия',
  'имя',
  'отчество',
  'дата рождения',
  'класс',
  'телефон ученика',
  'родитель 1 фио',
  'родитель 1 телефон',
  'родитель 1 кем приходится',
  'родитель 2 фио',
  'родитель 2 телефон',
  'родитель 2 кем приходится',
] as const;
export const TEACHER_COLUMNS = ['фио', 'телефон', 'предметы', 'классы', 'классный руководитель'] as const;

/** The example rows the downloadable template carries. */
export const TEMPLATE_EXAMPLE = {
  students: [
    'Иванов',
    'Пётр',
    'Сергеевич',
    '14.03.2014',
    '5А',
    '+7 916 000-00-01',
    'Иванова Мария Петровна',
    '+7 916 000-00-02',
    'мать',
    'Иванов Сергей Павлович',
    '+7 916 000-00-03',
    'отец',
  ],
  teachers: ['Смирнова Анна Викторовна', '+7 916 000-00-10', 'Математика, Алгебра', '5А, 6Б', '5А'],
};

const list = (s: string) =>
  s
    .split(/[,;\n]/)
    .map((x) => x.trim())
    .filter(Boolean);

/** "5 а" and "5А" are one class. */
export const className = (s: string) => s.trim().replace(/\s+/g, '').toUpperCase().replace(/Ё/g, 'Е');

export class TemplateReader {
  readonly input: ImportInput = emptyInput('template', 'bulk');
  private readonly people: PeopleBuilder;
  private sawStudents = false;
  private sawTeachers = false;

  constructor(countries: readonly string[]) {
    this.people = new PeopleBuilder(this.input, countries);
  }

  private cls(name: string, file: string, line: number, column: string): string | null {
    const n = className(name);
    if (!n) return null;
    if (gradeFromName(n) === null) {
      this.input.issues.push({ code: 'unknown_class', ref: refAt(file, line, column), params: { value: name } });
      return null;
    }
    if (!this.input.classes.some((c) => c.key === n))
      this.input.classes.push({ key: n, sourceId: null, name: n, grade: gradeFromName(n), ref: refAt(file, line, column) });
    return n;
  }

  async sheet(rows: AsyncIterable<CsvRow & { headers: string[] }>, file: string): Promise<void> {
    let kind: 'students' | 'teachers' | null = null;
    for await (const row of rows) {
      if (!kind) {
        if (row.headers.includes('фамилия')) {
          requireColumns(row.headers, ['фамилия', 'имя', 'дата рождения', 'класс'], file);
          kind = 'students';
          this.sawStudents = true;
        } else if (row.headers.includes('фио')) {
          requireColumns(row.headers, ['фио', 'телефон', 'классы'], file);
          kind = 'teachers';
          this.sawTeachers = true;
        } else {
          throw new ImportRefusal({ code: 'missing_column', ref: refAt(file, 1, 'фамилия') });
        }
      }
      if (kind === 'students') this.studentRow(row, file);
      else this.teacherRow(row, file);
    }
    if (this.sawStudents) this.input.coveredRoles = [...new Set([...this.input.coveredRoles, 'student' as const, 'guardian' as const])];
    if (this.sawTeachers) this.input.coveredRoles = [...new Set([...this.input.coveredRoles, 'teacher' as const])];
  }

  private studentRow(row: CsvRow, file: string) {
    const at = (column: string) => refAt(file, row.line, column);
    const lastName = row.get('фамилия');
    const firstName = row.get('имя');
    const guardians = [1, 2].filter((i) => row.get(`родитель ${i} фио`) || row.get(`родитель ${i} телефон`));
    if (!lastName || !firstName) {
      if (guardians.length) this.input.issues.push({ code: 'guardian_without_child', ref: at(lastName ? 'имя' : 'фамилия') });
      else this.input.issues.push({ code: 'missing_value', ref: at(lastName ? 'имя' : 'фамилия') });
      return;
    }
    const rawDate = row.get('дата рождения');
    const birthDate = rawDate ? parseDate(rawDate) : null;
    if (rawDate && !birthDate) this.input.issues.push({ code: 'bad_date', ref: at('дата рождения'), params: { value: rawDate } });
    if (!rawDate) this.input.issues.push({ code: 'missing_value', ref: at('дата рождения') });
    const rawClass = row.get('класс');
    if (!rawClass) this.input.issues.push({ code: 'missing_value', ref: at('класс') });
    const classKey = rawClass ? this.cls(rawClass, file, row.line, 'класс') : null;
    const phone = this.people.phone(row.get('телефон ученика'), at('телефон ученика'));
    const middleName = row.get('отчество') || null;
    const student: InputPerson = {
      key: phone ? `phone:${phone}` : `student:${nameKey(lastName, firstName, middleName)}|${birthDate ?? row.line}`,
      sourceId: null,
      lastName,
      firstName,
      middleName,
      roles: ['student'],
      birthDate,
      phone,
      classKey,
      ref: at('фамилия'),
    };
    const studentKey = this.people.add(student, at('телефон ученика'));
    if (!studentKey) return;
    for (const i of guardians) {
      const full = row.get(`родитель ${i} фио`);
      const name = splitFullName(full);
      if (!name) {
        this.input.issues.push({ code: 'missing_value', ref: at(`родитель ${i} фио`), params: { value: full } });
        continue;
      }
      const gPhone = this.people.phone(row.get(`родитель ${i} телефон`), at(`родитель ${i} телефон`));
      const guardian: InputPerson = {
        key: gPhone ? `phone:${gPhone}` : `guardian:${nameKey(full)}|${studentKey}`,
        sourceId: null,
        ...name,
        roles: ['guardian'],
        birthDate: null,
        phone: gPhone,
        classKey: null,
        ref: at(`родитель ${i} фио`),
      };
      const guardianKey = this.people.add(guardian, at(`родитель ${i} телефон`));
      if (guardianKey)
        this.input.guardianships.push({ guardianKey, studentKey, relation: row.get(`родитель ${i} кем приходится`) || null, ref: at(`родитель ${i} фио`) });
    }
  }

  private teacherRow(row: CsvRow, file: string) {
    const at = (column: string) => refAt(file, row.line, column);
    const full = row.get('фио');
    const name = splitFullName(full);
    if (!name) {
      this.input.issues.push({ code: 'missing_value', ref: at('фио'), params: { value: full } });
      return;
    }
    const phone = this.people.phone(row.get('телефон'), at('телефон'));
    const key = this.people.add(
      {
        key: phone ? `phone:${phone}` : `teacher:${nameKey(full)}`,
        sourceId: null,
        ...name,
        roles: ['teacher'],
        birthDate: null,
        phone,
        classKey: null,
        ref: at('фио'),
      },
      at('телефон'),
    );
    if (!key) return;
    const subjects = list(row.get('предметы'));
    const led = row.get('классный руководитель');
    const classes = list(row.get('классы'));
    if (led && !classes.some((c) => className(c) === className(led))) classes.push(led);
    for (const c of classes) {
      const classKey = this.cls(c, file, row.line, 'классы');
      if (classKey) this.input.teachings.push({ teacherKey: key, classKey, subjects, isClassTeacher: !!led && className(led) === classKey, ref: at('классы') });
    }
  }
}

/** Reads a template file: CSV (one sheet) or XLSX (every sheet). */
export async function readTemplate(kind: 'csv' | 'xlsx', source: Readable, fileName: string, countries: readonly string[]): Promise<ImportInput> {
  const reader = new TemplateReader(countries);
  if (kind === 'csv') {
    await reader.sheet(readCsv(source, fileName), fileName);
  } else {
    for await (const sheet of readXlsxSheets(source)) await reader.sheet(sheet.rows, `${fileName}: ${sheet.name}`);
  }
  return reader.input;
}
