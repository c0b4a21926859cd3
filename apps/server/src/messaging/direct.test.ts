import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { DEMO_PHONES } from '../demo/seed.ts';
import { actor, chats, send, type Actor } from './test-helpers.ts';

describe('direct chats under the school policy, and group chats', () => {
  let t: TestApp;
  let admin: Actor, teacher5a: Actor, teacher6b: Actor, maths: Actor, guardian5a: Actor, guardian6b: Actor, student5a: Actor;
  let classmate: Actor, otherGuardian5a: Actor;
  const open = (a: Actor, personId: string) => t.request('POST', `/api/v1/schools/${a.schoolId}/directs`, { token: a.token, body: { personId } });
  before(async () => {
    t = await createTestApp({ demo: true });
    admin = await actor(t, DEMO_PHONES.admin);
    teacher5a = await actor(t, DEMO_PHONES.classTeacher5A);
    teacher6b = await actor(t, DEMO_PHONES.classTeacher6B);
    maths = await actor(t, DEMO_PHONES.subjectTeacher);
    guardian5a = await actor(t, DEMO_PHONES.guardian5A);
    guardian6b = await actor(t, DEMO_PHONES.guardian6B);
    student5a = await actor(t, DEMO_PHONES.student5A);
    classmate = await actor(t, '+79001100004'); // the 4th student of 5А has a phone
    otherGuardian5a = await actor(t, '+79002100002');
  });
  after(() => t.close());

  test('a student may write to classmates and own teachers, not to other teachers or guardians', async () => {
    assert.equal((await open(student5a, classmate.personId)).statusCode, 200);
    assert.equal((await open(student5a, maths.personId)).statusCode, 200);
    const other = await open(student5a, teacher6b.personId);
    assert.equal(other.statusCode, 403);
    assert.equal(other.json().error.code, 'direct_not_allowed');
    assert.equal((await open(student5a, guardian5a.personId)).statusCode, 403);
    // A person id that does not exist gets the same answer.
    assert.equal((await open(student5a, '00000000-0000-4000-8000-000000000001')).json().error.code, 'direct_not_allowed');
  });

  test("a guardian may write to their child's teachers and other guardians of the class", async () => {
    assert.equal((await open(guardian5a, teacher5a.personId)).statusCode, 200);
    assert.equal((await open(guardian5a, otherGuardian5a.personId)).statusCode, 200);
    assert.equal((await open(guardian5a, teacher6b.personId)).statusCode, 403);
    assert.equal((await open(guardian5a, guardian6b.personId)).statusCode, 403);
    assert.equal((await open(guardian5a, classmate.personId)).statusCode, 403);
  });

  test('a direct chat tells each side who the other is at school: whose parent and the class, the teacher and her classes', async () => {
    const opened = await open(guardian5a, teacher5a.personId);
    assert.equal(opened.statusCode, 200);
    const chatId = opened.json().chatId as string;
    const asTeacher = await t.request('GET', `/api/v1/chats/${chatId}`, { token: teacher5a.token });
    assert.equal(asTeacher.statusCode, 200);
    const peer = asTeacher.json().peer;
    assert.equal(peer.personId, guardian5a.personId);
    assert.ok(peer.roles.includes('guardian'));
    assert.ok(peer.children.length >= 1 && peer.children.every((c: { classes: string[] }) => c.classes.includes('5А')), JSON.stringify(peer));
    const asGuardian = (await chats(t, guardian5a)).find((c) => c.id === chatId)!;
    assert.ok(asGuardian.peer!.roles.includes('teacher'));
    assert.ok(asGuardian.peer!.classes.includes('5А'), JSON.stringify(asGuardian.peer));
    // Chats that are not direct carry no peer.
    assert.ok((await chats(t, guardian5a)).filter((c) => c.kind !== 'direct').every((c) => c.peer === undefined));
  });

  test('a teacher may write to anyone of their classes and to colleagues; one chat per pair', async () => {
    const a = await open(maths, guardian6b.personId);
    assert.equal(a.statusCode, 200);
    assert.equal((await open(guardian6b, maths.personId)).json().chatId, a.json().chatId);
    assert.equal((await open(teacher6b, admin.personId)).statusCode, 200);
    assert.equal((await open(teacher6b, student5a.personId)).statusCode, 403);
    const direct = (await chats(t, guardian6b)).find((c) => c.id === a.json().chatId);
    assert.equal(direct?.kind, 'direct');
    assert.match(direct?.title ?? '', /Белова/);
  });

  test('the admin narrows the policy: teachers and students only in group chats', async () => {
    const refused = await t.request('PUT', `/api/v1/schools/${admin.schoolId}/messaging-policy`, {
      token: teacher5a.token,
      body: { studentDirect: 'none', guardianDirect: 'teachers', teacherStudentDirect: false },
    });
    assert.equal(refused.statusCode, 403);
    const opened = await open(teacher5a, student5a.personId);
    const chatId = opened.json().chatId;
    await send(t, student5a, chatId, 'Здравствуйте');
    const set = await t.request('PUT', `/api/v1/schools/${admin.schoolId}/messaging-policy`, {
      token: admin.token,
      body: { studentDirect: 'classmates', guardianDirect: 'teachers', teacherStudentDirect: false },
    });
    assert.equal(set.statusCode, 200);
    assert.equal((await open(teacher5a, student5a.personId)).statusCode, 403);
    const blocked = await t.request('POST', `/api/v1/chats/${chatId}/messages`, {
      token: student5a.token,
      body: { clientId: 'after-policy', text: 'ещё вопрос' },
    });
    assert.equal(blocked.json().error.code, 'direct_not_allowed');
    assert.equal((await open(student5a, classmate.personId)).statusCode, 200);
    assert.equal((await open(guardian5a, otherGuardian5a.personId)).statusCode, 403);
    // Group chats stay open.
    const group = await t.request('POST', `/api/v1/schools/${teacher5a.schoolId}/groups`, {
      token: teacher5a.token,
      body: { title: 'Олимпиада', personIds: [student5a.personId, classmate.personId] },
    });
    assert.equal(group.statusCode, 201);
    await send(t, student5a, group.json().chatId, 'Я участвую');
    await t.request('PUT', `/api/v1/schools/${admin.schoolId}/messaging-policy`, {
      token: admin.token,
      body: { studentDirect: 'classmates_and_teachers', guardianDirect: 'teachers_and_guardians', teacherStudentDirect: true },
    });
  });

  test('a teacher makes a group from people of their classes only', async () => {
    const ok = await t.request('POST', `/api/v1/schools/${maths.schoolId}/groups`, {
      token: maths.token,
      body: { title: 'Математика, кружок', personIds: [student5a.personId, guardian6b.personId, teacher5a.personId] },
    });
    assert.equal(ok.statusCode, 201);
    const group = (await chats(t, student5a)).find((c) => c.id === ok.json().chatId);
    assert.equal(group?.kind, 'group');
    assert.equal(group?.title, 'Математика, кружок');
    assert.equal(group?.memberCount, 4);
    const outsider = await t.request('POST', `/api/v1/schools/${teacher6b.schoolId}/groups`, {
      token: teacher6b.token,
      body: { title: 'чужие', personIds: [student5a.personId] },
    });
    assert.equal(outsider.json().error.code, 'group_member_not_allowed');
    const byStudent = await t.request('POST', `/api/v1/schools/${student5a.schoolId}/groups`, {
      token: student5a.token,
      body: { title: 'моя', personIds: [classmate.personId] },
    });
    assert.equal(byStudent.statusCode, 403);
  });
});
