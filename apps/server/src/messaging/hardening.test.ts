import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { DEMO_PHONES } from '../demo/seed.ts';
import { actor, chatOf, send, type Actor } from './test-helpers.ts';

/** Reactions are emoji, links carry no invisible characters, a channel's readers see its staff only. */
describe('messaging hardening', () => {
  let t: TestApp;
  let teacher: Actor, parent: Actor, admin: Actor;
  before(async () => {
    t = await createTestApp({ demo: true });
    teacher = await actor(t, DEMO_PHONES.classTeacher5A);
    parent = await actor(t, DEMO_PHONES.guardian5A);
    admin = await actor(t, DEMO_PHONES.admin);
  });
  after(async () => t.close());

  test('a reaction is exactly one emoji', async () => {
    const chat = (await chatOf(t, teacher, 'parents', '5А')).id;
    const m = await send(t, teacher, chat, 'Собрание в четверг');
    const react = (emoji: string) => t.request('POST', `/api/v1/chats/${chat}/messages/${m.id}/reactions`, { token: parent.token, body: { emoji } });
    for (const ok of ['👍', '❤️', '❤', '👍🏽', '👨‍👩‍👧', '🇷🇺', '1️⃣']) assert.equal((await react(ok)).statusCode, 200, ok);
    for (const bad of ['a', 'ок', '👍👍', 'x👍', '👍\u200b', '\u200b', '<b>', ' 👍', '1']) {
      const res = await react(bad);
      assert.equal(res.statusCode, 400, JSON.stringify(bad));
      assert.equal(res.json().error.code, 'validation_failed');
    }
    const history = (await t.request('GET', `/api/v1/chats/${chat}/messages`, { token: parent.token })).json().messages;
    const stored = history.find((x: { id: string }) => x.id === m.id).reactions.map((r: { emoji: string }) => r.emoji);
    assert.equal(stored.length, 7);
  });

  test('invisible characters are stripped from the URL of a link, the text stays as sent', async () => {
    const chat = (await chatOf(t, teacher, 'class', '5А')).id;
    const text = 'Задание: https://exa\u200bmple.org/\u202eфдп.exe и https://school.example/\u2060zadanie\ufeff';
    const m = await send(t, teacher, chat, text);
    assert.equal(m.text, text);
    const links = m.entities.filter((e) => e.type === 'link').map((e) => (e as { url: string }).url);
    assert.deepEqual(links, ['https://example.org/фдп.exe', 'https://school.example/zadanie']);
    const edited = await t.request('PATCH', `/api/v1/chats/${chat}/messages/${m.id}`, {
      token: teacher.token,
      body: { text: 'См. https://a\u200d\u200cb.example/x' },
    });
    assert.equal(edited.statusCode, 200, edited.body);
    assert.deepEqual(
      edited
        .json()
        .entities.filter((e: { type: string }) => e.type === 'link')
        .map((e: { url: string }) => e.url),
      ['https://ab.example/x'],
    );
  });

  test("in the school channel a parent sees the channel's staff, not every child; staff see everyone", async () => {
    const channel = await chatOf(t, parent, 'school_channel');
    const asParent = await t.request('GET', `/api/v1/chats/${channel.id}/members`, { token: parent.token });
    assert.equal(asParent.statusCode, 200, asParent.body);
    const seen = asParent.json().members as { role: string; roles: string[]; isStaff: boolean }[];
    assert.ok(seen.length > 0);
    assert.ok(
      seen.every((m) => m.role === 'moderator' && m.isStaff),
      JSON.stringify(seen.slice(0, 3)),
    );
    assert.ok(!seen.some((m) => m.roles.includes('student')));
    const student = await actor(t, DEMO_PHONES.student5A);
    const asStudent = (await t.request('GET', `/api/v1/chats/${channel.id}/members`, { token: student.token })).json().members as { role: string }[];
    assert.ok(asStudent.every((m) => m.role === 'moderator'));
    const asAdmin = (await t.request('GET', `/api/v1/chats/${channel.id}/members`, { token: admin.token })).json().members as { roles: string[] }[];
    assert.ok(
      asAdmin.some((m) => m.roles.includes('student')),
      'the staff see the readers',
    );
    assert.ok(asAdmin.length > seen.length);
  });

  test('a reader joining the school channel is told to its staff, not to the other readers', async () => {
    // The stream's head, through the API (a position past it answers with a resync to the head).
    const head = (await t.request('GET', '/api/v1/updates?after=999999999', { token: admin.token })).json().position as number;
    const created = await t.request('POST', `/api/v1/schools/${admin.schoolId}/people`, {
      token: admin.token,
      body: { lastName: 'Новенький', firstName: 'Родитель', roles: ['guardian'], phone: '+79005550777' },
    });
    assert.equal(created.statusCode, 201, created.body);
    await actor(t, '+79005550777');
    const channelId = (await chatOf(t, parent, 'school_channel')).id;
    const joined = async (a: Actor) => {
      const page = (await t.request('GET', `/api/v1/updates?after=${head}&limit=1000`, { token: a.token })).json();
      assert.equal(page.resync, false);
      return (page.updates as { type: string; chatId: string }[]).filter((u) => u.type === 'chat.member_joined' && u.chatId === channelId).length;
    };
    assert.equal(await joined(parent), 0);
    assert.equal(await joined(admin), 1);
  });
});
