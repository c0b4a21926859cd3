import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { DEMO_PHONES } from '../demo/seed.ts';
import { actor, chatOf, chats } from './test-helpers.ts';

describe('chats provisioned from the roster', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ demo: true });
  });
  after(() => t.close());

  test('each role gets the chats of its classes, and of the school', async () => {
    const teacher = await actor(t, DEMO_PHONES.classTeacher5A);
    const guardian = await actor(t, DEMO_PHONES.guardian5A);
    const student = await actor(t, DEMO_PHONES.student5A);
    const admin = await actor(t, DEMO_PHONES.admin);
    const kinds = async (a: { token: string }) => (await chats(t, a)).map((c) => `${c.kind}:${c.title ?? ''}`).sort();
    assert.deepEqual(await kinds(teacher), ['class:5А', 'class_channel:5А', 'parents:5А', 'school_channel:', 'staff:']);
    assert.deepEqual(await kinds(guardian), ['class_channel:5А', 'parents:5А', 'parents_only:5А', 'school_channel:']);
    assert.deepEqual(await kinds(student), ['class:5А', 'class_channel:5А', 'school_channel:']);
    assert.deepEqual(await kinds(admin), ['school_channel:', 'staff:']);
  });

  test('a chat id is the same chat in capitals; concurrent requests to chats, mine or not, each get their own answer', async () => {
    const teacher = await actor(t, DEMO_PHONES.classTeacher5A);
    const guardian = await actor(t, DEMO_PHONES.guardian5A);
    const parents = await chatOf(t, teacher, 'parents', '5А');
    const staff = await chatOf(t, teacher, 'staff');
    const upper = await t.request('GET', `/api/v1/chats/${parents.id.toUpperCase()}/messages?limit=5`, { token: teacher.token });
    assert.equal(upper.statusCode, 200, upper.body);
    // Looked up together (messaging/access.ts, loadAccess): the guardian is not in the staff room.
    const [a, b, c] = await Promise.all([
      t.request('GET', `/api/v1/chats/${staff.id}/messages?limit=5`, { token: guardian.token }),
      t.request('GET', `/api/v1/chats/${staff.id}/messages?limit=5`, { token: teacher.token }),
      t.request('GET', `/api/v1/chats/${parents.id}/messages?limit=5`, { token: guardian.token }),
    ]);
    assert.deepEqual([a.statusCode, b.statusCode, c.statusCode], [404, 200, 200]);
    assert.equal(a.json().error.code, 'chat_not_found');
  });
});

describe('membership follows the roster', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ demo: true });
  });
  after(() => t.close());

  test('a student who changes class leaves the old class chats at once and joins the new ones; so do the guardians', async () => {
    const admin = await actor(t, DEMO_PHONES.admin);
    const student = await actor(t, DEMO_PHONES.student5A);
    const guardian = await actor(t, DEMO_PHONES.guardian5A);
    const old = await chatOf(t, student, 'class', '5А');
    const oldParents = await chatOf(t, guardian, 'parents', '5А');
    const classes = (await t.request('GET', `/api/v1/schools/${admin.schoolId}/classes`, { token: admin.token })).json().classes;
    const c6b = classes.find((c: { name: string }) => c.name === '6Б');
    const moved = await t.request('POST', `/api/v1/schools/${admin.schoolId}/classes/${c6b.id}/students`, {
      token: admin.token,
      body: { studentId: student.personId },
    });
    assert.equal(moved.statusCode, 204);
    const refused = await t.request('GET', `/api/v1/chats/${old.id}/messages`, { token: student.token });
    assert.equal(refused.statusCode, 404);
    assert.equal(refused.json().error.code, 'chat_not_found');
    assert.equal((await t.request('GET', `/api/v1/chats/${oldParents.id}/messages`, { token: guardian.token })).statusCode, 404);
    assert.ok(await chatOf(t, student, 'class', '6Б'));
    assert.ok(await chatOf(t, guardian, 'parents', '6Б'));
    const members = await t.request('GET', `/api/v1/chats/${old.id}/members`, { token: (await actor(t, DEMO_PHONES.classTeacher5A)).token });
    assert.ok(!members.json().members.some((m: { personId: string }) => m.personId === student.personId));
  });

  test('a person who links an account later joins their chats then', async () => {
    const admin = await actor(t, DEMO_PHONES.admin);
    const people = (await t.request('GET', `/api/v1/schools/${admin.schoolId}/people?role=guardian`, { token: admin.token })).json().people;
    const unlinked = people.find(
      (p: { linked: boolean; phone: string | null; classIds: string[]; childIds: string[] }) =>
        !p.linked && p.phone && p.childIds.length > 0 && p.phone.startsWith('+790021'),
    );
    assert.ok(unlinked);
    const teacher = await actor(t, DEMO_PHONES.classTeacher5A);
    const parents = await chatOf(t, teacher, 'parents', '5А');
    const before = (await t.request('GET', `/api/v1/chats/${parents.id}/members`, { token: teacher.token })).json().members.length;
    const g = await actor(t, unlinked.phone);
    assert.ok(await chatOf(t, g, 'parents', '5А'));
    const after = (await t.request('GET', `/api/v1/chats/${parents.id}/members`, { token: teacher.token })).json().members.length;
    assert.equal(after, before + 1);
  });

  test('a removed teacher loses the class chats; an archived person loses every chat', async () => {
    const admin = await actor(t, DEMO_PHONES.admin);
    const maths = await actor(t, DEMO_PHONES.subjectTeacher);
    const cls = await chatOf(t, maths, 'class', '5А');
    const res = await t.request('DELETE', `/api/v1/schools/${admin.schoolId}/classes/${cls.classId}/teachers/${maths.personId}`, { token: admin.token });
    assert.equal(res.statusCode, 204);
    assert.equal((await t.request('GET', `/api/v1/chats/${cls.id}/messages`, { token: maths.token })).statusCode, 404);
    assert.ok(await chatOf(t, maths, 'class', '6Б'));
    await t.request('DELETE', `/api/v1/schools/${admin.schoolId}/people/${maths.personId}`, { token: admin.token });
    // Taking the person off the roster ends the account's sessions; signed in again, it has no chats.
    assert.equal((await t.request('GET', '/api/v1/chats', { token: maths.token })).statusCode, 401);
    assert.deepEqual(await chats(t, await t.signIn(DEMO_PHONES.subjectTeacher)), []);
  });

  test('a new class gets its chats, and the class teacher moderates them', async () => {
    const admin = await actor(t, DEMO_PHONES.admin);
    const teacher = await actor(t, DEMO_PHONES.classTeacher6B);
    const created = await t.request('POST', `/api/v1/schools/${admin.schoolId}/classes`, { token: admin.token, body: { name: '7В' } });
    assert.equal(created.statusCode, 201);
    await t.request('POST', `/api/v1/schools/${admin.schoolId}/classes/${created.json().id}/teachers`, {
      token: admin.token,
      body: { personId: teacher.personId, isClassTeacher: true },
    });
    const kinds = (await chats(t, teacher)).filter((c) => c.title === '7В').map((c) => [c.kind, c.isModerator]);
    assert.deepEqual(kinds.sort(), [
      ['class', true],
      ['class_channel', true],
      ['parents', true],
    ]);
  });
});
