import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { WsClose } from '@parta/protocol';
import { DEMO_PHONES } from '../demo/seed.ts';
import { actor, type Actor } from '../messaging/test-helpers.ts';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { runFlooder, type FloodReport } from '../testing/flooder.ts';
import { listenWs, WsTestClient } from '../testing/ws-client.ts';

/** A phone that no roster lists: its account is linked to nobody. */
const NOBODY = '+79005550199';

async function timedChatList(t: TestApp, token: string): Promise<number> {
  const t0 = performance.now();
  const res = await t.request('GET', '/api/v1/chats', { token });
  assert.equal(res.statusCode, 200, res.body);
  return performance.now() - t0;
}

/** `promise`, or a failure naming `what` once `ms` have passed: a held request fails the test instead of holding it. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms.toFixed(0)} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('one socket cannot stall the server', () => {
  let t: TestApp;
  let url: string;
  let teacher: Actor, student: Actor, guardian: Actor;
  const clients: WsTestClient[] = [];
  const connect = async (token: string) => {
    const c = await WsTestClient.connect(url, token);
    clients.push(c);
    return c;
  };
  before(async () => {
    t = await createTestApp({ demo: true });
    url = await listenWs(t.app);
    teacher = await actor(t, DEMO_PHONES.classTeacher5A);
    student = await actor(t, DEMO_PHONES.student5A);
    guardian = await actor(t, DEMO_PHONES.guardian5A);
  });
  after(async () => {
    for (const c of clients) c.close();
    await t.close();
  });

  test("typing frames naming random chats, from a member and from an account linked to nobody, do not hold another user's requests", async () => {
    const quiet = median([
      await timedChatList(t, guardian.token),
      await timedChatList(t, guardian.token),
      await timedChatList(t, guardian.token),
      await timedChatList(t, guardian.token),
      await timedChatList(t, guardian.token),
    ]);
    const nobody = await t.signIn(NOBODY);
    // Count every statement the app runs from here (db/compiled.ts queries pass the plugin too).
    const ctx = t.runtime.ctx;
    const real = ctx.db;
    let statements = 0;
    ctx.db = real.withPlugin({ transformQuery: (args) => args.node, transformResult: async (args) => (statements++, args.result) });
    let reports: FloodReport[];
    const during: number[] = [];
    try {
      // Two attackers in processes of their own, at full speed for six seconds, each frame naming a
      // chat no one has: a member of the school, and an account linked to nobody.
      const floods = [runFlooder(url, student.token, 6), runFlooder(url, nobody.token, 6)];
      await new Promise((r) => setTimeout(r, 3_000));
      for (let i = 0; i < 3; i++)
        during.push(await within(timedChatList(t, guardian.token), 60_000, `another user's chat list during the flood (quiet: ${quiet.toFixed(0)} ms)`));
      reports = await Promise.all(floods);
    } finally {
      ctx.db = real;
    }
    // Each frame used to cost a query (thousands of them here), and another user's request waited
    // behind them: seconds, tens of them on a slower disk. Now a frame is refused from memory.
    const frames = reports.reduce((n, r) => n + (r.errors.rate_limited ?? 0) + (r.errors.chat_not_found ?? 0), 0);
    assert.ok(statements < 60, `${statements} statements for ${frames} frames answered (sign-ins, the three chat lists, two connections' starts)`);
    const bound = Math.max(2_000, quiet * 20);
    assert.ok(
      median(during) < bound,
      `the chat list took ${during.map((d) => d.toFixed(0)).join(', ')} ms during the flood (quiet: ${quiet.toFixed(0)} ms, bound ${bound.toFixed(0)} ms)`,
    );
    // Refused first, then closed for flooding.
    for (const r of reports) {
      assert.equal(r.closes[String(WsClose.tooManyFrames)], 1, JSON.stringify(r));
      assert.ok((r.errors.rate_limited ?? 0) > 0, JSON.stringify(r));
      assert.ok((r.errors.chat_not_found ?? 0) > 0, 'a chat that is not yours is refused as before');
    }
    // The flooding session is kept out for a while; the same account's other session is not.
    const again = await WsTestClient.open(url);
    clients.push(again);
    again.send({ type: 'auth', token: student.token });
    assert.equal((await again.waitClosed()).code, WsClose.tooManyFrames);
    const other = await t.signIn(DEMO_PHONES.student5A);
    await connect(other.token);
  });

  test('typing is relayed in chats the connection follows, including a chat it joined after connecting', async () => {
    const teacherWs = await connect(teacher.token);
    const guardianWs = await connect(guardian.token);
    // A direct chat opened after both connected: the stream's chat.added tells each connection.
    const opened = await t.request('POST', `/api/v1/schools/${guardian.schoolId}/directs`, { token: guardian.token, body: { personId: teacher.personId } });
    assert.equal(opened.statusCode, 200, opened.body);
    const chatId = opened.json().chatId as string;
    await teacherWs.waitFor(
      (f) =>
        f.type === 'update' && (f.update as { type: string; chatId?: string }).type === 'chat.added' && (f.update as { chatId?: string }).chatId === chatId,
    );
    await guardianWs.waitFor(
      (f) =>
        f.type === 'update' && (f.update as { type: string; chatId?: string }).type === 'chat.added' && (f.update as { chatId?: string }).chatId === chatId,
    );
    guardianWs.send({ type: 'typing', chatId: chatId.toUpperCase() });
    const [typing] = await teacherWs.waitFor((f) => f.type === 'typing' && f.chatId === chatId);
    assert.equal(typing!.userId, guardian.userId);
    assert.equal(guardianWs.of('error').length, 0);
  });

  test('every kind of frame is limited: pings past the burst are refused with rate_limited, and the connection then closed', async () => {
    const c = await connect(teacher.token);
    for (let i = 0; i < 400; i++) c.send({ type: 'ping', id: String(i) });
    const closed = await c.waitClosed();
    assert.equal(closed.code, WsClose.tooManyFrames);
    assert.ok(c.of('pong').length >= 50, `pongs: ${c.of('pong').length}`);
    assert.ok(c.of('pong').length < 400);
    assert.ok(c.of('error').some((f) => f.code === 'rate_limited' && f.frame === 'ping'));
  });

  test('sends past the limit are answered rate_limited with their ref and status 429', async () => {
    const fresh = await t.signIn(DEMO_PHONES.classTeacher5A);
    const c = await connect(fresh.token);
    const chatId = (await t.request('GET', '/api/v1/chats', { token: fresh.token })).json().chats[0].id as string;
    const N = 150;
    for (let i = 0; i < N; i++) c.send({ type: 'send', ref: `s${i}`, chatId, message: { clientId: crypto.randomUUID(), text: `flood ${i}` } });
    const answers = await c.waitFor((f) => (f.type === 'sent' || f.type === 'error') && typeof f.ref === 'string', N);
    const limited = answers.filter((f) => f.type === 'error' && f.code === 'rate_limited');
    assert.ok(limited.length > 0, 'some sends are refused');
    assert.ok(limited.every((f) => f.status === 429 && f.frame === 'send'));
    assert.equal(new Set(answers.map((f) => f.ref)).size, N, 'every send gets exactly one answer');
  });
});

describe('sockets per session and per account are capped', () => {
  let t: TestApp;
  let url: string;
  const clients: WsTestClient[] = [];
  before(async () => {
    t = await createTestApp({ demo: true, env: { PARTA_WS_MAX_PER_SESSION: '2', PARTA_WS_MAX_PER_ACCOUNT: '3' } });
    url = await listenWs(t.app);
  });
  after(async () => {
    for (const c of clients) c.close();
    await t.close();
  });

  test('the connection past the cap is closed with 4429; closing one makes room', async () => {
    const first = await t.signIn(DEMO_PHONES.guardian6B);
    const second = await t.signIn(DEMO_PHONES.guardian6B);
    const open = async (token: string) => {
      const c = await WsTestClient.open(url);
      clients.push(c);
      c.send({ type: 'auth', token });
      await c.until(() => c.frames.some((f) => f.type === 'ready') || c.closed !== null).catch(() => {});
      return c;
    };
    const a1 = await open(first.token);
    const a2 = await open(first.token);
    const a3 = await open(first.token);
    assert.ok(a1.of('ready').length === 1 && a2.of('ready').length === 1);
    assert.equal((await a3.waitClosed()).code, WsClose.tooManyFrames);
    // Another session of the account: one more fits under the account's cap of 3, not two.
    const b1 = await open(second.token);
    assert.equal(b1.of('ready').length, 1);
    const b2 = await open(second.token);
    assert.equal((await b2.waitClosed()).code, WsClose.tooManyFrames);
    a1.ws.close();
    await a1.waitClosed();
    // The server counts the socket out when it sees the close.
    let again: WsTestClient | null = null;
    for (let i = 0; i < 50 && !again?.of('ready').length; i++) {
      again = await open(second.token);
      if (!again.of('ready').length) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(again!.of('ready').length, 1);
  });
});
