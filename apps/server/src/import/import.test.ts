import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { multipartBody } from '../files/test-helpers.ts';
import { apply, csv, newSchool, oneRosterFiles, STUDENT_HEAD, TEACHER_HEAD, upload, xlsx, zip } from './test-helpers.ts';

const ROW1 = [
  'Иванов',
  'Пётр',
  'Сергеевич',
  '14.03.2014',
  '5А',
  '+7 916 200-00-01',
  'Иванова Мария Петровна',
  '+7 916 200-00-02',
  'мать',
  'Иванов Сергей Павлович',
  '8 (916) 200-00-03',
  'отец',
];
const ROW2 = ['Иванова', 'Ольга', 'Сергеевна', '2013-01-20', '6Б', '', 'Иванова Мария Петровна', '+79162000002', 'мать', '', '', ''];
const ROW3 = ['Петров', 'Илья', '', '01.09.2014', '5 а', '', 'Петрова Анна', '+79162000004', '', '', '', ''];

describe('import: the Russian template and OneRoster, dry run then apply', () => {
  let t: TestApp;
  let schoolId: string;
  let admin: string;
  const count = async (table: 'persons' | 'guardianships' | 'enrolments' | 'classes' | 'class_teachers' | 'grades') =>
    Number(
      (
        await t.runtime.ctx.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const snapshot = async () => ({
    persons: await count('persons'),
    guardianships: await count('guardianships'),
    enrolments: await count('enrolments'),
    classes: await count('classes'),
    grades: await count('grades'),
  });

  before(async () => {
    t = await createTestApp();
    ({ schoolId, admin } = await newSchool(t, '+79162009999', '+79162009998'));
  });
  after(() => t.close());

  test('the template as CSV (UTF-8, a BOM, `;`): the dry run writes nothing; apply writes it; a re-import changes nothing', async () => {
    const before = await snapshot();
    const file = csv([STUDENT_HEAD, ROW1, ROW2, ROW3], { bom: true });
    const report = await upload(t, admin, schoolId, file, 'ученики.csv');
    assert.equal(report.canApply, true, JSON.stringify(report.rows.filter((r) => r.action === 'refuse')));
    assert.equal(report.format, 'template');
    // 2 classes, 3 students, 3 guardians (the mother once, for two children), 4 links.
    assert.equal(report.rows.filter((r) => r.kind === 'class' && r.action === 'create').length, 2);
    assert.equal(report.rows.filter((r) => r.kind === 'person' && r.action === 'create').length, 6);
    assert.equal(report.rows.filter((r) => r.kind === 'guardian' && r.action === 'create').length, 4);
    assert.ok(report.rows.some((r) => r.name === 'Иванов Пётр Сергеевич' && /5А/.test(r.detail)));
    assert.deepEqual(await snapshot(), before, 'the dry run wrote nothing');

    const applied = await apply(t, admin, schoolId, report.runId!);
    assert.equal(applied.counts.created, report.counts.created);
    const people = (await t.request('GET', `/api/v1/schools/${schoolId}/people`, { token: admin })).json().people;
    const mother = people.find((p: { phone: string }) => p.phone === '+79162000002');
    assert.equal(mother.childIds.length, 2);
    const petrov = people.find((p: { lastName: string }) => p.lastName === 'Петров');
    assert.equal(petrov.birthDate, '2014-09-01');
    const classes = (await t.request('GET', `/api/v1/schools/${schoolId}/classes`, { token: admin })).json().classes;
    assert.deepEqual(
      classes.map((c: { name: string; studentCount: number }) => [c.name, c.studentCount]),
      [
        ['5А', 2],
        ['6Б', 1],
      ],
    );

    // The same file again: nothing to do, and applying it changes nothing.
    const again = await upload(t, admin, schoolId, file, 'ученики.csv');
    assert.deepEqual({ ...again.counts, unchanged: 0 }, { created: 0, changed: 0, moved: 0, archived: 0, refused: 0, confirm: 0, unchanged: 0 });
    const mid = await snapshot();
    await apply(t, admin, schoolId, again.runId!);
    assert.deepEqual(await snapshot(), mid);
    // A run is applied once.
    await apply(t, admin, schoolId, report.runId!, [], 404);
  });

  test('Windows-1251 with `,`, ISO and Russian dates and trailing separators reads the same; a move between classes is reported', async () => {
    const moved = [...ROW3.slice(0, 4), '6Б', ...ROW3.slice(5)];
    const file = csv(
      [
        [...STUDENT_HEAD, ''],
        [...ROW1, ''],
        [...ROW2, '', ''],
        [...moved, ''],
      ],
      { sep: ',', encoding: 'windows-1251' },
    );
    const report = await upload(t, admin, schoolId, file, 'export.csv');
    assert.equal(report.canApply, true, JSON.stringify(report.rows));
    assert.deepEqual(
      report.rows.map((r) => [r.action, r.name]),
      [['move', 'Петров Илья']],
    );
    assert.match(report.rows[0]!.detail, /из 5А в 6Б/);
    await apply(t, admin, schoolId, report.runId!);
    const classes = (await t.request('GET', `/api/v1/schools/${schoolId}/classes`, { token: admin })).json().classes;
    assert.deepEqual(
      classes.map((c: { name: string; studentCount: number }) => [c.name, c.studentCount]),
      [
        ['5А', 1],
        ['6Б', 2],
      ],
    );
  });

  test('the template as XLSX with a teachers sheet: subjects, classes and the class teacher', async () => {
    const file = await xlsx({
      Ученики: [STUDENT_HEAD, ROW1, ROW2, [...ROW3.slice(0, 4), '6Б', ...ROW3.slice(5)]],
      Учителя: [
        TEACHER_HEAD,
        ['Смирнова Анна Викторовна', '+79162000010', 'Математика, Алгебра', '5А, 6Б', '5А'],
        ['Орлов Павел Ильич', '', 'История', '6Б', ''],
      ],
    });
    const report = await upload(t, admin, schoolId, file, 'шаблон.xlsx');
    assert.equal(report.canApply, true, JSON.stringify(report.rows));
    assert.equal(report.rows.filter((r) => r.kind === 'teacher').length, 3);
    assert.equal(report.rows.filter((r) => r.kind === 'subject').length, 3);
    await apply(t, admin, schoolId, report.runId!);
    const classes = (await t.request('GET', `/api/v1/schools/${schoolId}/classes`, { token: admin })).json().classes;
    const c5a = classes.find((c: { name: string }) => c.name === '5А');
    assert.equal(c5a.teachers.length, 1);
    assert.equal(c5a.teachers[0].isClassTeacher, true);
    const again = await upload(t, admin, schoolId, file, 'шаблон.xlsx');
    assert.equal(again.rows.length, 0, JSON.stringify(again.rows));
  });

  test('malformed files are refused with file, line and column, in Russian or English, and nothing is written', async () => {
    const before = await snapshot();
    const cases: { name: string; rows: string[][]; code: string; line: number; column?: string; opts?: Parameters<typeof csv>[1] }[] = [
      {
        name: 'a bad date',
        rows: [STUDENT_HEAD, ['Сидоров', 'Олег', '', '31.02.2014', '5А', '', '', '', '', '', '', '']],
        code: 'bad_date',
        line: 2,
        column: 'дата рождения',
      },
      {
        name: 'an ambiguous date',
        rows: [STUDENT_HEAD, ROW1, ['Сидоров', 'Олег', '', '03/04/2014', '5А', '', '', '', '', '', '', '']],
        code: 'bad_date',
        line: 3,
      },
      {
        name: 'an unknown class',
        rows: [STUDENT_HEAD, ['Сидоров', 'Олег', '', '01.01.2014', 'пятый', '', '', '', '', '', '', '']],
        code: 'unknown_class',
        line: 2,
        column: 'класс',
      },
      {
        name: 'a guardian whose child is missing',
        rows: [STUDENT_HEAD, ROW1, ['', '', '', '', '', '', 'Сидорова Анна', '+79162000020', 'мать', '', '', '']],
        code: 'guardian_without_child',
        line: 3,
      },
      {
        name: 'duplicate phones',
        rows: [STUDENT_HEAD, ROW1, ['Сидоров', 'Олег', '', '01.01.2014', '5А', '', 'Сидорова Анна', '+79162000002', 'мать', '', '', '']],
        code: 'duplicate_phone',
        line: 3,
        column: 'родитель 1 телефон',
      },
      {
        name: "a student on a guardian's phone",
        rows: [STUDENT_HEAD, ROW1, ['Сидоров', 'Олег', '', '01.01.2014', '5А', '+79162000003', '', '', '', '', '', '']],
        code: 'student_on_adult_phone',
        line: 3,
        column: 'телефон ученика',
      },
      { name: 'a wrong encoding (KOI8-R)', rows: [STUDENT_HEAD, ROW1, ROW2], code: 'bad_encoding', line: 1, opts: { encoding: 'koi8-r' } },
      { name: 'a missing column', rows: [STUDENT_HEAD.filter((h) => h !== 'Класс'), ROW1.slice(0, 4)], code: 'missing_column', line: 1, column: 'класс' },
    ];
    for (const c of cases) {
      const report = await upload(t, admin, schoolId, csv(c.rows, c.opts), 'bad.csv');
      const refused = report.rows.filter((r) => r.action === 'refuse');
      assert.equal(report.canApply, false, c.name);
      const hit = refused.find((r) => r.code === c.code);
      assert.ok(hit, `${c.name}: ${JSON.stringify(refused)}`);
      assert.equal(hit.line, c.line, c.name);
      assert.equal(hit.file, 'bad.csv', c.name);
      if (c.column) assert.equal(hit.column, c.column, c.name);
      assert.match(hit.detail, /[а-я]/, 'in Russian by default');
      if (report.runId) await apply(t, admin, schoolId, report.runId, [], 404);
    }
    const en = await upload(t, admin, schoolId, csv(cases[0]!.rows), 'bad.csv', 'en');
    assert.match(en.rows.find((r) => r.code === 'bad_date')!.detail, /cannot be read/);
    assert.deepEqual(await snapshot(), before, 'nothing written');
  });

  test('a weak match is never merged silently: confirmed, it merges; unconfirmed, apply is refused', async () => {
    // The roster has Орлова Нина (no birth date, no phone); the file has Орлова Нина with both.
    const created = await t.request('POST', `/api/v1/schools/${schoolId}/people`, {
      token: admin,
      body: { lastName: 'Орлова', firstName: 'Нина', roles: ['student'] },
    });
    assert.equal(created.statusCode, 201, created.body);
    const rows = [
      STUDENT_HEAD,
      ROW1,
      ROW2,
      [...ROW3.slice(0, 4), '6Б', ...ROW3.slice(5)],
      ['Орлова', 'Нина', 'Игоревна', '05.05.2014', '5А', '', '', '', '', '', '', ''],
    ];
    const report = await upload(t, admin, schoolId, csv(rows), 'ученики.csv');
    const weak = report.rows.filter((r) => r.action === 'confirm');
    assert.equal(weak.length, 1);
    assert.equal(report.canApply, false);
    assert.equal((await apply(t, admin, schoolId, report.runId!, [], 409)).error.code, 'import_unconfirmed');
    const before = await count('persons');
    await apply(t, admin, schoolId, report.runId!, [weak[0]!.key!]);
    assert.equal(await count('persons'), before, 'merged, not created');
    const nina = (await t.request('GET', `/api/v1/schools/${schoolId}/people/${created.json().id}`, { token: admin })).json();
    assert.equal(nina.birthDate, '2014-05-05');
    assert.equal(nina.middleName, 'Игоревна');
  });

  test('apply is refused when the roster changed after the dry run', async () => {
    const rows = [STUDENT_HEAD, ROW1, ROW2, [...ROW3.slice(0, 4), '5А', ...ROW3.slice(5)]];
    const report = await upload(t, admin, schoolId, csv(rows), 'ученики.csv');
    assert.equal(report.counts.moved, 1);
    await t.request('POST', `/api/v1/schools/${schoolId}/classes`, { token: admin, body: { name: '7В' } });
    const people = (await t.request('GET', `/api/v1/schools/${schoolId}/people?role=student`, { token: admin })).json().people;
    const petrov = people.find((p: { lastName: string }) => p.lastName === 'Петров');
    const c5a = (await t.request('GET', `/api/v1/schools/${schoolId}/classes`, { token: admin })).json().classes.find((c: { name: string }) => c.name === '5А');
    await t.request('POST', `/api/v1/schools/${schoolId}/classes/${c5a.id}/students`, { token: admin, body: { studentId: petrov.id } });
    assert.equal((await apply(t, admin, schoolId, report.runId!, [], 409)).error.code, 'import_stale');
  });

  test('a browser form upload (multipart) is read the same, with its file name; a body that is no file is refused', async () => {
    const m = multipartBody('ученики.csv', csv([STUDENT_HEAD, ROW1]), 'text/csv');
    const res = await t.request('POST', `/api/v1/schools/${schoolId}/import`, { token: admin, body: m.body, headers: m.headers });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().fileName, 'ученики.csv');
    const empty = await t.request('POST', `/api/v1/schools/${schoolId}/import`, {
      token: admin,
      body: Buffer.alloc(0),
      headers: { 'content-type': 'application/octet-stream' },
    });
    assert.equal(empty.statusCode, 400);
  });

  test('the template downloads as XLSX (both sheets, an example row) and as CSV, and reads back', async () => {
    const x = await t.request('GET', `/api/v1/schools/${schoolId}/import/template`, { token: admin });
    assert.equal(x.statusCode, 200);
    assert.match(String(x.headers['content-disposition']), /filename\*=UTF-8''/);
    const report = await upload(t, admin, schoolId, x.rawPayload, 'шаблон.xlsx');
    assert.ok(
      report.rows.some((r) => r.name === 'Иванов Пётр Сергеевич'),
      'the example student',
    );
    assert.ok(
      report.rows.some((r) => r.kind === 'teacher' && r.name === 'Смирнова Анна Викторовна'),
      'the example teacher',
    );
    const c = await t.request('GET', `/api/v1/schools/${schoolId}/import/template?format=csv&sheet=teachers`, { token: admin });
    assert.match(c.body, /^\uFEFFФИО;Телефон;Предметы;Классы;Классный руководитель/);
  });

  test('only the admin imports', async () => {
    const res = await t.request('POST', `/api/v1/schools/${schoolId}/import`, {
      token: (await t.signIn('+79162000002')).token,
      body: csv([STUDENT_HEAD, ROW1]),
      headers: { 'content-type': 'text/csv' },
    });
    assert.equal(res.statusCode, 403);
    const outsider = (await t.signIn('+79162000777')).token;
    assert.equal(
      (
        await t.request('POST', `/api/v1/schools/${schoolId}/import`, {
          token: outsider,
          body: csv([STUDENT_HEAD, ROW1]),
          headers: { 'content-type': 'text/csv' },
        })
      ).statusCode,
      404,
    );
  });
});

describe('import: OneRoster 1.2 CSV, bulk and delta', () => {
  let t: TestApp;
  let schoolId: string;
  let admin: string;

  before(async () => {
    t = await createTestApp();
    ({ schoolId, admin } = await newSchool(t, '+79163009999', '+79163009998'));
  });
  after(() => t.close());

  const people = async () =>
    (await t.request('GET', `/api/v1/schools/${schoolId}/people`, { token: admin })).json().people as {
      id: string;
      lastName: string;
      phone: string | null;
      birthDate: string | null;
      classIds: string[];
      childIds: string[];
      roles: string[];
    }[];

  test('a bulk export: classes, people with source ids, birth dates, guardians from agentSourcedIds, teachers, and a mark into the diary', async () => {
    const report = await upload(t, admin, schoolId, await zip(oneRosterFiles()), 'oneroster.zip');
    assert.equal(report.format, 'oneroster');
    assert.equal(report.canApply, true, JSON.stringify(report.rows));
    await apply(t, admin, schoolId, report.runId!);
    const all = await people();
    const petr = all.find((p) => p.lastName === 'Иванов')!;
    assert.equal(petr.birthDate, '2014-03-14');
    assert.equal(all.find((p) => p.lastName === 'Петрова')!.birthDate, '2013-05-02');
    const mother = all.find((p) => p.lastName === 'Иванова')!;
    assert.equal(mother.phone, '+79161110002');
    assert.equal(mother.childIds.length, 2);
    const src = await t.runtime.ctx.db.selectFrom('persons').select(['source_id']).where('id', '=', petr.id).executeTakeFirstOrThrow();
    assert.equal(src.source_id, 's1', 'the e-journal id is stored on the roster person');
    const classes = (await t.request('GET', `/api/v1/schools/${schoolId}/classes`, { token: admin })).json().classes;
    const c5a = classes.find((c: { name: string }) => c.name === '5А');
    assert.deepEqual(
      c5a.teachers.map((x: { isClassTeacher: boolean; subject: string }) => [x.isClassTeacher, x.subject]),
      [[true, 'Математика']],
    );
    const grade = await t.runtime.ctx.db
      .selectFrom('grades')
      .innerJoin('lessons', 'lessons.id', 'grades.lesson_id')
      .select(['grades.value', 'lessons.on_date'])
      .where('grades.student_id', '=', petr.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(grade, { value: '5', on_date: '2026-10-05' });
    const again = await upload(t, admin, schoolId, await zip(oneRosterFiles()), 'oneroster.zip');
    assert.equal(again.rows.length, 0, JSON.stringify(again.rows));
  });

  test('a delta: tobedeleted archives (account and messages kept), a later dateLastModified wins, a move', async () => {
    const delta = {
      'manifest.csv': 'propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\nfile.users,delta\nfile.enrollments,delta\nfile.classes,absent\n',
      'users.csv':
        'sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n' +
        's2,tobedeleted,2026-11-01T00:00:00Z,true,s2,,Анна,Петрова,,,,,,,06,\n' +
        's1,active,2026-11-02T00:00:00Z,true,s1,,Пётр,Иванов,Сергеевич,,,+79161110001,,g1,05,\n' +
        's1,active,2026-11-01T00:00:00Z,true,s1,,Петя,Иванов,Сергеевич,,,+79161110001,,g1,05,\n',
      'enrollments.csv':
        'sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\ne9,active,,c6b,org1,s1,student,false,,\n',
    };
    // No classes.csv in this delta: c6b is known from the bulk import, by its source id.
    const ok = await upload(t, admin, schoolId, await zip(delta), 'delta.zip');
    assert.equal(ok.mode, 'delta');
    assert.equal(ok.canApply, true, JSON.stringify(ok.rows));
    assert.deepEqual(ok.rows.map((r) => r.action).sort(), ['archive', 'move'], JSON.stringify(ok.rows));
    await apply(t, admin, schoolId, ok.runId!);
    const all = await people();
    assert.equal(
      all.find((p) => p.lastName === 'Петрова'),
      undefined,
      'archived',
    );
    const archived = await t.runtime.ctx.db
      .selectFrom('persons')
      .select(['archived_at', 'first_name'])
      .where('source_id', 'in', ['s2', 's1'])
      .orderBy('source_id')
      .execute();
    assert.equal(archived[0]!.first_name, 'Пётр', 'the later row won');
    assert.ok(archived[1]!.archived_at, 'kept, archived');
  });

  test('a delta naming a class nobody knows is refused with its line', async () => {
    const delta = {
      'manifest.csv': 'propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\nfile.enrollments,delta\n',
      'enrollments.csv':
        'sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\ne10,active,,c9z,org1,s1,student,false,,\n',
    };
    const report = await upload(t, admin, schoolId, await zip(delta), 'delta.zip');
    assert.equal(report.canApply, false);
    const hit = report.rows.find((r) => r.code === 'unknown_class');
    assert.deepEqual([hit?.file, hit?.line], ['enrollments.csv', 2]);
  });

  test('a zip that is neither OneRoster nor a workbook is refused; a broken zip too', async () => {
    const res = await t.request('POST', `/api/v1/schools/${schoolId}/import`, {
      token: admin,
      body: await zip({ 'notes.txt': 'hello' }),
      headers: { 'content-type': 'application/zip' },
    });
    assert.equal(res.statusCode, 415);
    assert.equal(res.json().error.code, 'import_format_unknown');
    const missing = await upload(
      t,
      admin,
      schoolId,
      await zip({ ...oneRosterFiles(), 'demographics.csv': 'sourcedId,status,dateLastModified,birthDate\ns1,active,,14/03/14\n' }),
      'x.zip',
    );
    assert.equal(missing.rows.find((r) => r.code === 'bad_date')?.file, 'demographics.csv');
    assert.equal(missing.rows.find((r) => r.code === 'bad_date')?.line, 2);
  });
});
