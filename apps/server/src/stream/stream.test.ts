import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Update } from '@parta/protocol';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { DEMO_PHONES } from '../demo/seed.ts';
import { actor, chatOf, send, type Actor } from '../messaging/test-helpers.ts';
import { STREAM_TOPIC } from './bus.ts';
import { pruneStream, readStream, streamHead } from './read.ts';

const count = async (t: TestApp, table: 'chat_events' | 'user_events') =>
  Number(
    (
      await t.runtime.ctx.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('the resumable update stream', () => {
  let t: TestApp;
  let teacher: Actor, guardian: Actor, student: Actor;
  before(async () => {
    t = await createTestApp({ demo: true });
    teacher = await actor(t, DEMO_PHONES.classTeacher5A);
    guardian = await actor(t, DEMO_PHONES.guardian5A);
    student = await actor(t, DEMO_PHONES.student5A);
    // Many guardians of 5А sign in, so the parents' chat has many members.
    for (let i = 1; i <= 25; i++) await actor(t, `+79002${1}${String(i).padStart(5, '0')}`);
  });
  after(() => t.close());

  test('a message to a chat of many members is one event row, not one per member', async () => {
    const chat = await chatOf(t, teacher, 'parents', '5А');
    assert.ok(chat.memberCount >= 20, `members: ${chat.memberCount}`);
    const [chatEvents, userEvents] = [await count(t, 'chat_events'), await count(t, 'user_events')];
    await send(t, teacher, chat.id, 'Всем родителям: собрание в четверг');
    assert.equal(await count(t, 'chat_events'), chatEvents + 1);
    assert.equal(await count(t, 'user_events'), userEvents);
  });

  test('a send runs a fixed number of statements, whatever the size of the chat', async () => {
    const chat = await chatOf(t, teacher, 'parents', '5А');
    await send(t, teacher, chat.id, 'разогрев');
    // Count the statements this request runs (not the background sweeps) through the app's handle.
    const ctx = t.runtime.ctx;
    const real = ctx.db;
    const request = new AsyncLocalStorage<string[]>();
    // Every result passes the plugin, queries compiled once (db/compiled.ts) too.
    ctx.db = real.withPlugin({
      transformQuery: (args) => args.node,
      transformResult: async (args) => (request.getStore()?.push(`${args.result.rows.length} rows`), args.result),
    });
    const statements: string[] = [];
    try {
      await request.run(statements, () => send(t, teacher, chat.id, 'Собрание переносится на пятницу'));
    } finally {
      ctx.db = real;
    }
    // The session, the chat access, then the batch (send-batch.ts): one statement stores the
    // message, the chat's seq, the author's read marker, the notification decision and the event.
    assert.equal(statements.length, 3, statements.join(' '));
  });

  test('a client resuming from its last position gets exactly what it missed, in order', async () => {
    const db = t.runtime.ctx.db;
    const start = (await streamHead(db)).head;
    const parents = await chatOf(t, guardian, 'parents', '5А');
    const cls = await chatOf(t, teacher, 'class', '5А');
    const a = await send(t, teacher, parents.id, 'первое');
    await send(t, teacher, cls.id, 'в классный чат, родителю не видно');
    const b = await send(t, guardian, parents.id, 'второе');
    await t.request('POST', `/api/v1/chats/${parents.id}/messages/${a.id}/reactions`, { token: teacher.token, body: { emoji: '❤' } });
    await t.request('PATCH', `/api/v1/chats/${parents.id}/messages/${a.id}`, { token: teacher.token, body: { text: 'первое (исправлено)' } });
    const c = await send(t, teacher, parents.id, 'третье');
    await t.request('POST', `/api/v1/chats/${parents.id}/read`, { token: guardian.token, body: { seq: c.seq } });
    await t.request('DELETE', `/api/v1/chats/${parents.id}/messages/${b.id}`, { token: guardian.token });

    const page = await readStream(db, guardian.userId, start, 100);
    assert.equal(page.resync, false);
    if (page.resync) return;
    assert.deepEqual(
      page.updates.map((u) => u.type),
      ['message.new', 'message.new', 'message.reactions', 'message.edited', 'message.new', 'chat.read', 'message.deleted'],
    );
    const positions = page.updates.map((u) => u.pos);
    assert.deepEqual(
      positions,
      [...positions].sort((x, y) => x - y),
    );
    // Resuming in the middle returns the rest, and nothing else.
    const mid = positions[2]!;
    const rest = await readStream(db, guardian.userId, mid, 100);
    assert.ok(!rest.resync && rest.updates.map((u) => u.pos).join() === positions.slice(3).join());
    // Paging: one at a time reaches the same end.
    let after = start;
    const seen: number[] = [];
    for (;;) {
      const p = await readStream(db, guardian.userId, after, 1);
      assert.ok(!p.resync);
      if (p.resync) break;
      seen.push(...p.updates.map((u) => u.pos));
      after = p.position;
      if (!p.hasMore) break;
    }
    assert.deepEqual(seen, positions);
    // Over HTTP too.
    const http = await t.request('GET', `/api/v1/updates?after=${start}`, { token: guardian.token });
    assert.equal(http.statusCode, 200);
    assert.deepEqual(
      http.json().updates.map((u: Update) => u.pos),
      positions,
    );
  });

  test('an unknown or pruned cursor answers resync', async () => {
    const db = t.runtime.ctx.db;
    const { head } = await streamHead(db);
    const ahead = await t.request('GET', `/api/v1/updates?after=${head + 1000}`, { token: guardian.token });
    assert.deepEqual(ahead.json(), { resync: true, position: head });
    const chat = await chatOf(t, guardian, 'parents', '5А');
    await send(t, teacher, chat.id, 'до очистки');
    await pruneStream(db, new Date(Date.now() + 1000));
    const old = await readStream(db, guardian.userId, head - 1);
    assert.equal(old.resync, true);
    const after = await send(t, teacher, chat.id, 'после очистки');
    const fresh = await readStream(db, guardian.userId, (await streamHead(db)).head - 1);
    assert.ok(!fresh.resync && fresh.updates.length === 1 && fresh.updates[0]!.type === 'message.new');
    assert.ok(!fresh.resync && fresh.updates[0]!.type === 'message.new' && fresh.updates[0]!.message.id === after.id);
  });

  test('a removed member gets chat.removed, then nothing more of that chat', async () => {
    const db = t.runtime.ctx.db;
    const admin = await actor(t, DEMO_PHONES.admin);
    const cls = await chatOf(t, student, 'class', '5А');
    const start = (await streamHead(db)).head;
    await t.request('DELETE', `/api/v1/schools/${admin.schoolId}/classes/${cls.classId}/students/${student.personId}`, { token: admin.token });
    await send(t, teacher, cls.id, 'после ухода ученика');
    const page = await readStream(db, student.userId, start);
    assert.ok(!page.resync);
    if (page.resync) return;
    assert.ok(page.updates.some((u) => u.type === 'chat.removed' && u.chatId === cls.id));
    assert.ok(!page.updates.some((u) => u.type === 'message.new' && u.chatId === cls.id));
    const teacherView = await readStream(db, teacher.userId, start);
    assert.ok(!teacherView.resync && teacherView.updates.some((u) => u.type === 'chat.member_left' && u.personId === student.personId));
  });

  test('every commit publishes one wake-up on `stream` with the highest committed position', async () => {
    const ps = t.runtime.ctx.pubsub;
    const db = t.runtime.ctx.db;
    const g6 = await actor(t, DEMO_PHONES.guardian6B);
    const t6 = await actor(t, DEMO_PHONES.classTeacher6B);
    const chat = await chatOf(t, g6, 'parents', '6Б');
    const got: number[] = [];
    const off = await ps.subscribe(STREAM_TOPIC, (_t, m) => got.push((JSON.parse(m) as { pos: number }).pos));
    await send(t, t6, chat.id, 'опубликовано');
    const afterSend = (await streamHead(db)).head;
    for (let i = 0; i < 100 && !got.includes(afterSend); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(got.includes(afterSend), 'the send woke the tailers with its position');
    // A roster change (the guardian's child leaves 6Б) is published once its transaction commits.
    const admin = await actor(t, DEMO_PHONES.admin);
    const child = (await t.request('GET', '/api/v1/me', { token: g6.token })).json().schools[0].children[0];
    const left = await t.request('DELETE', `/api/v1/schools/${admin.schoolId}/classes/${chat.classId}/students/${child.personId}`, { token: admin.token });
    assert.equal(left.statusCode, 204);
    const afterRoster = (await streamHead(db)).head;
    for (let i = 0; i < 100 && !got.includes(afterRoster); i++) await new Promise((r) => setTimeout(r, 20));
    await off();
    assert.ok(afterRoster > afterSend && got.includes(afterRoster), 'the roster change woke the tailers once committed');
    const page = await readStream(db, g6.userId, afterSend);
    assert.ok(!page.resync && page.updates.some((u) => u.type === 'chat.removed' && u.chatId === chat.id));
  });
});
