import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { DEMO_PHONES } from '../demo/seed.ts';
import { actor, chatOf, send, type Actor } from './test-helpers.ts';

describe('messages', () => {
  let t: TestApp;
  let teacher: Actor, guardian: Actor, student: Actor, maths: Actor;
  before(async () => {
    t = await createTestApp({ demo: true });
    teacher = await actor(t, DEMO_PHONES.classTeacher5A);
    guardian = await actor(t, DEMO_PHONES.guardian5A);
    student = await actor(t, DEMO_PHONES.student5A);
    maths = await actor(t, DEMO_PHONES.subjectTeacher);
  });
  after(() => t.close());

  test('a message is stored with a gap-free seq and comes back in history, oldest first', async () => {
    const chat = await chatOf(t, teacher, 'class', '5А');
    const a = await send(t, teacher, chat.id, 'Завтра контрольная');
    const b = await send(t, student, chat.id, 'Хорошо');
    assert.equal(b.seq, a.seq + 1);
    assert.equal(a.author.isStaff, true);
    assert.ok(a.author.roles.includes('teacher'));
    assert.equal(b.author.isStaff, false);
    const res = await t.request('GET', `/api/v1/chats/${chat.id}/messages?limit=10`, { token: student.token });
    assert.equal(res.statusCode, 200);
    const texts = res.json().messages.map((m: { text: string }) => m.text);
    assert.deepEqual(texts.slice(-2), ['Завтра контрольная', 'Хорошо']);
    const older = await t.request('GET', `/api/v1/chats/${chat.id}/messages?before=${b.seq}&limit=1`, { token: student.token });
    assert.equal(older.json().messages[0].id, a.id);
  });

  test('concurrent sends to one chat take every seq once', async () => {
    const chat = await chatOf(t, teacher, 'class', '5А');
    const sent = await Promise.all(Array.from({ length: 12 }, (_, i) => send(t, i % 2 ? teacher : student, chat.id, `параллельно ${i}`)));
    const seqs = sent.map((m) => m.seq).sort((x, y) => x - y);
    for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], seqs[0]! + i);
  });

  test('a retried send with the same clientId stores one message and returns it', async () => {
    const chat = await chatOf(t, guardian, 'parents', '5А');
    const body = { clientId: 'retry-1', text: 'Собрание в пятницу?' };
    const [first, second] = await Promise.all([
      t.request('POST', `/api/v1/chats/${chat.id}/messages`, { token: guardian.token, body }),
      t.request('POST', `/api/v1/chats/${chat.id}/messages`, { token: guardian.token, body }),
    ]);
    const third = await t.request('POST', `/api/v1/chats/${chat.id}/messages`, { token: guardian.token, body });
    const ids = [first, second, third].map((r) => r.json().id);
    assert.equal(new Set(ids).size, 1);
    assert.equal(third.statusCode, 200);
    const stored = await t.runtime.ctx.db.selectFrom('messages').select('id').where('chat_id', '=', chat.id).where('client_id', '=', 'retry-1').execute();
    assert.equal(stored.length, 1);
    const clash = await t.request('POST', `/api/v1/chats/${chat.id}/messages`, { token: guardian.token, body: { clientId: 'retry-1', text: 'другое' } });
    assert.equal(clash.statusCode, 409);
    assert.equal(clash.json().error.code, 'client_id_reused');
  });

  test('text is plain, at most 4096 characters, and not blank', async () => {
    const chat = await chatOf(t, teacher, 'class', '5А');
    const html = await send(t, teacher, chat.id, '<b>жирный</b> <script>alert(1)</script>');
    assert.equal(html.text, '<b>жирный</b> <script>alert(1)</script>');
    const long = await t.request('POST', `/api/v1/chats/${chat.id}/messages`, { token: teacher.token, body: { clientId: 'long', text: 'я'.repeat(4097) } });
    assert.equal(long.statusCode, 400);
    assert.equal((await send(t, teacher, chat.id, 'я'.repeat(4096))).text.length, 4096);
    const blank = await t.request('POST', `/api/v1/chats/${chat.id}/messages`, { token: teacher.token, body: { clientId: 'blank', text: '   ' } });
    assert.equal(blank.json().error.code, 'message_empty');
  });

  test('links and mentions are structured fields', async () => {
    const chat = await chatOf(t, teacher, 'class', '5А');
    const text = '@Ученик посмотри https://example.org/zadanie.';
    const m = await send(t, teacher, chat.id, text, { mentions: [{ offset: 0, length: 7, personId: student.personId }] });
    assert.deepEqual(m.entities, [
      { type: 'mention', offset: 0, length: 7, personId: student.personId },
      { type: 'link', offset: 17, length: 27, url: 'https://example.org/zadanie' },
    ]);
    const bad = await t.request('POST', `/api/v1/chats/${chat.id}/messages`, {
      token: teacher.token,
      body: { clientId: 'm-bad', text, mentions: [{ offset: 0, length: 7, personId: guardian.personId }] },
    });
    assert.equal(bad.json().error.code, 'mention_invalid');
  });

  test('reply, edit (shows edited), reactions, pin, delete for everyone', async () => {
    const chat = await chatOf(t, teacher, 'class', '5А');
    const q = await send(t, student, chat.id, 'Что задали?');
    const a = await send(t, teacher, chat.id, 'Упражнение 5', { replyToId: q.id });
    assert.equal(a.replyTo?.id, q.id);
    assert.equal(a.replyTo?.text, 'Что задали?');

    const edit = await t.request('PATCH', `/api/v1/chats/${chat.id}/messages/${a.id}`, { token: teacher.token, body: { text: 'Упражнение 6' } });
    assert.equal(edit.statusCode, 200);
    assert.equal(edit.json().text, 'Упражнение 6');
    assert.ok(edit.json().editedAt);
    const notMine = await t.request('PATCH', `/api/v1/chats/${chat.id}/messages/${a.id}`, { token: student.token, body: { text: 'x' } });
    assert.equal(notMine.json().error.code, 'message_edit_not_allowed');

    const r1 = await t.request('POST', `/api/v1/chats/${chat.id}/messages/${a.id}/reactions`, { token: student.token, body: { emoji: '👍' } });
    assert.deepEqual(r1.json().reactions, [{ emoji: '👍', count: 1, userIds: [student.userId] }]);
    await t.request('POST', `/api/v1/chats/${chat.id}/messages/${a.id}/reactions`, { token: maths.token, body: { emoji: '👍' } });
    const r2 = await t.request('DELETE', `/api/v1/chats/${chat.id}/messages/${a.id}/reactions/${encodeURIComponent('👍')}`, { token: student.token });
    assert.deepEqual(r2.json().reactions, [{ emoji: '👍', count: 1, userIds: [maths.userId] }]);

    assert.equal((await t.request('PUT', `/api/v1/chats/${chat.id}/pin`, { token: student.token, body: { messageId: a.id } })).statusCode, 403);
    assert.equal((await t.request('PUT', `/api/v1/chats/${chat.id}/pin`, { token: teacher.token, body: { messageId: a.id } })).statusCode, 204);
    assert.equal((await chatOf(t, student, 'class', '5А')).pinnedMessageId, a.id);

    // A student may not delete the teacher's message; the teacher (moderator) may delete the student's.
    assert.equal(
      (await t.request('DELETE', `/api/v1/chats/${chat.id}/messages/${a.id}`, { token: student.token })).json().error.code,
      'message_delete_not_allowed',
    );
    assert.equal((await t.request('DELETE', `/api/v1/chats/${chat.id}/messages/${q.id}`, { token: teacher.token })).statusCode, 204);
    const page = await t.request('GET', `/api/v1/chats/${chat.id}/messages?after=${q.seq - 1}&limit=2`, { token: student.token });
    const gone = page.json().messages[0];
    assert.equal(gone.id, q.id);
    assert.equal(gone.text, '');
    assert.ok(gone.deletedAt);
    assert.equal(page.json().messages[1].replyTo.text, '');
  });

  test('"teachers only" filters history to teachers\' messages', async () => {
    const chat = await chatOf(t, teacher, 'class', '5А');
    await send(t, student, chat.id, 'вопрос ученика');
    await send(t, maths, chat.id, 'ответ учителя математики');
    const res = await t.request('GET', `/api/v1/chats/${chat.id}/messages?teachersOnly=true&limit=200`, { token: student.token });
    const msgs = res.json().messages;
    assert.ok(msgs.length > 0);
    assert.ok(msgs.every((m: { author: { isStaff: boolean } }) => m.author.isStaff));
    assert.ok(msgs.some((m: { text: string }) => m.text === 'ответ учителя математики'));
  });

  test('a forward copies a message from another chat of mine, with its origin', async () => {
    const from = await chatOf(t, teacher, 'class', '5А');
    const to = await chatOf(t, teacher, 'parents', '5А');
    const original = await send(t, teacher, from.id, 'Экскурсия в музей в среду');
    const fwd = await send(t, teacher, to.id, '', { forwardOf: original.id });
    assert.equal(fwd.text, 'Экскурсия в музей в среду');
    assert.equal(fwd.forwardedFrom?.messageId, original.id);
    // A guardian cannot forward from a chat they are not in.
    const res = await t.request('POST', `/api/v1/chats/${to.id}/messages`, {
      token: guardian.token,
      body: { clientId: 'fwd-x', text: '', forwardOf: original.id },
    });
    assert.equal(res.json().error.code, 'message_not_found');
  });

  test('an attachment the files domain does not vouch for is refused, and nothing is stored', async () => {
    const chat = await chatOf(t, teacher, 'class', '5А');
    const res = await t.request('POST', `/api/v1/chats/${chat.id}/messages`, {
      token: teacher.token,
      body: { clientId: 'att-1', text: 'файл', attachments: ['00000000-0000-4000-8000-000000000000'] },
    });
    assert.equal(res.statusCode, 400);
    // Without a resolver: attachments_unavailable; with the files domain: the id is not the sender's upload.
    assert.ok(['attachments_unavailable', 'attachment_invalid'].includes(res.json().error.code), res.body);
    const stored = await t.runtime.ctx.db.selectFrom('messages').select('id').where('client_id', '=', 'att-1').execute();
    assert.deepEqual(stored, []);
    const after = await chatOf(t, teacher, 'class', '5А');
    assert.equal(after.lastSeq, chat.lastSeq);
  });

  test('channels: teachers post, others read, views are counted', async () => {
    const channel = await chatOf(t, teacher, 'class_channel', '5А');
    assert.equal(channel.canPost, true);
    assert.equal((await chatOf(t, guardian, 'class_channel', '5А')).canPost, false);
    const post = await send(t, teacher, channel.id, 'Новости класса');
    const refused = await t.request('POST', `/api/v1/chats/${channel.id}/messages`, { token: guardian.token, body: { clientId: 'g-post', text: 'можно?' } });
    assert.equal(refused.json().error.code, 'posting_not_allowed');
    await t.request('POST', `/api/v1/chats/${channel.id}/read`, { token: guardian.token, body: { seq: post.seq } });
    await t.request('POST', `/api/v1/chats/${channel.id}/read`, { token: student.token, body: { seq: post.seq } });
    const page = await t.request('GET', `/api/v1/chats/${channel.id}/messages`, { token: guardian.token });
    assert.equal(page.json().messages.at(-1).views, 2);
  });

  test('unread counts follow read markers', async () => {
    const chat = await chatOf(t, guardian, 'parents', '5А');
    const before = chat.unreadCount;
    const m = await send(t, teacher, chat.id, 'Напоминание о собрании');
    assert.equal((await chatOf(t, guardian, 'parents', '5А')).unreadCount, before + 1);
    assert.equal((await chatOf(t, teacher, 'parents', '5А')).unreadCount, 0);
    const read = await t.request('POST', `/api/v1/chats/${chat.id}/read`, { token: guardian.token, body: { seq: m.seq } });
    assert.equal(read.json().lastReadSeq, m.seq);
    assert.equal((await chatOf(t, guardian, 'parents', '5А')).unreadCount, 0);
  });
});
