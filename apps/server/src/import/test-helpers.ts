import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import iconv from 'iconv-lite';
import yazl from 'yazl';
import ExcelJS from 'exceljs';
import type { ImportReport } from '@parta/protocol';
import type { TestApp } from '../testing/harness.ts';
import { runCommand } from '../platform/commands.ts';

/** A new, empty school with its admin signed in (an operator creates it, as in production). */
export async function newSchool(t: TestApp, adminPhone: string, operatorPhone: string) {
  await runCommand(t.runtime.ctx, 'operator:create', { phone: operatorPhone });
  const operator = (await t.signIn(operatorPhone)).token;
  const res = await t.request('POST', '/api/v1/schools', {
    token: operator,
    body: { name: 'Школа № 7', admin: { lastName: 'Директорова', firstName: 'Вера', phone: adminPhone } },
  });
  assert.equal(res.statusCode, 201, res.body);
  const admin = (await t.signIn(adminPhone)).token;
  return { schoolId: res.json().id as string, admin };
}

export async function upload(t: TestApp, token: string, schoolId: string, file: Buffer, name: string, lang = 'ru', full = true): Promise<ImportReport> {
  const res = await t.request('POST', `/api/v1/schools/${schoolId}/import?name=${encodeURIComponent(name)}${full ? '&full=1' : ''}`, {
    token,
    body: file,
    headers: { 'content-type': 'application/octet-stream', 'accept-language': lang },
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

export async function apply(t: TestApp, token: string, schoolId: string, runId: string, confirm: string[] = [], status = 200) {
  const res = await t.request('POST', `/api/v1/schools/${schoolId}/import/${runId}/apply`, { token, body: { confirm } });
  assert.equal(res.statusCode, status, res.body);
  return res.json();
}

/** A CSV of rows, as a spreadsheet program writes it. */
export function csv(rows: string[][], opts: { sep?: string; encoding?: 'utf-8' | 'windows-1251' | 'koi8-r'; bom?: boolean; eol?: string } = {}): Buffer {
  const text = rows.map((r) => r.join(opts.sep ?? ';')).join(opts.eol ?? '\r\n') + (opts.eol ?? '\r\n');
  if (opts.encoding && opts.encoding !== 'utf-8') return iconv.encode(text, opts.encoding);
  return Buffer.from((opts.bom ? '\uFEFF' : '') + text, 'utf8');
}

export const STUDENT_HEAD = [
  'Фамилия',
  'Имя',
  'Отчество',
  'Дата рождения',
  'Класс',
  'Телефон ученика',
  'Родитель 1: ФИО',
  'Родитель 1: телефон',
  'Родитель 1: кем приходится',
  'Родитель 2: ФИО',
  'Родитель 2: телефон',
  'Родитель 2: кем приходится',
];
export const TEACHER_HEAD = ['ФИО', 'Телефон', 'Предметы', 'Классы', 'Классный руководитель'];

export async function xlsx(sheets: Record<string, (string | number | Date)[][]>): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  for (const [name, rows] of Object.entries(sheets)) {
    const ws = wb.addWorksheet(name);
    for (const r of rows) ws.addRow(r);
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export async function zip(files: Record<string, string | Buffer>): Promise<Buffer> {
  const z = new yazl.ZipFile();
  for (const [name, content] of Object.entries(files)) z.addBuffer(Buffer.isBuffer(content) ? content : Buffer.from(content), name);
  z.end();
  const out = new PassThrough();
  z.outputStream.pipe(out);
  const chunks: Buffer[] = [];
  for await (const c of out) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function unzip(buffer: Buffer): Promise<Record<string, string>> {
  const { ZipReader } = await import('./zip.ts');
  const z = await ZipReader.open(buffer, 'export.zip');
  const out: Record<string, string> = {};
  for (const [, entry] of z.entries) {
    const chunks: Buffer[] = [];
    for await (const c of await z.open(entry.fileName.split('/').pop()!)) chunks.push(c as Buffer);
    out[entry.fileName] = Buffer.concat(chunks).toString('utf8');
  }
  z.close();
  return out;
}

/** A small OneRoster 1.2 bulk export: two homerooms, a maths section, two students, a guardian, a teacher, a mark. */
export function oneRosterFiles(overrides: Record<string, string> = {}): Record<string, string> {
  const files: Record<string, string> = {
    'manifest.csv':
      'propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\nfile.orgs,bulk\nfile.academicSessions,bulk\nfile.courses,bulk\nfile.classes,bulk\nfile.users,bulk\nfile.roles,bulk\nfile.enrollments,bulk\nfile.demographics,bulk\nfile.lineItems,bulk\nfile.results,bulk\n',
    'orgs.csv': 'sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\norg1,active,2026-09-01T00:00:00Z,Школа № 7,school,7,\n',
    'academicSessions.csv':
      'sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear\ny1,active,2026-09-01T00:00:00Z,2026/2027,schoolYear,2026-09-01,2027-08-31,,2027\n',
    'courses.csv':
      'sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,subjects,subjectCodes\nhr,active,,y1,Класс,,,org1,,\nmath,active,,y1,Математика,,,org1,,\n',
    'classes.csv':
      'sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods\n' +
      'c5a,active,,5А,05,hr,5А,homeroom,,org1,y1,,,\nc6b,active,,6Б,06,hr,6Б,homeroom,,org1,y1,,,\nm5a,active,,Математика 5А,05,math,5А,scheduled,,org1,y1,,,\n',
    'users.csv':
      'sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n' +
      's1,active,,true,s1,,Пётр,Иванов,Сергеевич,,,+79161110001,,g1,05,\n' +
      's2,active,,true,s2,,Анна,Петрова,,,,,,g1,06,\n' +
      'g1,active,,true,g1,,Мария,Иванова,Петровна,,,8 916 111-00-02,,"s1,s2",,\n' +
      't1,active,,true,t1,,Анна,Смирнова,Викторовна,,,+79161110010,,,,\n',
    'roles.csv':
      'sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId\n' +
      'r1,active,,s1,primary,student,,,org1,\nr2,active,,s2,primary,student,,,org1,\nr3,active,,g1,primary,parent,,,org1,\nr4,active,,t1,primary,teacher,,,org1,\n',
    'enrollments.csv':
      'sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\n' +
      'e1,active,,c5a,org1,s1,student,false,,\ne2,active,,c6b,org1,s2,student,false,,\ne3,active,,m5a,org1,s1,student,false,,\ne4,active,,c5a,org1,t1,teacher,true,,\ne5,active,,m5a,org1,t1,teacher,true,,\n',
    'demographics.csv': 'sourcedId,status,dateLastModified,birthDate,sex\ns1,active,,2014-03-14,male\ns2,active,,02.05.2013,female\n',
    'lineItems.csv':
      'sourcedId,status,dateLastModified,title,description,assignDate,dueDate,classSourcedId,categorySourcedId,gradingPeriodSourcedId,academicSessionSourcedId,resultValueMin,resultValueMax\nli1,active,,Контрольная,,2026-10-05,2026-10-05,m5a,,y1,,2,5\n',
    'results.csv':
      'sourcedId,status,dateLastModified,lineItemSourcedId,studentSourcedId,scoreStatus,score,scoreDate,comment\nres1,active,,li1,s1,fully graded,5.0,2026-10-05,\n',
  };
  return { ...files, ...overrides };
}
