import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { DEMO_PHONES } from '../demo/seed.ts';
import { actor, batchedSend, chatOf, type Actor } from './test-helpers.ts';
import { outsideHoursSql, quietUntil } from './quiet.ts';
import { sendBatcher } from './send-batch.ts';
import { readStream, streamHead } from '../stream/read.ts';

/** Group commit (send-batch.ts) through the public API, on the embedded database and on PostgreSQL. */
describe('group commit of sends', () => {
  let t: TestApp;
  let teacher: Actor;
  before(async () => {
    t = await createTestApp({ demo: true });
    teacher = await actor(t, DEMO_PHONES.classTeacher5A);
  });
  after(() => t.close());

  const post = (chatId: string, clientId: string, text: string, token = teacher.token) =>
    t.request('POST', `/api/v1/chats/${chatId}/messages`, { token, body: { clientId, text } });

  const message = (chatId: string, clientId: string) => batchedSend(teacher, chatId, clientId, 'В батче');

  test('sends that arrive together are stored in shared batches, each chat gap-free and every event in order', async () => {
    const chats = [await chatOf(t, teacher, 'parents', '5А'), await chatOf(t, teacher, 'class', '5А'), await chatOf(t, teacher, 'staff')];
    const db = t.runtime.ctx.db;
    const start = (await streamHead(db)).head;
    const seqBefore = new Map(chats.map((c) => [c.id, c.lastSeq]));
    const batcher = sendBatcher(t.runtime.ctx);
    const [batches0, items0] = [batcher.batches, batcher.items];

    const res = await Promise.all(Array.from({ length: 45 }, (_, i) => post(chats[i % 3]!.id, `together-${i}`, `Сообщение ${i}`)));
    for (const r of res) assert.equal(r.statusCode, 201, r.body);
    assert.equal(batcher.items - items0, 45);
    // On PostgreSQL requests run in parallel and meet in batches. The embedded database runs one
    // statement at a time, so each send's checks end after the batch before it: batches of one.
    if (t.runtime.ctx.dbKind === 'postgres') assert.ok(batcher.batches - batches0 < 45, `45 sends in ${batcher.batches - batches0} batches`);

    for (const c of chats) {
      const seqs = res
        .map((r) => r.json())
        .filter((m) => m.chatId === c.id)
        .map((m) => m.seq)
        .sort((a, b) => a - b);
      const from = seqBefore.get(c.id)!;
      assert.deepEqual(
        seqs,
        Array.from({ length: 15 }, (_, i) => from + 1 + i),
        `chat ${c.kind}: seqs without gaps`,
      );
    }
    // Within a chat, the order of seq is the order of the stream.
    const page = await readStream(db, teacher.userId, start, 500);
    assert.equal(page.resync, false);
    if (page.resync) return;
    const news = page.updates.filter((u) => u.type === 'message.new');
    assert.equal(news.length, 45);
    const positions = page.updates.map((u) => u.pos);
    assert.deepEqual(
      positions,
      Array.from({ length: positions.length }, (_, i) => start + 1 + i),
      'positions are dense',
    );
    for (const c of chats) {
      const inOrder = news.flatMap((u) => (u.type === 'message.new' && u.chatId === c.id ? [u.message.seq] : []));
      assert.deepEqual(
        inOrder,
        [...inOrder].sort((a, b) => a - b),
      );
    }
    // The stored message is the one answered and the one in the stream.
    const one = res[7]!.json();
    const stored = news.find((u) => u.type === 'message.new' && u.message.id === one.id);
    assert.ok(stored && stored.type === 'message.new');
    assert.deepEqual(stored.message, one);
    const history = await t.request('GET', `/api/v1/chats/${one.chatId}/messages?limit=50`, { token: teacher.token });
    assert.deepEqual(
      history.json().messages.find((m: { id: string }) => m.id === one.id),
      one,
    );
    // The author's read marker follows the author's last message.
    const chatsNow = (await t.request('GET', '/api/v1/chats', { token: teacher.token })).json().chats as {
      id: string;
      lastSeq: number;
      lastReadSeq: number;
      unreadCount: number;
    }[];
    for (const c of chats) {
      const now = chatsNow.find((x) => x.id === c.id)!;
      assert.equal(now.lastReadSeq, now.lastSeq);
      assert.equal(now.unreadCount, 0);
    }
  });

  test('sends and read markers of one author in one chat at the same moment all succeed (no lock cycle)', async () => {
    const chat = await chatOf(t, teacher, 'parents', '5А');
    const failures: string[] = [];
    const warn = t.runtime.ctx.log.warn.bind(t.runtime.ctx.log);
    t.runtime.ctx.log.warn = ((obj: unknown, msg?: string) => {
      failures.push(String(msg));
      return warn(obj as object, msg);
    }) as typeof t.runtime.ctx.log.warn;
    try {
      for (let round = 0; round < 10; round++) {
        const res = await Promise.all([
          ...[0, 1, 2].map((i) => post(chat.id, `cycle-${round}-${i}`, `Круг ${round}`)),
          t.request('POST', `/api/v1/chats/${chat.id}/read`, { token: teacher.token, body: { seq: 1 } }),
          t.request('POST', `/api/v1/chats/${chat.id}/read`, { token: teacher.token, body: { seq: 2 } }),
        ]);
        assert.deepEqual(
          res.map((r) => r.statusCode),
          [201, 201, 201, 200, 200],
          res.map((r) => r.body).join('\n'),
        );
      }
      assert.deepEqual(
        failures.filter((f) => f.includes('batch')),
        [],
        'no batch fell back',
      );
    } finally {
      t.runtime.ctx.log.warn = warn;
    }
  });

  test('two tries of one send in one batch store one message and answer both with it', async () => {
    const chat = await chatOf(t, teacher, 'parents', '5А');
    const [a, b, other] = await Promise.all([
      post(chat.id, 'twice', 'Собрание в 18:00'),
      post(chat.id, 'twice', 'Собрание в 18:00'),
      post(chat.id, 'after-twice', 'Повестка'),
    ]);
    assert.deepEqual([a.statusCode, b.statusCode].sort(), [200, 201]);
    assert.equal(a.json().id, b.json().id);
    assert.equal(other.statusCode, 201);
    const rows = await t.runtime.ctx.db
      .selectFrom('messages')
      .select(['id', 'seq'])
      .where('chat_id', '=', chat.id)
      .where('client_id', 'in', ['twice', 'after-twice'])
      .execute();
    assert.equal(rows.length, 2);
    const next = await post(chat.id, 'after-twice-2', 'Ещё');
    const seqs = [...rows.map((r) => Number(r.seq)), next.json().seq].sort((x, y) => x - y);
    assert.deepEqual(seqs, [seqs[0], seqs[0]! + 1, seqs[0]! + 2], 'no seq was lost to the second try');
  });

  test('a retry of a stored send fails its batch on the unique client id: each send of it goes alone, none lost, none numbered twice', async () => {
    const db = t.runtime.ctx.db;
    const chat = await chatOf(t, teacher, 'staff');
    const first = await post(chat.id, 'stored-before', 'Первое');
    assert.equal(first.statusCode, 201);
    const batcher = sendBatcher(t.runtime.ctx);
    // After a quiet spell (longer than the time between batches) the first runs at once, alone;
    // the three behind it are one batch, which holds the retry.
    await new Promise((resolve) => setTimeout(resolve, t.runtime.ctx.config.sendBatchMs + 20));
    const results = await Promise.all([
      batcher.submit(message(chat.id, 'retry-lead')),
      batcher.submit(message(chat.id, 'stored-before')),
      batcher.submit(message(chat.id, 'beside-retry-1')),
      batcher.submit(message(chat.id, 'beside-retry-2')),
    ]);
    assert.notEqual(results[0], 'single');
    assert.deepEqual(results.slice(1), ['single', 'single', 'single']);
    const kept = await db
      .selectFrom('messages')
      .select('client_id')
      .where('chat_id', '=', chat.id)
      .where('client_id', 'in', ['stored-before', 'beside-retry-1', 'beside-retry-2'])
      .execute();
    assert.deepEqual(
      kept.map((r) => r.client_id),
      ['stored-before'],
      'the failed batch stored nothing',
    );
    // Through the API: the retry is answered with the stored message, the others are stored after it.
    const res = await Promise.all([
      post(chat.id, 'api-lead', 'Раз'),
      post(chat.id, 'stored-before', 'Первое'),
      post(chat.id, 'api-beside-1', 'Два'),
      post(chat.id, 'api-beside-2', 'Три'),
    ]);
    assert.deepEqual(
      res.map((r) => r.statusCode),
      [201, 200, 201, 201],
      res.map((r) => r.body).join('\n'),
    );
    assert.equal(res[1]!.json().id, first.json().id);
    const seqs = [res[0], res[2], res[3]].map((r) => r!.json().seq as number).sort((a, b) => a - b);
    assert.deepEqual(seqs, [seqs[0], seqs[0]! + 1, seqs[0]! + 2], 'gap-free after the failed batch');
  });

  test('a batch leaves a send to an archived chat to the one-at-a-time path and stores the rest', async () => {
    const db = t.runtime.ctx.db;
    const open = await chatOf(t, teacher, 'staff');
    const cls = await chatOf(t, teacher, 'class', '5А');
    await db.updateTable('chats').set({ archived_at: new Date() }).where('id', '=', cls.id).execute();
    try {
      const batcher = sendBatcher(t.runtime.ctx);
      // After a quiet spell the first runs at once, alone; the other five queue behind it and are
      // written as one batch. A pause on a loaded host longer than the interval between batches,
      // while the first is being handed to the database, lets the second start a batch of its own
      // (two may be in flight); the four behind it, with the archived chat's, still share one.
      await new Promise((resolve) => setTimeout(resolve, t.runtime.ctx.config.sendBatchMs + 20));
      const batches0 = batcher.batches;
      const results = await Promise.all([
        batcher.submit(message(open.id, 'batch-first')),
        batcher.submit(message(open.id, 'batch-second')),
        batcher.submit(message(cls.id, 'batch-archived')),
        ...[1, 2, 3].map((i) => batcher.submit(message(open.id, `batch-open-${i}`))),
      ]);
      assert.ok([2, 3].includes(batcher.batches - batches0), `six sends in ${batcher.batches - batches0} batches`);
      assert.equal(results[2], 'single');
      const seqs = results.filter((r) => r !== 'single').map((r) => (r as { seq: number }).seq);
      assert.deepEqual(
        [...seqs].sort((a, b) => a - b),
        Array.from({ length: 5 }, (_, i) => Math.min(...seqs) + i),
        'the others get consecutive seqs',
      );
      assert.deepEqual(
        seqs.slice(1),
        [0, 1, 2, 3].map((i) => seqs[1]! + i),
        'within a batch, in submission order',
      );
      assert.equal((await db.selectFrom('messages').select('id').where('client_id', '=', 'batch-archived').execute()).length, 0);
      assert.equal((await db.selectFrom('messages').select('id').where('client_id', '=', 'batch-second').execute()).length, 1);
      // Through the API, the archived chat refuses the send.
      const refused = await post(cls.id, 'api-archived', 'Нельзя');
      assert.equal(refused.statusCode, 403);
      assert.equal(refused.json().error.code, 'posting_not_allowed');
    } finally {
      await db.updateTable('chats').set({ archived_at: null }).where('id', '=', cls.id).execute();
    }
  });

  test("a batch waiting on a chat's lock does not hold up the next batch: sends to other chats are stored meanwhile", async (c) => {
    // The embedded database runs one statement at a time: there, nothing can wait on a lock.
    if (t.runtime.ctx.dbKind !== 'postgres') return c.skip('needs PostgreSQL (one connection in the embedded database)');
    const db = t.runtime.ctx.db;
    const held = await chatOf(t, teacher, 'class', '5А');
    const free = await chatOf(t, teacher, 'staff');
    const batcher = sendBatcher(t.runtime.ctx);
    const start = (await streamHead(db)).head;
    let blocked: Promise<unknown> | undefined;
    const during = await db.transaction().execute(async (trx) => {
      // Another writer holds the chat's row, as a send with files or adding members does.
      await trx.selectFrom('chats').select('id').where('id', '=', held.id).forNoKeyUpdate().execute();
      await new Promise((resolve) => setTimeout(resolve, t.runtime.ctx.config.sendBatchMs + 20));
      blocked = batcher.submit(message(held.id, 'behind-a-lock'));
      await new Promise((resolve) => setTimeout(resolve, 50));
      const passed = batcher.submit(message(free.id, 'past-the-lock'));
      const first = await Promise.race([passed, new Promise((resolve) => setTimeout(() => resolve('held up'), 5_000))]);
      const stillBlocked = await Promise.race([blocked.then(() => 'stored'), new Promise((resolve) => setImmediate(() => resolve('waiting')))]);
      return { first, stillBlocked };
    });
    assert.notEqual(during.first, 'held up', 'the send to another chat was stored while the first batch waited');
    assert.notEqual(during.first, 'single');
    assert.equal(during.stillBlocked, 'waiting', 'the first batch waited for the lock');
    const late = (await blocked) as { seq: number };
    assert.equal(late.seq, held.lastSeq + 1, 'numbered after the lock was released');
    // Positions in commit order, dense: the send that went past the lock comes first.
    const page = await readStream(db, teacher.userId, start, 50);
    assert.equal(page.resync, false);
    if (page.resync) return;
    const news = page.updates.filter((u) => u.type === 'message.new');
    assert.deepEqual(
      news.map((u) => (u.type === 'message.new' ? u.message.clientId : '')),
      ['past-the-lock', 'behind-a-lock'],
    );
    assert.deepEqual(
      page.updates.map((u) => u.pos),
      Array.from({ length: page.updates.length }, (_, i) => start + 1 + i),
    );
  });

  test('a writer that holds the stream counter and adds an event to a chat a batch has locked does not deadlock with it', async (c) => {
    if (t.runtime.ctx.dbKind !== 'postgres') return c.skip('needs PostgreSQL (one connection in the embedded database)');
    const db = t.runtime.ctx.db;
    const chat = await chatOf(t, teacher, 'parents', '5А');
    const batcher = sendBatcher(t.runtime.ctx);
    class Undo extends Error {}
    let stored: Promise<unknown> | undefined;
    let inserted: unknown;
    await assert.rejects(
      db.transaction().execute(async (trx) => {
        // Another writer's last statement (stream.ts, Outbox.flush): the counter, then its events,
        // whose foreign key takes a key-share lock on the chat.
        const head = await sql<{ head: string | number }>`UPDATE stream_state SET head = head + 1 WHERE id = 1 RETURNING head`.execute(trx);
        await new Promise((resolve) => setTimeout(resolve, t.runtime.ctx.config.sendBatchMs + 20));
        // The batch locks the chat, then waits here for the counter.
        stored = batcher.submit(message(chat.id, 'beside-the-counter'));
        await new Promise((resolve) => setTimeout(resolve, 200));
        const insert =
          sql`INSERT INTO chat_events (pos, chat_id, type, payload) VALUES (${Number(head.rows[0]!.head)}, ${chat.id}, 'message.new', '{}')`.execute(trx);
        inserted = await Promise.race([
          insert.then(
            () => 'inserted',
            (err: { code?: string }) => `failed ${err.code}`,
          ),
          new Promise((resolve) => setTimeout(() => resolve('waiting'), 3_000)),
        ]);
        // Nothing of this writer is kept: the stream stays as the other tests expect it.
        throw new Undo();
      }),
      Undo,
    );
    assert.equal(inserted, 'inserted', 'the event was written while the batch held the chat');
    const result = await stored;
    assert.notEqual(result, 'single', 'the batch was not ended as a deadlock victim');
    assert.equal((result as { seq: number }).seq, chat.lastSeq + 1);
  });

  test('the SQL rule for working hours agrees with quietUntil', async () => {
    const db = t.runtime.ctx.db;
    const configs = [
      { timezone: 'Europe/Moscow', start_minute: 9 * 60, end_minute: 18 * 60, days: [1, 2, 3, 4, 5] },
      { timezone: 'Asia/Vladivostok', start_minute: 8 * 60 + 30, end_minute: 20 * 60, days: [1, 2, 3, 4, 5, 6] },
      { timezone: 'Europe/Kaliningrad', start_minute: 0, end_minute: 1440, days: [7] },
      { timezone: 'UTC', start_minute: 600, end_minute: 601, days: [1, 2, 3, 4, 5, 6, 7] },
    ];
    // Every 37 minutes over eight days, across a change of daylight saving time in Europe (where Moscow has none).
    const instants = Array.from({ length: (8 * 1440) / 37 }, (_, i) => new Date(Date.UTC(2026, 2, 25) + i * 37 * 60_000));
    for (const h of configs) {
      const res = await sql<{ at: Date; outside: boolean }>`
        SELECT a.at, ${outsideHoursSql('w', 'a.at')} AS outside
        FROM unnest(${instants.map((d) => d.toISOString())}::timestamptz[]) AS a(at),
             (SELECT ${h.timezone}::text AS timezone, ${h.start_minute}::int AS start_minute, ${h.end_minute}::int AS end_minute,
                     ${`{${h.days.join(',')}}`}::smallint[] AS days, gen_random_uuid() AS user_id) w
        ORDER BY a.at`.execute(db);
      assert.equal(res.rows.length, instants.length);
      for (const r of res.rows) assert.equal(r.outside, quietUntil(h, new Date(r.at)) !== null, `${h.timezone} at ${new Date(r.at).toISOString()}`);
    }
  });
});
