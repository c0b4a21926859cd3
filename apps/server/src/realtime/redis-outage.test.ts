import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { LightMyRequestResponse } from 'fastify';
import { DEMO_PHONES } from '../demo/seed.ts';
import { MINIMAL_PDF, upload } from '../files/test-helpers.ts';
import { actor, chatOf, send, type Actor } from '../messaging/test-helpers.ts';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { freePort } from '../testing/processes.ts';
import { listenWs, WsTestClient } from '../testing/ws-client.ts';

/** A Redis of this test's own, on a free port, that it stops and starts (no snapshots, no log). */
class OwnRedis {
  private child: ChildProcess | null = null;
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if (await answers(this.port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('redis-server did not start');
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    this.child = null;
  }
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.write('PING\r\n');
    });
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    socket.on('error', () => resolve(false));
  });
}

/** The request's answer, or a failure once `ms` have passed: a request held by Redis fails here. */
async function quickly(what: string, request: Promise<LightMyRequestResponse>, ms = 3_000): Promise<LightMyRequestResponse> {
  let timer: NodeJS.Timeout;
  const t0 = performance.now();
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms while Redis is down`)), ms)));
  try {
    return await Promise.race([request, late]);
  } finally {
    clearTimeout(timer!);
    if (performance.now() - t0 > ms) assert.fail(`${what} took ${(performance.now() - t0).toFixed(0)} ms`);
  }
}

describe('a Redis outage holds no command', () => {
  let redis: OwnRedis;
  let t: TestApp;
  let url: string;
  let teacher: Actor, student: Actor;
  let chatId: string;
  const clients: WsTestClient[] = [];
  before(async () => {
    redis = new OwnRedis(await freePort());
    await redis.start();
    t = await createTestApp({ demo: true, env: { REDIS_URL: redis.url, PARTA_AUTH_RATE_PER_IP: '30' } });
    url = await listenWs(t.app);
    teacher = await actor(t, DEMO_PHONES.classTeacher5A);
    student = await actor(t, DEMO_PHONES.student5A);
    chatId = (await chatOf(t, teacher, 'class', '5А')).id;
  });
  after(async () => {
    for (const c of clients) c.close();
    await t?.close();
    await redis?.stop();
  });

  test('with Redis down, commands commit and answer at once; when it is back, fan-out resumes and nothing is missed', async () => {
    const watcher = await WsTestClient.connect(url, student.token);
    clients.push(watcher);
    const before = await send(t, teacher, chatId, 'до сбоя');
    await watcher.waitFor((f) => f.type === 'update' && (f.update as { message?: { id: string } }).message?.id === before.id);

    await redis.stop();
    const token = teacher.token;
    const edit = await quickly(
      'an edit',
      t.request('PATCH', `/api/v1/chats/${chatId}/messages/${before.id}`, { token, body: { text: 'до сбоя (исправлено)' } }),
    );
    assert.equal(edit.statusCode, 200, edit.body);
    const reaction = await quickly(
      'a reaction',
      t.request('POST', `/api/v1/chats/${chatId}/messages/${before.id}/reactions`, { token: student.token, body: { emoji: '👍' } }),
    );
    assert.equal(reaction.statusCode, 200, reaction.body);
    const read = await quickly('a read marker', t.request('POST', `/api/v1/chats/${chatId}/read`, { token: student.token, body: { seq: before.seq } }));
    assert.equal(read.statusCode, 200, read.body);
    const sent = await quickly(
      'a send',
      t.request('POST', `/api/v1/chats/${chatId}/messages`, { token, body: { clientId: crypto.randomUUID(), text: 'во время сбоя' } }),
    );
    assert.equal(sent.statusCode, 201, sent.body);
    const file = await quickly('an upload', upload(t, token, chatId, 'План.pdf', MINIMAL_PDF, 'application/pdf'));
    assert.equal(file.statusCode, 201, file.body);
    const withFile = await quickly(
      'a send with a file',
      t.request('POST', `/api/v1/chats/${chatId}/messages`, {
        token,
        body: { clientId: crypto.randomUUID(), text: 'с файлом', attachments: [file.json().id] },
      }),
    );
    assert.equal(withFile.statusCode, 201, withFile.body);
    // The rate limiter counts in memory meanwhile: a code is sent, not a 500.
    const code = await quickly('a sign-in code', t.request('POST', '/api/v1/auth/code', { body: { phone: DEMO_PHONES.guardian5A } }));
    assert.equal(code.statusCode, 202, code.body);
    const extra = await t.signIn(DEMO_PHONES.guardian6B);
    const logout = await quickly('a sign-out', t.request('POST', '/api/v1/auth/logout', { token: extra.token }));
    assert.ok(logout.statusCode === 204 || logout.statusCode === 200, logout.body);
    // What was committed is stored.
    const history = await t.request('GET', `/api/v1/chats/${chatId}/messages`, { token });
    const texts = (history.json().messages as { text: string }[]).map((m) => m.text);
    assert.ok(texts.includes('во время сбоя') && texts.includes('с файлом') && texts.includes('до сбоя (исправлено)'), JSON.stringify(texts));

    await redis.start();
    // The tailer reads what was committed meanwhile; then live fan-out goes on.
    const afterOutage = await send(t, teacher, chatId, 'после сбоя');
    const ids = [sent.json().id as string, withFile.json().id as string, afterOutage.id];
    await Promise.race([
      watcher.until(() => ids.every((id) => watcher.updates().some((u) => u.type === 'message.new' && u.message?.id === id))),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`fan-out did not resume: ${JSON.stringify(watcher.updates().map((u) => u.type))}`)), 20_000),
      ),
    ]);
    const positions = watcher.updates().map((u) => u.pos);
    assert.deepEqual(
      positions,
      [...positions].sort((a, b) => a - b),
      'in position order',
    );
    assert.ok(watcher.updates().some((u) => u.type === 'message.edited'));
    assert.ok(watcher.updates().some((u) => u.type === 'message.reactions'));
  });
});
