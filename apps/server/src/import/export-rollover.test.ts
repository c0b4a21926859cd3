import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { DEMO_PHONES } from '../demo/seed.ts';
import { apply, csv, newSchool, STUDENT_HEAD, unzip, upload } from './test-helpers.ts';

const ROW1 = ['Кузнецов', 'Иван', 'Олегович', '14.03.2014', '5А', '', 'Кузнецова Ольга Ивановна', '+79164000002', 'мать', '', '', ''];
const ROW2 = ['Попова', 'Дарья', '', '20.01.2014', '5А', '', 'Попов Игорь Сергеевич', '+79164000003', 'отец', '', '', ''];

describe('import: chats follow the imported roster', () => {
  let t: TestApp;
  let schoolId: string;
  let admin: string;
  before(async () => {
    t = await createTestApp();
    ({ schoolId, admin } = await newSchool(t, '+79164009999', '+79164009998'));
  });
  after(() => t.close());

  test('an imported guardian signs in and lands in the class chats; leaving on a later import archives them, their messages kept', async () => {
    const report = await upload(t, admin, schoolId, csv([STUDENT_HEAD, ROW1, ROW2]), 'ученики.csv');
    await apply(t, admin, schoolId, report.runId!);
    const mother = await t.signIn('+79164000002');
    const chats = (await t.request('GET', '/api/v1/chats', { token: mother.token })).json().chats as {
      id: string;
      kind: string;
      title: string | null;
      canPost: boolean;
    }[];
    const classChats = chats
      .filter((c) => c.title === '5А')
      .map((c) => c.kind)
      .sort();
    assert.deepEqual(classChats, ['class_channel', 'parents', 'parents_only']);
    const parents = chats.find((c) => c.kind === 'parents' && c.title === '5А')!;
    const sent = await t.request('POST', `/api/v1/chats/${parents.id}/messages`, { token: mother.token, body: { text: 'Здравствуйте!', clientId: 'c-1' } });
    assert.ok(sent.statusCode === 200 || sent.statusCode === 201, sent.body);

    // Without "the whole school", a file that leaves someone out archives nobody.
    const partial = await upload(t, admin, schoolId, csv([STUDENT_HEAD, ROW2]), 'ученики.csv', 'ru', false);
    assert.deepEqual(partial.rows, []);
    // Kuznetsov leaves the school: the next file, of the whole school, lists Popova only.
    const next = await upload(t, admin, schoolId, csv([STUDENT_HEAD, ROW2]), 'ученики.csv');
    assert.deepEqual(next.rows.map((r) => [r.action, r.name]).sort(), [
      ['archive', 'Кузнецов Иван Олегович'],
      ['archive', 'Кузнецова Ольга Ивановна'],
    ]);
    await apply(t, admin, schoolId, next.runId!);
    assert.equal((await t.request('GET', '/api/v1/chats', { token: mother.token })).statusCode, 401, 'her sessions ended');
    const again = await t.signIn('+79164000002');
    const now = (await t.request('GET', '/api/v1/chats', { token: again.token })).json().chats as { id: string }[];
    assert.equal(now.length, 0, 'no longer in the class chats');
    const kept = await t.runtime.ctx.db.selectFrom('messages').select('id').where('chat_id', '=', parents.id).execute();
    assert.equal(kept.length, 1, 'her message stays');
    const account = await t.runtime.ctx.db.selectFrom('users').select('id').where('phone', '=', '+79164000002').execute();
    assert.equal(account.length, 1, 'her account stays');
  });
});

describe('export and the year-end rollover (demo school)', () => {
  let t: TestApp;
  let schoolId: string;
  let admin: string;
  before(async () => {
    t = await createTestApp({ demo: true });
    admin = (await t.signIn(DEMO_PHONES.admin)).token;
    schoolId = (await t.request('GET', '/api/v1/me', { token: admin })).json().schools[0].school.id;
  });
  after(() => t.close());

  test('the roster as OneRoster 1.2 CSV: every file, the guardians as agentSourcedIds; imported into an empty school it plans the same roster', async () => {
    const res = await t.request('GET', `/api/v1/schools/${schoolId}/export/oneroster`, { token: admin });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/zip');
    const files = await unzip(res.rawPayload);
    assert.match(files['manifest.csv']!, /oneroster\.version,1\.2/);
    for (const f of [
      'orgs.csv',
      'academicSessions.csv',
      'courses.csv',
      'classes.csv',
      'users.csv',
      'roles.csv',
      'enrollments.csv',
      'demographics.csv',
      'categories.csv',
      'lineItems.csv',
      'results.csv',
    ])
      assert.ok(files[f], f);
    const users = files['users.csv']!.trim().split('\r\n');
    const people = (await t.request('GET', `/api/v1/schools/${schoolId}/people`, { token: admin })).json().people;
    assert.equal(users.length - 1, people.length);
    assert.ok(files['classes.csv']!.includes(',5А,5,') && files['classes.csv']!.includes('homeroom'));

    const other = await newSchool(t, '+79165009999', '+79165009998');
    const report = await upload(t, other.admin, other.schoolId, res.rawPayload, 'oneroster.zip');
    assert.equal(report.canApply, true, JSON.stringify(report.rows.filter((r) => r.action === 'refuse').slice(0, 5)));
    const students = people.filter((p: { roles: string[] }) => p.roles.includes('student')).length;
    // Every person but the admin (whose role is not imported), both classes.
    assert.equal(report.rows.filter((r) => r.kind === 'person' && r.action === 'create').length, people.length - 1);
    assert.equal(report.rows.filter((r) => r.kind === 'class').length, 2);
    assert.ok(students > 0);
  });

  test('the ведомость of a class: the admin and its class teacher, not another teacher', async () => {
    const classes = (await t.request('GET', `/api/v1/schools/${schoolId}/classes`, { token: admin })).json().classes;
    const c5a = classes.find((c: { name: string }) => c.name === '5А');
    const url = `/api/v1/schools/${schoolId}/export/vedomost?classId=${c5a.id}`;
    const res = await t.request('GET', url, { token: admin });
    assert.equal(res.statusCode, 200, res.body);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    assert.match(String(ws.getCell('A1').value), /Ведомость: 5А/);
    assert.equal(ws.getCell('B3').value, 'Ученик');
    assert.equal(ws.rowCount, 3 + 25, 'a row per student');
    const ct = (await t.signIn(DEMO_PHONES.classTeacher5A)).token;
    assert.equal((await t.request('GET', url, { token: ct })).statusCode, 200);
    const ct6b = (await t.signIn(DEMO_PHONES.classTeacher6B)).token;
    assert.equal((await t.request('GET', url, { token: ct6b })).statusCode, 403);
    const guardian = (await t.signIn(DEMO_PHONES.guardian5A)).token;
    assert.equal((await t.request('GET', `/api/v1/schools/${schoolId}/export/oneroster`, { token: guardian })).statusCode, 403);
  });

  test('the rollover: a preview, then 5А becomes 6А, 6Б graduates; last year’s chats stay readable as archived', async () => {
    const guardian = await t.signIn(DEMO_PHONES.guardian5A);
    const before = (await t.request('GET', '/api/v1/chats', { token: guardian.token })).json().chats as { id: string; title: string; kind: string }[];
    const oldParents = before.find((c) => c.kind === 'parents' && c.title === '5А')!;
    const preview = (await t.request('GET', `/api/v1/schools/${schoolId}/rollover?lastGrade=6`, { token: admin })).json();
    assert.deepEqual(
      preview.promote.map((p: { from: string; to: string }) => [p.from, p.to]),
      [['5А', '6А']],
    );
    assert.deepEqual(
      preview.graduate.map((g: { name: string }) => g.name),
      ['6Б'],
    );
    assert.equal(
      (await t.request('POST', `/api/v1/schools/${schoolId}/rollover`, { token: admin, body: { hash: 'stale', lastGrade: 6 } })).json().error.code,
      'rollover_stale',
    );
    const teacher = (await t.signIn(DEMO_PHONES.classTeacher5A)).token;
    assert.equal(
      (await t.request('POST', `/api/v1/schools/${schoolId}/rollover`, { token: teacher, body: { hash: preview.hash, lastGrade: 6 } })).statusCode,
      403,
    );
    const res = await t.request('POST', `/api/v1/schools/${schoolId}/rollover`, { token: admin, body: { hash: preview.hash, lastGrade: 6 } });
    assert.equal(res.statusCode, 200, res.body);
    const classes = (await t.request('GET', `/api/v1/schools/${schoolId}/classes`, { token: admin })).json().classes;
    assert.deepEqual(
      classes.map((c: { name: string; studentCount: number }) => [c.name, c.studentCount]),
      [['6А', 25]],
    );
    assert.equal(classes[0].teachers.filter((x: { isClassTeacher: boolean }) => x.isClassTeacher).length, 1, 'the class teacher moves up with the class');
    const years = (await t.request('GET', `/api/v1/schools/${schoolId}/years`, { token: admin })).json().years;
    assert.equal(years.find((y: { isCurrent: boolean }) => y.isCurrent).name, preview.toYear.name);
    const after = (await t.request('GET', '/api/v1/chats', { token: guardian.token })).json().chats as {
      id: string;
      title: string;
      kind: string;
      canPost: boolean;
    }[];
    const old = after.find((c) => c.id === oldParents.id);
    assert.ok(old, 'last year’s chat is still listed');
    assert.equal(old.canPost, false, 'and archived');
    assert.ok(
      after.some((c) => c.kind === 'parents' && c.title === '6А' && c.canPost),
      'the new class chat',
    );
    const history = await t.request('GET', `/api/v1/chats/${oldParents.id}/messages`, { token: guardian.token });
    assert.equal(history.statusCode, 200, 'readable');
    // A 6Б guardian with no other child leaves with the graduates.
    const g6b = await t.runtime.ctx.db.selectFrom('persons').select('archived_at').where('phone', '=', DEMO_PHONES.guardian6B).executeTakeFirstOrThrow();
    assert.ok(g6b.archived_at);
  });
});
