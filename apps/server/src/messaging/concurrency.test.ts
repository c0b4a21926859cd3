import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { DEMO_PHONES } from '../demo/seed.ts';
import { chatOf } from './test-helpers.ts';

/**
 * Roster changes of one class that run at the same moment (a class's parents signing in together
 * after the teacher's announcement) must each keep their chat membership. On PostgreSQL the
 * transactions really run in parallel; on PGlite they queue.
 */
describe('concurrent roster changes', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ demo: true });
  });
  after(() => t.close());

  test('every parent and student of 5А with a phone signing in at once all end up in their chats', async () => {
    const admin = (await t.signIn(DEMO_PHONES.admin)).token;
    const schoolId = (await t.request('GET', '/api/v1/me', { token: admin })).json().schools[0].school.id;
    const classes = (await t.request('GET', `/api/v1/schools/${schoolId}/classes`, { token: admin })).json().classes;
    const c5a = classes.find((c: { name: string }) => c.name === '5А').id;
    const people = (await t.request('GET', `/api/v1/schools/${schoolId}/people?classId=${c5a}`, { token: admin })).json().people;
    const phones = people
      .filter((p: { phone: string | null; roles: string[] }) => p.phone && (p.roles.includes('guardian') || p.roles.includes('student')))
      .map((p: { phone: string }) => p.phone);
    assert.ok(phones.length >= 40);

    const sessions = await Promise.all(phones.map((phone: string) => t.signIn(phone)));

    const teacher = (await t.signIn(DEMO_PHONES.classTeacher5A)).token;
    const parentsChat = await chatOf(t, { token: teacher }, 'parents', '5А');
    const classChat = await chatOf(t, { token: teacher }, 'class', '5А');
    const members = async (chatId: string) =>
      new Set((await t.request('GET', `/api/v1/chats/${chatId}/members`, { token: teacher })).json().members.map((m: { userId: string }) => m.userId));
    const inParents = await members(parentsChat.id);
    const inClass = await members(classChat.id);
    for (const [i, s] of sessions.entries()) {
      const isStudent = people.find((p: { phone: string | null }) => p.phone === phones[i]).roles.includes('student');
      assert.ok((isStudent ? inClass : inParents).has(s.userId), `${phones[i]} is in the ${isStudent ? 'class' : 'parents'} chat`);
    }
  });
});
