import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { DEMO_PHONES } from '../demo/seed.ts';
import { actor, chatOf, send, type Actor } from './test-helpers.ts';
import { quietUntil } from './quiet.ts';

describe('reading and finding', () => {
  let t: TestApp;
  let teacher: Actor, guardian: Actor, student: Actor, otherGuardian: Actor;
  before(async () => {
    t = await createTestApp({ demo: true });
    teacher = await actor(t, DEMO_PHONES.classTeacher5A);
    guardian = await actor(t, DEMO_PHONES.guardian5A);
    student = await actor(t, DEMO_PHONES.student5A);
    otherGuardian = await actor(t, '+79002100002');
  });
  after(() => t.close());

  test('search uses Russian morphology: "собрания" finds "собрание"', async () => {
    const chat = await chatOf(t, guardian, 'parents', '5А');
    const m = await send(t, teacher, chat.id, 'Родительское собрание перенесено на пятницу');
    const res = await t.request('GET', `/api/v1/search?q=${encodeURIComponent('собрания')}`, { token: guardian.token });
    assert.equal(res.statusCode, 200);
    assert.ok(res.json().messages.some((x: { id: string }) => x.id === m.id));
    const none = await t.request('GET', `/api/v1/search?q=${encodeURIComponent('собрания')}`, { token: student.token });
    assert.deepEqual(none.json().messages, []);
  });

  test('search filters by chat, author, teachers only and attachments', async () => {
    const parents = await chatOf(t, guardian, 'parents', '5А');
    const only = await chatOf(t, guardian, 'parents_only', '5А');
    const fromTeacher = await send(t, teacher, parents.id, 'Экскурсия в планетарий');
    const fromGuardian = await send(t, guardian, only.id, 'Кто поедет на экскурсию?');
    const q = (params: string) =>
      t.request('GET', `/api/v1/search?q=${encodeURIComponent('экскурсии')}${params}`, { token: guardian.token }).then((r) =>
        r
          .json()
          .messages.map((m: { id: string }) => m.id)
          .sort(),
      );
    assert.deepEqual(await q(''), [fromTeacher.id, fromGuardian.id].sort());
    assert.deepEqual(await q(`&chatId=${only.id}`), [fromGuardian.id]);
    assert.deepEqual(await q(`&authorId=${guardian.personId}`), [fromGuardian.id]);
    assert.deepEqual(await q('&teachersOnly=true'), [fromTeacher.id]);
    assert.deepEqual(await q('&hasAttachment=true'), []);
    assert.deepEqual(await q('&hasAttachment=false'), [fromTeacher.id, fromGuardian.id].sort());
  });

  test('the author sees "read by N of M" and who has not read, in the parents\' chat', async () => {
    const chat = await chatOf(t, teacher, 'parents', '5А');
    const m = await send(t, teacher, chat.id, 'Прошу подтвердить получение');
    const before = (await t.request('GET', `/api/v1/chats/${chat.id}/messages/${m.id}/receipts`, { token: teacher.token })).json();
    assert.equal(before.readCount, 0);
    assert.equal(before.memberCount, chat.memberCount - 1);
    assert.ok(before.notRead.some((p: { personId: string }) => p.personId === guardian.personId));
    await t.request('POST', `/api/v1/chats/${chat.id}/read`, { token: guardian.token, body: { seq: m.seq } });
    const afterRead = (await t.request('GET', `/api/v1/chats/${chat.id}/messages/${m.id}/receipts`, { token: teacher.token })).json();
    assert.equal(afterRead.readCount, 1);
    assert.ok(!afterRead.notRead.some((p: { personId: string }) => p.personId === guardian.personId));
    assert.ok(afterRead.notRead.some((p: { personId: string }) => p.personId === otherGuardian.personId));
    const notAuthor = await t.request('GET', `/api/v1/chats/${chat.id}/messages/${m.id}/receipts`, { token: guardian.token });
    assert.equal(notAuthor.json().error.code, 'receipts_not_available');
  });

  test('in a channel the poster sees "read by N of M" and the view count; readers cannot post', async () => {
    const channel = await chatOf(t, teacher, 'class_channel');
    const post = await send(t, teacher, channel.id, 'Экскурсия в пятницу, сбор в 9:00');
    const refused = await t.request('POST', `/api/v1/chats/${channel.id}/messages`, { token: guardian.token, body: { clientId: 'g-1', text: 'а можно?' } });
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().error.code, 'posting_not_allowed');
    const receipts = async () => (await t.request('GET', `/api/v1/chats/${channel.id}/messages/${post.id}/receipts`, { token: teacher.token })).json();
    const before = await receipts();
    assert.equal(before.readCount, 0);
    assert.ok(before.memberCount >= 2, `members: ${before.memberCount}`);
    for (const reader of [guardian, student]) await t.request('POST', `/api/v1/chats/${channel.id}/read`, { token: reader.token, body: { seq: post.seq } });
    const after = await receipts();
    assert.equal(after.readCount, 2);
    assert.ok(!after.notRead.some((p: { personId: string }) => p.personId === guardian.personId || p.personId === student.personId));
    const feed = (await t.request('GET', `/api/v1/chats/${channel.id}/messages`, { token: teacher.token })).json().messages;
    assert.equal(feed.find((m: { id: string }) => m.id === post.id).views, 2);
  });
});

describe('quiet hours', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ demo: true });
  });
  after(() => t.close());

  test('quietUntil finds the next start of working hours across days and timezones', () => {
    const hours = { timezone: 'Europe/Moscow', start_minute: 9 * 60, end_minute: 18 * 60, days: [1, 2, 3, 4, 5] };
    // Wednesday 12:00 Moscow (09:00 UTC): working.
    assert.equal(quietUntil(hours, new Date('2025-01-15T09:00:00Z')), null);
    // Wednesday 21:30 Moscow: Thursday 09:00 Moscow = 06:00 UTC.
    assert.equal(quietUntil(hours, new Date('2025-01-15T18:30:00Z'))?.toISOString(), '2025-01-16T06:00:00.000Z');
    // Friday 19:00 Moscow: Monday 09:00.
    assert.equal(quietUntil(hours, new Date('2025-01-17T16:00:00Z'))?.toISOString(), '2025-01-20T06:00:00.000Z');
    // Early morning the same day.
    assert.equal(quietUntil({ ...hours, timezone: 'Asia/Yekaterinburg' }, new Date('2025-01-15T01:00:00Z'))?.toISOString(), '2025-01-15T04:00:00.000Z');
  });

  test("outside a teacher's hours no notification is raised for them, and a guardian is told when they resume", async () => {
    const teacher = await actor(t, DEMO_PHONES.classTeacher5A);
    const guardian = await actor(t, DEMO_PHONES.guardian5A);
    // Working hours that exclude the present moment: a one-minute window twelve hours away.
    const now = new Date();
    const away = (now.getUTCHours() * 60 + now.getUTCMinutes() + 720) % 1440;
    const start = Math.min(away, 1438);
    const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
    const set = await t.request('PUT', '/api/v1/me/working-hours', {
      token: teacher.token,
      body: { timezone: 'UTC', start: hhmm(start), end: hhmm(start + 1), days: [1, 2, 3, 4, 5, 6, 7] },
    });
    assert.equal(set.statusCode, 200, set.body);
    assert.equal((await t.request('GET', '/api/v1/me/working-hours', { token: teacher.token })).json().workingHours.start, hhmm(start));
    // A zone neither the server nor the database knows is refused, and the hours stay as they were.
    const unknown = await t.request('PUT', '/api/v1/me/working-hours', {
      token: teacher.token,
      body: { timezone: 'Mars/Olympus_Mons', start: '09:00', end: '18:00', days: [1] },
    });
    assert.equal(unknown.statusCode, 400);
    assert.equal(unknown.json().error.code, 'validation_failed');
    assert.equal((await t.request('GET', '/api/v1/me/working-hours', { token: teacher.token })).json().workingHours.start, hhmm(start));

    const dm = await t.request('POST', `/api/v1/schools/${guardian.schoolId}/directs`, { token: guardian.token, body: { personId: teacher.personId } });
    const sent = await t.request('POST', `/api/v1/chats/${dm.json().chatId}/messages`, {
      token: guardian.token,
      body: { clientId: 'late-1', text: 'Добрый вечер! Вопрос по домашнему заданию' },
    });
    assert.equal(sent.statusCode, 201);
    const notice = sent.json().notice;
    assert.equal(notice.code, 'recipient_quiet_hours');
    assert.equal(notice.personId, teacher.personId);
    assert.ok(new Date(notice.resumesAt).getTime() > now.getTime());
    assert.match(notice.message, /уведомления возобновятся/);
    const decision = await t.runtime.ctx.db.selectFrom('notification_decisions').selectAll().where('message_id', '=', sent.json().id).executeTakeFirstOrThrow();
    assert.deepEqual(decision.quiet, [teacher.userId]);
    assert.deepEqual(decision.notify, []);

    // The teacher's reply notifies the guardian, who has no working hours set; no notice for a teacher.
    const reply = await t.request('POST', `/api/v1/chats/${dm.json().chatId}/messages`, {
      token: teacher.token,
      body: { clientId: 'reply-1', text: 'Ответ утром' },
    });
    assert.equal(reply.json().notice, undefined);
    const d2 = await t.runtime.ctx.db.selectFrom('notification_decisions').selectAll().where('message_id', '=', reply.json().id).executeTakeFirstOrThrow();
    assert.deepEqual(d2.notify, [guardian.userId]);

    // Cleared hours: notified at any time.
    await t.request('DELETE', '/api/v1/me/working-hours', { token: teacher.token });
    const again = await t.request('POST', `/api/v1/chats/${dm.json().chatId}/messages`, {
      token: guardian.token,
      body: { clientId: 'late-2', text: 'Спасибо' },
    });
    assert.equal(again.json().notice, undefined);
  });
});
