import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { WsClose } from '@parta/protocol';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { listenWs, WsTestClient } from '../testing/ws-client.ts';
import { realtimeFixture, type Actor, type RealtimeFixture } from '../testing/realtime-fixture.ts';
import { DEMO_PHONES } from '../demo/seed.ts';

/** The real app listening on a random loopback port, with real WebSocket clients. */
const listen = (t: TestApp) => listenWs(t.app);

interface ChatSummary {
  id: string;
  kind: string;
  title?: string;
}

async function chats(t: TestApp, token: string): Promise<ChatSummary[]> {
  const res = await t.request('GET', '/api/v1/chats', { token });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().chats as ChatSummary[];
}

async function send(t: TestApp, token: string, chatId: string, text: string): Promise<{ id: string; seq: number }> {
  const res = await t.request('POST', `/api/v1/chats/${chatId}/messages`, { token, body: { clientId: crypto.randomUUID(), text } });
  assert.ok(res.statusCode === 200 || res.statusCode === 201, res.body);
  return res.json();
}

const messageTexts = (c: WsTestClient) =>
  c
    .updates()
    .filter((u) => u.type === 'message.new')
    .map((u) => u.message!.text);

describe('WebSocket gateway: authentication', () => {
  let t: TestApp;
  let url: string;
  const clients: WsTestClient[] = [];
  before(async () => {
    t = await createTestApp({ demo: true });
    url = await listen(t);
  });
  after(async () => {
    for (const c of clients) c.close();
    await t.close();
  });

  test('a connection whose first frame is not auth is closed with 4401', async () => {
    const c = await WsTestClient.open(url);
    clients.push(c);
    c.send({ type: 'typing', chatId: crypto.randomUUID() });
    const closed = await c.waitClosed();
    assert.equal(closed.code, WsClose.unauthenticated);
    assert.equal(c.of('update').length, 0);
  });

  test('a bad token is refused with 4401', async () => {
    const c = await WsTestClient.open(url);
    clients.push(c);
    c.send({ type: 'auth', token: 'not-a-session-token' });
    assert.equal((await c.waitClosed()).code, WsClose.unauthenticated);
    assert.deepEqual(c.frames, []);
  });

  test('a revoked session token is refused with 4401', async () => {
    const { token } = await t.signIn(DEMO_PHONES.guardian6B);
    const sessions = await t.request('GET', '/api/v1/sessions', { token });
    const current = (sessions.json().sessions as { id: string; current: boolean }[]).find((s) => s.current)!;
    const revoked = await t.request('DELETE', `/api/v1/sessions/${current.id}`, { token });
    assert.equal(revoked.statusCode, 204, revoked.body);
    const c = await WsTestClient.open(url);
    clients.push(c);
    c.send({ type: 'auth', token });
    assert.equal((await c.waitClosed()).code, WsClose.unauthenticated);
  });

  test('a frame that is not JSON of the protocol closes with 4400', async () => {
    const c = await WsTestClient.open(url);
    clients.push(c);
    c.ws.send('{not json');
    assert.equal((await c.waitClosed()).code, WsClose.badFrame);
  });

  test('a valid token gets ready with the user id and a position; ping gets pong', async () => {
    const { token, userId } = await t.signIn(DEMO_PHONES.classTeacher5A);
    const c = await WsTestClient.connect(url, token);
    clients.push(c);
    const ready = c.of('ready')[0]!;
    assert.equal(ready.userId, userId);
    assert.equal(typeof ready.position, 'number');
    c.send({ type: 'ping', id: 'p1' });
    const [pong] = await c.waitFor((f) => f.type === 'pong');
    assert.equal(pong!.id, 'p1');
  });
});

describe('WebSocket gateway: delivery, resume and resync', () => {
  let fixture: RealtimeFixture;
  let t: TestApp;
  let url: string;
  let teacher: Actor, student: Actor, outsider: Actor;
  let classChatId: string, outsiderChatId: string;
  let connect: RealtimeFixture['connect'];
  const clients: WsTestClient[] = [];

  before(async () => {
    fixture = await realtimeFixture();
    ({ t, url, teacher, student, outsider, classChatId, outsiderChatId, connect } = fixture);
  });
  after(async () => {
    for (const c of clients) c.close();
    await fixture.close();
  });

  test("a message sent over HTTP reaches a member's socket and not a non-member's", async () => {
    const member = await connect(student.token);
    const other = await connect(outsider.token);
    const sent = await send(t, teacher.token, classChatId, 'Завтра экскурсия');
    const [frame] = await member.waitFor((f) => f.type === 'update' && (f.update as { type: string }).type === 'message.new');
    const update = frame!.update as { pos: number; chatId: string; message: { id: string; text: string } };
    assert.equal(update.chatId, classChatId);
    assert.equal(update.message.id, sent.id);
    assert.equal(update.message.text, 'Завтра экскурсия');
    assert.ok(update.pos > 0);
    // A later message in the outsider's own chat arrives; the class message never did.
    const own = await send(t, outsider.token, outsiderChatId, 'Сообщение в своём чате');
    await other.waitFor((f) => f.type === 'update' && (f.update as { message?: { id: string } }).message?.id === own.id);
    assert.deepEqual(messageTexts(other), ['Сообщение в своём чате']);
    assert.equal(member.binaryFrames + other.binaryFrames, 0, 'every frame is a text frame');
    assert.ok(!JSON.stringify(other.frames).includes(classChatId));
  });

  test('resuming from the last position gets exactly what was missed, in order, without duplicates', async () => {
    const first = await connect(student.token);
    const a = await send(t, teacher.token, classChatId, 'до отключения');
    await first.waitFor((f) => f.type === 'update' && (f.update as { message?: { id: string } }).message?.id === a.id);
    const last = Math.max(...first.updates().map((u) => u.pos));
    first.close();
    await first.waitClosed();

    const missed = [];
    for (let i = 1; i <= 5; i++) missed.push(await send(t, teacher.token, classChatId, `пропущено ${i}`));
    const resumed = await connect(student.token, last);
    const ready = resumed.of('ready')[0]!;
    const updates = resumed.updates();
    assert.deepEqual(
      updates.filter((u) => u.type === 'message.new').map((u) => u.message!.id),
      missed.map((m) => m.id),
    );
    const positions = updates.map((u) => u.pos);
    assert.ok(positions.every((p) => p > last));
    assert.deepEqual(
      positions,
      [...positions].sort((x, y) => x - y),
    );
    assert.equal(new Set(positions).size, positions.length);
    assert.equal(ready.position, positions[positions.length - 1]);

    // Live after catch-up, still in order and once.
    const live = await send(t, teacher.token, classChatId, 'после возобновления');
    await resumed.waitFor((f) => f.type === 'update' && (f.update as { message?: { id: string } }).message?.id === live.id);
    const all = resumed.updates().map((u) => u.pos);
    assert.deepEqual(
      all,
      [...all].sort((x, y) => x - y),
    );
    assert.equal(new Set(all).size, all.length);
  });

  test('messages sent while a client is catching up arrive exactly once, in position order', async () => {
    const probe = await connect(student.token);
    const mark = await send(t, teacher.token, classChatId, 'метка');
    await probe.waitFor((f) => f.type === 'update' && (f.update as { message?: { id: string } }).message?.id === mark.id);
    const last = Math.max(...probe.updates().map((u) => u.pos));
    probe.close();

    const before = [];
    for (let i = 0; i < 10; i++) before.push(await send(t, teacher.token, classChatId, `до ${i}`));
    // Sends continue while the client connects and catches up.
    const during = (async () => {
      const out = [];
      for (let i = 0; i < 20; i++) out.push(await send(t, teacher.token, classChatId, `во время ${i}`));
      return out;
    })();
    const c = await connect(student.token, last);
    const sentDuring = await during;
    const expected = [...before, ...sentDuring].map((m) => m.id);
    await c.waitFor((f) => f.type === 'update' && (f.update as { message?: { id: string } }).message?.id === expected[expected.length - 1]);
    const got = c
      .updates()
      .filter((u) => u.type === 'message.new')
      .map((u) => u.message!.id);
    assert.deepEqual(got, expected);
    const positions = c.updates().map((u) => u.pos);
    assert.deepEqual(
      positions,
      [...positions].sort((x, y) => x - y),
    );
    assert.equal(new Set(positions).size, positions.length);
  });

  test('a position the stream cannot serve is answered with resync and the stream head; live updates follow', async () => {
    const head = Math.max(
      0,
      ...(await WsTestClient.connect(url, student.token).then((c) => {
        clients.push(c);
        return [c.of('ready')[0]!.position as number];
      })),
    );
    const c = await WsTestClient.open(url);
    clients.push(c);
    c.send({ type: 'auth', token: student.token, after: head + 1_000_000 });
    const [resync] = await c.waitFor((f) => f.type === 'resync');
    assert.equal(typeof resync!.position, 'number');
    assert.ok((resync!.position as number) >= head);
    await c.waitFor((f) => f.type === 'ready');
    const live = await send(t, teacher.token, classChatId, 'после resync');
    await c.waitFor((f) => f.type === 'update' && (f.update as { message?: { id: string } }).message?.id === live.id);
    assert.equal(c.updates().filter((u) => u.type === 'message.new').length, 1);
  });

  test('typing reaches the other members, not the typist; typing in a chat that is not yours is refused', async () => {
    const typist = await connect(teacher.token);
    const member = await connect(student.token);
    const stranger = await connect(outsider.token);
    typist.send({ type: 'typing', chatId: classChatId });
    const [typing] = await member.waitFor((f) => f.type === 'typing');
    assert.deepEqual(typing, { type: 'typing', chatId: classChatId, userId: teacher.userId });

    stranger.send({ type: 'typing', chatId: classChatId });
    const [refused] = await stranger.waitFor((f) => f.type === 'error');
    assert.equal(refused!.code, 'chat_not_found');
    assert.equal(refused!.frame, 'typing');
    // The member's next frame is a later message, not the stranger's typing.
    const next = await send(t, teacher.token, classChatId, 'после набора');
    await member.waitFor((f) => f.type === 'update' && (f.update as { message?: { id: string } }).message?.id === next.id);
    assert.equal(member.of('typing').length, 1);
    assert.equal(typist.of('typing').length, 0);
  });
});

describe('WebSocket gateway: heartbeats', () => {
  let t: TestApp;
  let url: string;
  const clients: WsTestClient[] = [];
  before(async () => {
    // Short heartbeats, so that a dead client is dropped within a test.
    t = await createTestApp({ demo: true, env: { PARTA_WS_HEARTBEAT_SECONDS: '0.2' } });
    url = await listen(t);
  });
  after(async () => {
    for (const c of clients) c.close();
    await t.close();
  });

  test('a client that stops answering pings is dropped; one that answers stays', async () => {
    const { token } = await t.signIn(DEMO_PHONES.guardian5A);
    const healthy = await WsTestClient.connect(url, token);
    const dead = await WsTestClient.open(url, { autoPong: false });
    clients.push(healthy, dead);
    dead.send({ type: 'auth', token });
    await dead.waitFor((f) => f.type === 'ready');
    const closed = await dead.waitClosed();
    assert.equal(closed.code, 1006, 'terminated without a close frame');
    // At least two heartbeat intervals have passed; the answering client is still connected and served.
    assert.equal(healthy.closed, null);
    healthy.send({ type: 'ping', id: 'still-here' });
    await healthy.waitFor((f) => f.type === 'pong');
  });
});

describe('WebSocket gateway: slow clients', () => {
  let t: TestApp;
  let url: string;
  const clients: WsTestClient[] = [];
  before(async () => {
    // A small backlog cap, so that an overflow shows within a test.
    t = await createTestApp({ demo: true, env: { PARTA_WS_MAX_BACKLOG_BYTES: '65536' } });
    url = await listen(t);
  });
  after(async () => {
    for (const c of clients) c.close();
    await t.close();
  });

  test('a slow client does not hold up a fast one, and never silently loses durable updates', async () => {
    const teacher = await t.signIn(DEMO_PHONES.classTeacher5A);
    const student = await t.signIn(DEMO_PHONES.student5A);
    const chatId = (await chats(t, student.token)).find((c) => c.kind === 'class')!.id;
    const fast = await WsTestClient.connect(url, student.token);
    const slow = await WsTestClient.connect(url, student.token);
    clients.push(fast, slow);
    // The slow client stops reading: its kernel buffers fill, then its outbox on the server.
    slow.ws.pause();
    const text = 'Ж'.repeat(4000);
    const sent: string[] = [];
    for (let i = 0; i < 60; i++) sent.push((await send(t, teacher.token, chatId, `${i} ${text}`)).id);
    // The fast client has everything, in order, while the slow one has read nothing since it paused.
    await fast.waitFor((f) => f.type === 'update' && (f.update as { message?: { id: string } }).message?.id === sent[sent.length - 1]);
    assert.deepEqual(
      fast
        .updates()
        .filter((u) => u.type === 'message.new')
        .map((u) => u.message!.id),
      sent,
    );
    assert.equal(slow.updates().length, 0);
    // Once it reads again it gets every update in order, unless its backlog overflowed: then it was
    // told so with 4409, to resume from its position.
    slow.ws.resume();
    const last = sent[sent.length - 1];
    await slow.until(() => slow.closed !== null || slow.updates().some((u) => u.message?.id === last));
    if (slow.closed) {
      assert.equal(slow.closed.code, WsClose.backlogOverflow);
      const position = Math.max(0, ...slow.updates().map((u) => u.pos));
      const resumed = await WsTestClient.connect(url, student.token, position);
      clients.push(resumed);
      const got = [...slow.updates(), ...resumed.updates()].filter((u) => u.type === 'message.new').map((u) => u.message!.id);
      assert.deepEqual(got, sent);
    } else {
      assert.deepEqual(
        slow
          .updates()
          .filter((u) => u.type === 'message.new')
          .map((u) => u.message!.id),
        sent,
      );
    }
    assert.equal(fast.closed, null);
  });
});
