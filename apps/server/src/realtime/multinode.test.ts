import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { DEMO_PHONES } from '../demo/seed.ts';
import { createPostgresDatabase, signInOverHttp, startServer, type ServerProcess } from '../testing/processes.ts';
import { WsTestClient } from '../testing/ws-client.ts';

/**
 * Two real server processes on one PostgreSQL database, fanning out through Redis.
 * Needs DATABASE_URL and REDIS_URL (.ci/steps/20-multinode.sh sets both); skipped without them.
 */
const databaseUrl = process.env.DATABASE_URL;
const redisUrl = process.env.REDIS_URL;
const skip = !databaseUrl || !redisUrl ? 'needs DATABASE_URL (PostgreSQL) and REDIS_URL' : false;

describe('two server processes, one PostgreSQL, Redis pub/sub', { skip }, () => {
  let a: ServerProcess;
  let b: ServerProcess;
  let drop = async () => {};
  const clients: WsTestClient[] = [];

  before(async () => {
    const db = await createPostgresDatabase(databaseUrl!);
    drop = db.drop;
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: redisUrl!,
      PARTA_DEV: '1',
      PARTA_CODE_RESEND_SECONDS: '0',
      PARTA_CODES_PER_PHONE_PER_HOUR: '1000',
      PARTA_AUTH_RATE_PER_IP: '100000',
    };
    // A creates the demo school; B starts on the same database afterwards.
    a = await startServer({ ...env, PARTA_DEMO: 'auto' });
    b = await startServer({ ...env, PARTA_DEMO: 'off' });
  });

  after(async () => {
    for (const c of clients) c.close();
    await Promise.all([a?.stop(), b?.stop()]);
    await drop();
  });

  async function classChat(baseUrl: string, token: string): Promise<string> {
    const res = await fetch(`${baseUrl}/api/v1/chats`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    const list = ((await res.json()) as { chats: { id: string; kind: string }[] }).chats;
    const chat = list.find((c) => c.kind === 'class');
    assert.ok(chat, 'the class chat exists');
    return chat.id;
  }

  async function post(baseUrl: string, token: string, chatId: string, text: string) {
    const res = await fetch(`${baseUrl}/api/v1/chats/${chatId}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ clientId: crypto.randomUUID(), text }),
    });
    assert.ok(res.status === 200 || res.status === 201, await res.clone().text());
    return (await res.json()) as { id: string };
  }

  test('a client on process A gets a message sent through process B, and the other way round', async () => {
    const teacher = await signInOverHttp(b.baseUrl, DEMO_PHONES.classTeacher5A);
    const student = await signInOverHttp(a.baseUrl, DEMO_PHONES.student5A);
    const chatId = await classChat(a.baseUrl, student.token);

    const onA = await WsTestClient.connect(a.wsUrl, student.token);
    const onB = await WsTestClient.connect(b.wsUrl, teacher.token);
    clients.push(onA, onB);

    const sent = await post(b.baseUrl, teacher.token, chatId, 'Завтра собрание в 18:00 (через B)');
    const [got] = await onA.waitFor((f) => f.type === 'update' && (f.update as { type: string; message?: { id: string } }).message?.id === sent.id);
    assert.equal((got!.update as { message: { text: string } }).message.text, 'Завтра собрание в 18:00 (через B)');

    const reply = await post(a.baseUrl, student.token, chatId, 'Спасибо! (через A)');
    await onB.waitFor((f) => f.type === 'update' && (f.update as { message?: { id: string } }).message?.id === reply.id);

    // Each side saw both messages once, in position order.
    for (const c of [onA, onB]) {
      const ids = c
        .updates()
        .filter((u) => u.type === 'message.new')
        .map((u) => u.message!.id);
      await c.waitFor((f) => f.type === 'update' && (f.update as { message?: { id: string } }).message?.id === reply.id);
      const all = c.updates().filter((u) => u.type === 'message.new');
      assert.deepEqual(
        all.map((u) => u.message!.id).filter((id) => id === sent.id || id === reply.id),
        [sent.id, reply.id],
      );
      assert.ok(ids.length <= all.length);
      const positions = c.updates().map((u) => u.pos);
      assert.deepEqual(
        positions,
        [...positions].sort((x, y) => x - y),
      );
      assert.equal(new Set(positions).size, positions.length);
    }
  });

  test('concurrent sends through both processes reach clients on both in position order, none missing', async () => {
    const teacher = await signInOverHttp(b.baseUrl, DEMO_PHONES.classTeacher5A);
    const student = await signInOverHttp(a.baseUrl, DEMO_PHONES.student5A);
    const chatId = await classChat(a.baseUrl, student.token);
    const onA = await WsTestClient.connect(a.wsUrl, student.token);
    const onB = await WsTestClient.connect(b.wsUrl, teacher.token);
    clients.push(onA, onB);
    const from = { A: (onA.of('ready')[0] as unknown as { position: number }).position, B: (onB.of('ready')[0] as unknown as { position: number }).position };

    // Publishers on two processes race: their wake-ups reach each process in any order.
    const sent = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 ? post(a.baseUrl, student.token, chatId, `A ${i}`) : post(b.baseUrl, teacher.token, chatId, `B ${i}`))),
    );
    const ids = new Set(sent.map((m) => m.id));
    for (const [name, c, token, base] of [
      ['A', onA, student.token, a.baseUrl],
      ['B', onB, teacher.token, b.baseUrl],
    ] as const) {
      await c.until(() => c.updates().filter((u) => u.type === 'message.new' && ids.has(u.message!.id)).length === ids.size);
      const positions = c.updates().map((u) => u.pos);
      assert.ok(
        positions.every((p, i) => i === 0 || p > positions[i - 1]!),
        `${name}: positions in order: ${positions.join(',')}`,
      );
      // The same range read from the stored stream: the live sequence has no gap.
      const res = await fetch(`${base}/api/v1/updates?after=${from[name]}&limit=500`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200);
      const stored = ((await res.json()) as { updates: { pos: number }[] }).updates.map((u) => u.pos);
      const lastLive = positions[positions.length - 1]!;
      assert.deepEqual(
        positions,
        stored.filter((p) => p <= lastLive),
        `${name}: live positions equal the stored stream`,
      );
    }
  });

  test('typing on process B reaches a member on process A', async () => {
    const teacher = await signInOverHttp(b.baseUrl, DEMO_PHONES.classTeacher5A);
    const student = await signInOverHttp(a.baseUrl, DEMO_PHONES.student5A);
    const chatId = await classChat(a.baseUrl, student.token);
    const onA = await WsTestClient.connect(a.wsUrl, student.token);
    const onB = await WsTestClient.connect(b.wsUrl, teacher.token);
    clients.push(onA, onB);
    onB.send({ type: 'typing', chatId });
    const [typing] = await onA.waitFor((f) => f.type === 'typing');
    assert.equal(typing!.chatId, chatId);
    assert.equal(typing!.userId, teacher.userId);
  });
});
