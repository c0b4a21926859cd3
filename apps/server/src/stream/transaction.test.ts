import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { DEMO_PHONES } from '../demo/seed.ts';
import { actor, chatOf } from '../messaging/test-helpers.ts';
import { STREAM_TOPIC } from './bus.ts';
import { streamHead } from './read.ts';
import { withOutbox } from './transaction.ts';

/**
 * The stream's transaction wrapper (stream/transaction.ts): events are written last, the
 * after-commit work and the readers' wake-up run only once the transaction has committed, and a
 * roster change made by another domain rides on the same outbox, with no polling for its commit.
 */
describe('withOutbox: events on commit', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ demo: true });
  });
  after(() => t.close());

  const wakeups = async () => {
    const got: number[] = [];
    const off = await t.runtime.ctx.pubsub.subscribe(STREAM_TOPIC, (_t, m) => got.push((JSON.parse(m) as { pos: number }).pos));
    return { got, off };
  };
  const settle = () => new Promise((r) => setTimeout(r, 50));

  test('after-commit work runs after the commit, in order, and sees the committed rows; the wake-up names the last position', async () => {
    const ctx = t.runtime.ctx;
    const teacher = await actor(t, DEMO_PHONES.classTeacher5A);
    const chat = await chatOf(t, teacher, 'parents', '5А');
    const { got, off } = await wakeups();
    const seen: string[] = [];
    let headInside = 0;
    const before = (await streamHead(ctx.db)).head;
    await withOutbox(ctx, async (trx, outbox) => {
      outbox.chat(chat.id, { type: 'chat.updated', chat: { id: chat.id } } as never);
      outbox.afterCommit(async () => {
        // A fresh connection sees the events: they are committed.
        headInside = (await streamHead(ctx.db)).head;
        seen.push('first');
      });
      outbox.afterCommit(() => {
        seen.push('second');
      });
      // Nothing is written until the work returns: the counter row is not held meanwhile.
      assert.equal((await streamHead(trx)).head, before);
    });
    await settle();
    await off();
    assert.deepEqual(seen, ['first', 'second']);
    assert.equal(headInside, before + 1);
    assert.deepEqual(got, [before + 1]);
  });

  test('a rolled-back transaction writes no event, runs no after-commit work and wakes nobody', async () => {
    const ctx = t.runtime.ctx;
    const teacher = await actor(t, DEMO_PHONES.classTeacher5A);
    const chat = await chatOf(t, teacher, 'parents', '5А');
    const { got, off } = await wakeups();
    const before = (await streamHead(ctx.db)).head;
    let ran = false;
    await assert.rejects(
      withOutbox(ctx, async (_trx, outbox) => {
        outbox.chat(chat.id, { type: 'chat.updated', chat: { id: chat.id } } as never);
        outbox.afterCommit(() => {
          ran = true;
        });
        throw new Error('refused');
      }),
      /refused/,
    );
    await settle();
    await off();
    assert.equal(ran, false);
    assert.equal((await streamHead(ctx.db)).head, before);
    assert.deepEqual(got, []);
  });

  test('failing after-commit work does not turn a committed command into an error', async () => {
    const ctx = t.runtime.ctx;
    const result = await withOutbox(ctx, async (_trx, outbox) => {
      outbox.afterCommit(() => {
        throw new Error('best effort');
      });
      return 'stored';
    });
    assert.equal(result, 'stored');
  });

  test('a roster change adds its chat events to the command’s own outbox: one block of positions, one wake-up, no polling', async () => {
    const ctx = t.runtime.ctx;
    const admin = await actor(t, DEMO_PHONES.admin);
    const cls = (await t.request('POST', `/api/v1/schools/${admin.schoolId}/classes`, { token: admin.token, body: { name: '7В', grade: 7 } })).json();
    const teacher = await actor(t, DEMO_PHONES.classTeacher6B);
    const { got, off } = await wakeups();
    const before = (await streamHead(ctx.db)).head;
    // The teacher (who has an account) joins 7В's chats: messaging's roster listener writes the events.
    const assigned = await t.request('POST', `/api/v1/schools/${admin.schoolId}/classes/${cls.id}/teachers`, {
      token: admin.token,
      body: { personId: teacher.personId, subject: 'Физика' },
    });
    assert.equal(assigned.statusCode, 204, assigned.body);
    // Read the head only after the answer: the events were committed with the command.
    const head = (await streamHead(ctx.db)).head;
    await settle();
    await off();
    assert.ok(head > before, 'the enrolment wrote chat events');
    assert.deepEqual(got, [head], 'one wake-up, for the whole block, right after the commit');
  });
});
