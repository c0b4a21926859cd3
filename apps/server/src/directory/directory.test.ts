import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { DEMO_PHONES } from '../demo/seed.ts';
import { runCommand } from '../platform/commands.ts';

describe('directory: the school roster, managed by its admin', () => {
  let t: TestApp;
  let admin: string;
  let schoolId: string;
  const api = (method: string, path: string, body?: unknown, token = admin) => t.request(method, `/api/v1/schools/${schoolId}${path}`, { token, body });

  before(async () => {
    t = await createTestApp({ demo: true });
    admin = (await t.signIn(DEMO_PHONES.admin)).token;
    schoolId = (await t.request('GET', '/api/v1/me', { token: admin })).json().schools[0].school.id;
  });
  after(() => t.close());

  test('the demo school has 5А and 6Б with 25 students each, teachers and guardians', async () => {
    const classes = (await api('GET', '/classes')).json().classes;
    assert.deepEqual(
      classes.map((c: { name: string }) => c.name),
      ['5А', '6Б'],
    );
    for (const c of classes) {
      assert.equal(c.studentCount, 25);
      assert.equal(c.teachers.filter((x: { isClassTeacher: boolean }) => x.isClassTeacher).length, 1);
      assert.equal(c.teachers.length, 2);
    }
    const students = (await api('GET', `/people?classId=${classes[0].id}&role=student`)).json().people;
    assert.equal(students.length, 25);
    assert.ok(
      students.some((s: { guardianIds: string[] }) => s.guardianIds.length === 2),
      'some students have two guardians',
    );
    assert.ok(students.every((s: { guardianIds: string[] }) => s.guardianIds.length >= 1));
    const admins = (await api('GET', '/people?role=admin')).json().people;
    assert.equal(admins.length, 1);
  });

  test('classes: create, rename, duplicate name refused, archive', async () => {
    const created = await api('POST', '/classes', { name: '7В' });
    assert.equal(created.statusCode, 201);
    assert.equal(created.json().grade, 7);
    assert.equal((await api('POST', '/classes', { name: '7В' })).json().error.code, 'class_name_taken');
    const noGrade = await api('POST', '/classes', { name: 'Кружок' });
    assert.equal(noGrade.statusCode, 400);
    const renamed = await api('PATCH', `/classes/${created.json().id}`, { name: '7Г' });
    assert.equal(renamed.json().name, '7Г');
    assert.equal((await api('DELETE', `/classes/${created.json().id}`)).statusCode, 204);
    const names = (await api('GET', '/classes')).json().classes.map((c: { name: string }) => c.name);
    assert.ok(!names.includes('7Г'));
  });

  test('people: a student enrols, moves class, gets a guardian, leaves', async () => {
    const classes = (await api('GET', '/classes')).json().classes;
    const [c5, c6] = classes;
    const student = (
      await api('POST', '/people', { lastName: 'Переводов', firstName: 'Олег', roles: ['student'], birthDate: '2015-02-02', classId: c5.id })
    ).json();
    assert.deepEqual(student.classIds, [c5.id]);
    assert.equal((await api('POST', `/classes/${c5.id}/students`, { studentId: student.id })).json().error.code, 'already_enrolled');
    assert.equal((await api('POST', `/classes/${c6.id}/students`, { studentId: student.id })).statusCode, 204);
    const moved = (await api('GET', `/people/${student.id}`)).json();
    assert.deepEqual(moved.classIds, [c6.id], 'a student is in one class per year');

    const mother = (await api('POST', '/people', { lastName: 'Переводова', firstName: 'Анна', roles: ['guardian'], phone: '8 916 555-44-33' })).json();
    assert.equal(mother.phone, '+79165554433');
    assert.equal((await api('POST', '/guardianships', { guardianId: mother.id, studentId: student.id, relation: 'мать' })).statusCode, 204);
    assert.deepEqual((await api('GET', `/people/${student.id}`)).json().guardianIds, [mother.id]);
    assert.equal((await api('POST', '/guardianships', { guardianId: student.id, studentId: mother.id })).json().error.code, 'not_a_guardian');

    assert.equal((await api('DELETE', `/classes/${c6.id}/students/${student.id}`)).statusCode, 204);
    assert.equal((await api('DELETE', `/classes/${c6.id}/students/${student.id}`)).json().error.code, 'not_enrolled');
    assert.equal((await api('DELETE', `/guardianships/${mother.id}/${student.id}`)).statusCode, 204);
    assert.equal((await api('DELETE', `/people/${mother.id}`)).statusCode, 204);
    assert.equal((await api('GET', `/people/${mother.id}`)).statusCode, 404);
  });

  test('a person taken off the roster loses access to the school', async () => {
    const p = (await api('POST', '/people', { lastName: 'Уходящий', firstName: 'Учитель', roles: ['teacher'], phone: '+79165550001' })).json();
    const teacher = (await t.signIn('+79165550001')).token;
    assert.equal((await t.request('GET', `/api/v1/schools/${schoolId}`, { token: teacher })).statusCode, 200);
    await api('DELETE', `/people/${p.id}`);
    // Their sessions end with the link (identity/sessions.ts); signed in again, they are in no school.
    assert.equal((await t.request('GET', `/api/v1/schools/${schoolId}`, { token: teacher })).statusCode, 401);
    const again = (await t.signIn('+79165550001')).token;
    assert.equal((await t.request('GET', `/api/v1/schools/${schoolId}`, { token: again })).statusCode, 404);
    assert.equal((await t.request('GET', '/api/v1/me', { token: again })).json().schools.length, 0);
  });

  test('a person added with the phone of an existing account is linked at once', async () => {
    const { token } = await t.signIn('+79165550002');
    assert.equal((await t.request('GET', '/api/v1/me', { token })).json().schools.length, 0);
    await api('POST', '/people', { lastName: 'Поздний', firstName: 'Родитель', roles: ['guardian'], phone: '+79165550002' });
    assert.equal((await t.request('GET', '/api/v1/me', { token })).json().schools.length, 1);
  });

  test('teachers: assign as class teacher hands the role over; non-teachers refused', async () => {
    const classes = (await api('GET', '/classes')).json().classes;
    const c5 = classes[0];
    const newTeacher = (await api('POST', '/people', { lastName: 'Новая', firstName: 'Классная', roles: ['teacher'] })).json();
    assert.equal((await api('POST', `/classes/${c5.id}/teachers`, { personId: newTeacher.id, isClassTeacher: true, subject: 'Литература' })).statusCode, 204);
    const after = (await api('GET', '/classes')).json().classes[0];
    const classTeachers = after.teachers.filter((x: { isClassTeacher: boolean }) => x.isClassTeacher);
    assert.deepEqual(
      classTeachers.map((x: { personId: string }) => x.personId),
      [newTeacher.id],
    );
    const guardian = (await api('GET', '/people?role=guardian')).json().people[0];
    assert.equal((await api('POST', `/classes/${c5.id}/teachers`, { personId: guardian.id })).json().error.code, 'not_a_teacher');
    assert.equal((await api('DELETE', `/classes/${c5.id}/teachers/${newTeacher.id}`)).statusCode, 204);
  });

  test('bad input gets a clear error and stores nothing', async () => {
    const before = (await api('GET', '/people')).json().people.length;
    const cases: [unknown, string][] = [
      [{ lastName: '', firstName: 'X', roles: ['guardian'] }, 'validation_failed'],
      [{ lastName: 'X', firstName: 'Y', roles: ['student', 'guardian'] }, 'invalid_role_combination'],
      [{ lastName: 'X', firstName: 'Y', roles: ['guardian'], phone: 'not a phone' }, 'phone_invalid'],
      [{ lastName: 'X', firstName: 'Y', roles: ['guardian'], phone: DEMO_PHONES.guardian5A }, 'phone_taken_in_school'],
      [{ lastName: 'X', firstName: 'Y', roles: ['wizard'] }, 'validation_failed'],
    ];
    for (const [body, code] of cases) {
      const res = await api('POST', '/people', body);
      assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${JSON.stringify(body)} → ${res.statusCode}`);
      assert.equal(res.json().error.code, code, JSON.stringify(body));
    }
    assert.equal((await api('GET', '/people')).json().people.length, before);
  });

  test('only admins manage the roster; teachers read it, parents and students do not', async () => {
    const teacher = (await t.signIn(DEMO_PHONES.classTeacher5A)).token;
    const guardian = (await t.signIn(DEMO_PHONES.guardian5A)).token;
    const student = (await t.signIn(DEMO_PHONES.student5A)).token;
    for (const token of [teacher, guardian, student]) {
      const res = await api('POST', '/classes', { name: '9Я' }, token);
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().error.code, 'forbidden');
    }
    const list = await api('GET', '/people', undefined, teacher);
    assert.equal(list.statusCode, 200);
    // Only the guardians of her own class carry phones (phones.test.ts has the details).
    assert.ok(
      list.json().people.every((p: { phone: string | null; roles: string[] }) => p.phone === null || p.roles.includes('guardian')),
      'teachers do not see phones of the whole school',
    );
    assert.equal((await api('GET', '/people', undefined, guardian)).statusCode, 403);
    assert.equal((await api('GET', '/people', undefined, student)).statusCode, 403);
  });

  test('operators create schools; others may not', async () => {
    const body = { name: 'Гимназия № 2', admin: { lastName: 'Директорова', firstName: 'Вера', phone: '+79165550100' } };
    assert.equal((await t.request('POST', '/api/v1/schools', { token: admin, body })).statusCode, 403);
    await runCommand(t.runtime.ctx, 'operator:create', { phone: '8 916 555 01 99' });
    const operator = (await t.signIn('+79165550199')).token;
    const res = await t.request('POST', '/api/v1/schools', { token: operator, body });
    assert.equal(res.statusCode, 201, res.body);
    const newAdmin = (await t.signIn('+79165550100')).token;
    const me = (await t.request('GET', '/api/v1/me', { token: newAdmin })).json();
    assert.deepEqual(me.schools[0].roles, ['admin']);
    const years = (await t.request('GET', `/api/v1/schools/${res.json().id}/years`, { token: newAdmin })).json().years;
    assert.equal(years.length, 1);
    assert.equal(years[0].isCurrent, true);
    // The other school's admin sees nothing of the first school.
    assert.equal((await t.request('GET', `/api/v1/schools/${schoolId}/classes`, { token: newAdmin })).statusCode, 404);
  });
});
