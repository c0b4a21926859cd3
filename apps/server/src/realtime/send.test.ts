import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { WsClose, WsServerFrame } from '@parta/protocol';
import type { TestApp } from '../testing/harness.ts';
import { realtimeFixture, type Actor, type RealtimeFixture } from '../testing/realtime-fixture.ts';
import { WsTestClient, type Frame } from '../testing/ws-client.ts';
import { DEMO_PHONES } from '../demo/seed.ts';

interface ChatSummary {
  id: string;
  kind: string;
}

async function chatOf(t: TestApp, token: string, kind: string): Promise<string> {
  const res = await t.request('GET', '/api/v1/chats', { token });
  assert.equal(res.statusCode, 200, res.body);
  return (res.json().chats as ChatSummary[]).find((c) => c.kind === kind)!.id;
}

async function history(t: TestApp, token: string, chatId: string): Promise<{ id: string; seq: number; text: string; clientId: string }[]> {
  const res = await t.request('GET', `/api/v1/chats/${chatId}/messages?limit=100`, { token });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().messages;
}

const sentMessage = (f: Frame) => f.message as { id: string; seq: number; text: string; clientId: string; chatId: string; author: { isStaff: boolean } };

describe('WebSocket gateway: sending over the socket', () => {
  let fixture: RealtimeFixture;
  let t: TestApp;
  let url: string;
  let teacher: Actor, student: Actor, outsider: Actor;
  let classChatId: string, outsiderChatId: string;
  let connect: (token: string) => Promise<WsTestClient>;
  const clients: WsTestClient[] = [];

  before(async () => {
    fixture = await realtimeFixture({ PARTA_WS_MAX_PENDING_SENDS: '4' });
    ({ t, url, teacher, student, outsider, classChatId, outsiderChatId, connect } = fixture);
  });
  after(async () => {
    for (const c of clients) c.close();
    await fixture.close();
  });

  test('a send is stored, answered with the stored message, and reaches the other members as an update', async () => {
    const sender = await connect(teacher.token);
    const member = await connect(student.token);
    const clientId = crypto.randomUUID();
    const answer = await sender.sendMessage(classChatId, { clientId, text: 'Завтра контрольная' });
    assert.equal(answer.type, 'sent', JSON.stringify(answer));
    assert.ok(WsServerFrame.safeParse(answer).success, 'the answer is a frame of the protocol');
    assert.equal(answer.created, true);
    const m = sentMessage(answer);
    assert.equal(m.text, 'Завтра контрольная');
    assert.equal(m.clientId, clientId);
    assert.equal(m.chatId, classChatId);
    assert.equal(m.author.isStaff, true);
    const [update] = await member.waitFor((f) => f.type === 'update' && (f.update as { message?: { id: string } }).message?.id === m.id);
    assert.equal((update!.update as { message: { seq: number } }).message.seq, m.seq);
    const stored = (await history(t, student.token, classChatId)).find((x) => x.id === m.id);
    assert.equal(stored?.seq, m.seq);
  });

  test('a retry with the same clientId returns the same message (created: false); another text under it is a conflict', async () => {
    const sender = await connect(student.token);
    const clientId = crypto.randomUUID();
    const first = await sender.sendMessage(classChatId, { clientId, text: 'Я заболел' });
    const again = await sender.sendMessage(classChatId, { clientId, text: 'Я заболел' });
    assert.equal(again.type, 'sent');
    assert.equal(again.created, false);
    assert.equal(sentMessage(again).id, sentMessage(first).id);
    const reused = await sender.sendMessage(classChatId, { clientId, text: 'Другой текст' });
    assert.equal(reused.type, 'error');
    assert.equal(reused.code, 'client_id_reused');
    assert.equal(reused.status, 409);
    assert.equal(reused.frame, 'send');
    assert.equal((await history(t, student.token, classChatId)).filter((x) => x.clientId === clientId).length, 1);
  });

  test('sends of one socket to one chat are stored in the order they were sent', async () => {
    const sender = await connect(teacher.token);
    const texts = Array.from({ length: 4 }, (_, i) => `по порядку ${i}`);
    const refs = texts.map((_, i) => `order-${i}`);
    texts.forEach((text, i) => sender.send({ type: 'send', ref: refs[i], chatId: classChatId, message: { clientId: crypto.randomUUID(), text } }));
    const answers = await sender.waitFor((f) => f.type === 'sent' && refs.includes(f.ref as string), texts.length);
    const seqs = refs.map((ref) => sentMessage(answers.find((a) => a.ref === ref)!).seq);
    assert.deepEqual(
      [...seqs].sort((a, b) => a - b),
      seqs,
      `seqs in send order: ${seqs.join(', ')}`,
    );
  });

  test('a chat that is not yours is refused as not found, nothing is stored, and the socket stays open', async () => {
    const sender = await connect(student.token);
    const before = (await history(t, outsider.token, outsiderChatId)).length;
    const refused = await sender.sendMessage(outsiderChatId, { clientId: crypto.randomUUID(), text: 'чужой чат' });
    assert.equal(refused.type, 'error');
    assert.equal(refused.code, 'chat_not_found');
    assert.equal(refused.status, 404);
    const unknown = await sender.sendMessage(crypto.randomUUID(), { clientId: crypto.randomUUID(), text: 'нет такого' });
    assert.equal(unknown.code, 'chat_not_found');
    assert.equal(refused.message, unknown.message, 'a chat of others and no chat look the same');
    assert.equal((await history(t, outsider.token, outsiderChatId)).length, before);
    sender.send({ type: 'ping', id: 'still-open' });
    await sender.waitFor((f) => f.type === 'pong' && f.id === 'still-open');
  });

  test('a remembered access does not outlive the membership or the right to post', async () => {
    const db = t.runtime.ctx.db;
    const sender = await connect(student.token);
    const first = await sender.sendMessage(classChatId, { clientId: crypto.randomUUID(), text: 'Первое, доступ запомнен' });
    assert.equal(first.type, 'sent', JSON.stringify(first));
    // Removed behind the stream's back: the connection still remembers its access to the chat.
    await db.updateTable('chat_members').set({ left_at: new Date() }).where('chat_id', '=', classChatId).where('user_id', '=', student.userId).execute();
    try {
      const refused = await sender.sendMessage(classChatId, { clientId: crypto.randomUUID(), text: 'После удаления' });
      assert.equal(refused.type, 'error', JSON.stringify(refused));
      assert.equal(refused.code, 'chat_not_found');
      assert.equal(refused.status, 404);
      assert.ok(!(await history(t, teacher.token, classChatId)).some((m) => m.text === 'После удаления'), 'nothing stored');
    } finally {
      await db.updateTable('chat_members').set({ left_at: null }).where('chat_id', '=', classChatId).where('user_id', '=', student.userId).execute();
    }
    // A channel's moderator who is one no more may not post, whatever the connection remembers.
    const poster = await connect(teacher.token);
    const channel = await chatOf(t, teacher.token, 'class_channel');
    const posted = await poster.sendMessage(channel, { clientId: crypto.randomUUID(), text: 'Новость класса' });
    assert.equal(posted.type, 'sent', JSON.stringify(posted));
    await db.updateTable('chat_members').set({ role: 'member' }).where('chat_id', '=', channel).where('user_id', '=', teacher.userId).execute();
    try {
      const demoted = await poster.sendMessage(channel, { clientId: crypto.randomUUID(), text: 'Уже не модератор' });
      assert.equal(demoted.code, 'posting_not_allowed', JSON.stringify(demoted));
      assert.equal(demoted.status, 403);
      assert.ok(!(await history(t, teacher.token, channel)).some((m) => m.text === 'Уже не модератор'), 'nothing stored');
    } finally {
      await db.updateTable('chat_members').set({ role: 'moderator' }).where('chat_id', '=', channel).where('user_id', '=', teacher.userId).execute();
    }
    // And the access read again is remembered again: the next send goes through.
    const again = await sender.sendMessage(classChatId, { clientId: crypto.randomUUID(), text: 'Снова в чате' });
    assert.equal(again.type, 'sent', JSON.stringify(again));
  });

  test("a message the service refuses is answered with its code, in the account's language", async () => {
    const sender = await connect(student.token);
    const empty = await sender.sendMessage(classChatId, { clientId: crypto.randomUUID(), text: '   ' });
    assert.equal(empty.code, 'message_empty');
    assert.equal(empty.status, 400);
    assert.match(empty.message as string, /[а-яё]/i, 'Russian by default');
    const channel = await chatOf(t, student.token, 'school_channel');
    const posting = await sender.sendMessage(channel, { clientId: crypto.randomUUID(), text: 'в канал' });
    assert.equal(posting.code, 'posting_not_allowed');
    assert.equal(posting.status, 403);
  });

  test('a send that does not fit the protocol is refused with validation_failed and its issues; the socket stays open', async () => {
    const sender = await connect(student.token);
    const long = await sender.sendMessage(classChatId, { clientId: crypto.randomUUID(), text: 'я'.repeat(4097) });
    assert.equal(long.type, 'error');
    assert.equal(long.code, 'validation_failed');
    assert.equal(long.status, 400);
    assert.ok(JSON.stringify(long.details).includes('message.text'), JSON.stringify(long.details));
    sender.send({ type: 'send', ref: 'bad-chat', chatId: 'not-a-uuid', message: { clientId: 'x', text: 'a' } });
    const [badChat] = await sender.waitFor((f) => f.type === 'error' && f.ref === 'bad-chat');
    assert.equal(badChat!.code, 'validation_failed');
    // Without a ref nothing can be answered: the frame is outside the protocol.
    sender.send({ type: 'send', chatId: classChatId, message: { clientId: 'x', text: 'a' } });
    assert.equal((await sender.waitClosed()).code, WsClose.badFrame);
  });

  test('a send right after auth, before ready, is taken once the session is known', async () => {
    const c = await WsTestClient.open(url);
    clients.push(c);
    c.send({ type: 'auth', token: student.token });
    c.send({ type: 'send', ref: 'early', chatId: classChatId, message: { clientId: crypto.randomUUID(), text: 'сразу после входа' } });
    const [answer] = await c.waitFor((f) => f.ref === 'early');
    assert.equal(answer!.type, 'sent', JSON.stringify(answer));
    await c.waitFor((f) => f.type === 'ready');
  });

  test('a send frame before auth closes the socket with 4401', async () => {
    const c = await WsTestClient.open(url);
    clients.push(c);
    c.send({ type: 'send', ref: 'x', chatId: classChatId, message: { clientId: crypto.randomUUID(), text: 'без входа' } });
    assert.equal((await c.waitClosed()).code, WsClose.unauthenticated);
  });

  test('more unanswered sends than the limit are refused with rate_limited; every send gets exactly one answer', async () => {
    const sender = await connect(teacher.token);
    const refs = Array.from({ length: 24 }, (_, i) => `burst-${i}`);
    for (const ref of refs) sender.send({ type: 'send', ref, chatId: classChatId, message: { clientId: crypto.randomUUID(), text: ref } });
    const answers = await sender.waitFor((f) => (f.type === 'sent' || f.type === 'error') && refs.includes(f.ref as string), refs.length);
    assert.equal(new Set(answers.map((a) => a.ref)).size, refs.length);
    const limited = answers.filter((a) => a.type === 'error');
    assert.ok(limited.length > 0, 'some of 24 sends at once exceed a limit of 4');
    assert.ok(
      limited.every((a) => a.code === 'rate_limited' && a.status === 429),
      JSON.stringify(limited[0]),
    );
    const stored = new Set((await history(t, teacher.token, classChatId)).map((m) => m.text));
    for (const a of answers) assert.equal(stored.has(a.ref as string), a.type === 'sent', `${a.ref as string} stored iff answered sent`);
  });

  test('signing the device out closes its sockets at once with 4401', async () => {
    const session = await t.signIn(DEMO_PHONES.guardian5A);
    const c = await connect(session.token);
    const started = Date.now();
    const out = await t.request('POST', '/api/v1/auth/logout', { token: session.token });
    assert.equal(out.statusCode, 204, out.body);
    assert.equal((await c.waitClosed()).code, WsClose.unauthenticated);
    assert.ok(Date.now() - started < 5_000, "not left to the minute's session check");
  });

  test("signing out every other device closes their sockets, not this one's", async () => {
    const mine = await t.signIn(DEMO_PHONES.subjectTeacher);
    const other = await t.signIn(DEMO_PHONES.subjectTeacher);
    const keep = await connect(mine.token);
    const drop = await connect(other.token);
    const res = await t.request('POST', '/api/v1/sessions/revoke-others', { token: mine.token });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal((await drop.waitClosed()).code, WsClose.unauthenticated);
    keep.send({ type: 'ping', id: 'kept' });
    await keep.waitFor((f) => f.type === 'pong' && f.id === 'kept');
  });
});
