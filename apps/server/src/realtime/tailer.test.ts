import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { listenWs, WsTestClient } from '../testing/ws-client.ts';
import { DEMO_PHONES } from '../demo/seed.ts';
import { actor, chatOf, send, type Actor } from '../messaging/test-helpers.ts';
import { STREAM_TOPIC } from '../stream/bus.ts';
import { readStream } from '../stream/read.ts';
import { InProcessPubSub, type PubSub, type PubSubHandler } from './pubsub.ts';
import { StreamTailer, type TailedUpdate, type TailerOptions } from './tailer.ts';

/**
 * The in-process pub/sub, with one switch: while held, wake-ups on `stream` are kept back, and
 * `release` hands them out newest first, as two publishers racing through a broker could.
 */
class ReorderingPubSub implements PubSub {
  readonly name = 'in-process, reordering';
  private readonly inner = new InProcessPubSub();
  private held: [string, string][] | null = null;

  hold(): void {
    this.held = [];
  }

  /** Wake-ups held back so far. */
  get waiting(): number {
    return this.held?.length ?? 0;
  }

  /** Publishes what was held, in reverse order; returns how many. */
  async release(): Promise<number> {
    const held = this.held ?? [];
    this.held = null;
    for (const [topic, message] of [...held].reverse()) await this.inner.publish(topic, message);
    return held.length;
  }

  async publish(topic: string, message: string): Promise<void> {
    if (this.held && topic === STREAM_TOPIC) this.held.push([topic, message]);
    else await this.inner.publish(topic, message);
  }

  subscribe(topic: string, handler: PubSubHandler): Promise<() => Promise<void>> {
    return this.inner.subscribe(topic, handler);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`gave up waiting: ${what}`);
}

const strictlyIncreasing = (xs: number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]!);

describe('stream tailer: live delivery in position order across publishers', () => {
  let t: TestApp;
  let url: string;
  const pubsub = new ReorderingPubSub();
  let teacher: Actor;
  let student: Actor;
  let classChatId: string;
  const clients: WsTestClient[] = [];

  before(async () => {
    t = await createTestApp({ demo: true, overrides: { pubsub } });
    url = await listenWs(t.app);
    teacher = await actor(t, DEMO_PHONES.classTeacher5A);
    student = await actor(t, DEMO_PHONES.student5A);
    classChatId = (await chatOf(t, student, 'class')).id;
  });
  after(async () => {
    for (const c of clients) c.close();
    await t.close();
  });

  /** A tailer of its own with one listener: the teacher, following the class chat. */
  async function teacherTailer(options: TailerOptions) {
    const tailer = new StreamTailer(t.runtime.ctx.db, t.runtime.ctx.stream, t.runtime.ctx.log, options);
    await tailer.ready;
    const got: TailedUpdate[] = [];
    const listener = { userId: teacher.userId, onTail: (u: TailedUpdate) => got.push(u) };
    tailer.addUser(listener);
    tailer.follow(classChatId, listener);
    return { tailer, got };
  }

  test('wake-ups for positions 1..N delivered newest first: the listener gets every position once, in order', async () => {
    const db = t.runtime.ctx.db;
    // As another process's tailer would: it learns of the sends only through the wake-ups.
    const { tailer, got } = await teacherTailer({ batch: 3, pollMs: 0, local: false });
    try {
      const start = tailer.position;

      pubsub.hold();
      const sent = [];
      for (let i = 1; i <= 10; i++) sent.push(await send(t, teacher, classChatId, `по порядку ${i}`));
      // A batch publishes its wake-up on the event loop's next turn (send-batch.ts).
      await until(() => pubsub.waiting >= 10, 'ten wake-ups');
      assert.equal(got.length, 0, 'nothing is read without a wake-up');
      assert.ok((await pubsub.release()) >= 10);

      const last = sent[sent.length - 1]!;
      await until(() => got.some((u) => u.type === 'message.new' && u.frame.includes(last.id)), 'the last message');
      const page = await readStream(db, teacher.userId, start);
      assert.ok(!page.resync);
      if (page.resync) return;
      const positions = got.map((u) => u.pos);
      assert.ok(strictlyIncreasing(positions), `positions in order: ${positions.join(',')}`);
      // Exactly what the account's stream holds over the same range: nothing missing, nothing extra.
      assert.deepEqual(
        positions,
        page.updates.map((u) => u.pos).filter((p) => p <= positions[positions.length - 1]!),
      );
      const texts = got
        .filter((u) => u.type === 'message.new')
        .map((u) => (JSON.parse(u.frame.toString()) as { update: { message: { text: string } } }).update.message.text);
      assert.deepEqual(
        texts,
        sent.map((m) => m.text),
      );
      // Batches of 3 rows: the newest wake-up read everything; the older ones found nothing new.
      assert.ok(tailer.reads <= 2 + Math.ceil(got.length / 3) + 10);
    } finally {
      await tailer.close();
    }
  });

  test('sends of this process reach its tailer without a read or a wake-up; an event it was not handed is read first, in order', async () => {
    const db = t.runtime.ctx.db;
    const { tailer, got } = await teacherTailer({ batch: 50, pollMs: 0 });
    try {
      await until(() => !tailer.reading, 'the first read');
      const start = tailer.position;
      pubsub.hold();
      const reads = tailer.reads;
      const first: Awaited<ReturnType<typeof send>>[] = [];
      for (let i = 1; i <= 5; i++) first.push(await send(t, teacher, classChatId, `без чтения ${i}`));
      // Handed over on the event loop's next turn after the batch (send-batch.ts).
      await until(() => tailer.rowsOffered === 5, 'five offered');
      assert.equal(tailer.reads, reads, 'no read');
      assert.deepEqual(
        got.map((u) => u.pos),
        [1, 2, 3, 4, 5].map((i) => start + i),
      );
      // A reaction is written by another path (its own transaction): the next send is not the next
      // position, so the tailer reads, and delivers the reaction before the send.
      const reacted = await t.request('POST', `/api/v1/chats/${classChatId}/messages/${first[0]!.id}/reactions`, {
        token: teacher.token,
        body: { emoji: '👍' },
      });
      assert.equal(reacted.statusCode, 200, reacted.body);
      const after = await send(t, teacher, classChatId, 'после реакции');
      await until(() => got.some((u) => u.frame.includes(after.id)), 'the send after the reaction');
      assert.ok(tailer.reads > reads);
      assert.deepEqual(
        got.slice(5).map((u) => u.type),
        ['message.reactions', 'message.new'],
      );
      assert.ok(strictlyIncreasing(got.map((u) => u.pos)));
      const page = await readStream(db, teacher.userId, start);
      assert.ok(!page.resync);
      if (page.resync) return;
      assert.deepEqual(
        got.map((u) => u.pos),
        page.updates.map((u) => u.pos),
      );
      // The frame handed over is the frame a read would give.
      const stored = page.updates.find((u) => u.type === 'message.new' && u.message.id === first[2]!.id)!;
      assert.deepEqual(JSON.parse(got[2]!.frame.toString()).update, stored);
    } finally {
      await pubsub.release();
      await tailer.close();
    }
  });

  test('a WebSocket client gets concurrent sends in position order with none missing, whatever order the wake-ups come in', async () => {
    const c = await WsTestClient.connect(url, student.token);
    clients.push(c);
    const from = (c.of('ready')[0] as unknown as { position: number }).position;

    pubsub.hold();
    // Concurrent sends from two authors: their commits interleave.
    const sent = await Promise.all(Array.from({ length: 12 }, (_, i) => send(t, i % 2 ? teacher : student, classChatId, `одновременно ${i}`)));
    await pubsub.release();

    const ids = new Set(sent.map((m) => m.id));
    await c.until(() => c.updates().filter((u) => u.type === 'message.new' && ids.has(u.message!.id)).length === ids.size);
    const positions = c.updates().map((u) => u.pos);
    assert.ok(strictlyIncreasing(positions), `positions in order: ${positions.join(',')}`);
    const page = await readStream(t.runtime.ctx.db, student.userId, from);
    assert.ok(!page.resync);
    if (page.resync) return;
    assert.deepEqual(
      positions,
      page.updates.map((u) => u.pos).filter((p) => p <= positions[positions.length - 1]!),
    );
  });

  test('a removed member gets chat.removed and nothing of the chat after it', async () => {
    const admin = await actor(t, DEMO_PHONES.admin);
    const removed = await actor(t, DEMO_PHONES.student5A);
    const c = await WsTestClient.connect(url, removed.token);
    const watcher = await WsTestClient.connect(url, teacher.token);
    clients.push(c, watcher);
    const chat = await chatOf(t, removed, 'class');
    const before = await send(t, teacher, chat.id, 'до ухода');
    await c.waitFor((f) => f.type === 'update' && (f.update as { message?: { id: string } }).message?.id === before.id);
    const left = await t.request('DELETE', `/api/v1/schools/${admin.schoolId}/classes/${chat.classId}/students/${removed.personId}`, { token: admin.token });
    assert.equal(left.statusCode, 204, left.body);
    const afterRemoval = await send(t, teacher, chat.id, 'после ухода');
    await c.waitFor((f) => f.type === 'update' && (f.update as { type: string }).type === 'chat.removed');
    // The teacher's socket on the same process got the later message, so the tailer has dispatched
    // it; a pong sent after that on the removed member's socket comes behind anything sent before.
    await watcher.waitFor((f) => f.type === 'update' && (f.update as { message?: { id: string } }).message?.id === afterRemoval.id);
    c.send({ type: 'ping', id: 'barrier' });
    await c.waitFor((f) => f.type === 'pong' && f.id === 'barrier');
    assert.ok(!c.updates().some((u) => u.type === 'message.new' && u.message!.id === afterRemoval.id));
    assert.ok(c.updates().some((u) => u.type === 'message.new' && u.message!.id === before.id));
    const positions = c.updates().map((u) => u.pos);
    assert.ok(strictlyIncreasing(positions));
  });
});
