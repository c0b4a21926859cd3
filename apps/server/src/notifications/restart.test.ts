import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestApp } from '../testing/harness.ts';
import type { PushService, TestSubscription } from '../testing/push-service.ts';
import { send, type Actor } from '../messaging/test-helpers.ts';
import { expandOnce, noPresence } from './expand.ts';
import { claimDue } from './sender.ts';
import { notifyFixture, type NotifyFixture } from './test-fixture.ts';
import { NotificationWorker } from './worker.ts';

/**
 * A restart neither loses nor doubles a notification: everything the worker knows is in the
 * database (its place in the stream, the deliveries and their claims), so a new worker over the
 * same database (as after a restart, or a crash) takes up exactly what is left.
 */
describe('delivery across restarts', () => {
  let f: NotifyFixture;
  let t: TestApp;
  let ps: PushService;
  let teacher: Actor;
  let parentsChat: string;
  const devices: TestSubscription[] = [];
  const clock = () => f.clock();
  const start = () => NotificationWorker.start(t.runtime.ctx, { agent: ps.agent, now: clock, pollMs: 0, leaseMs: 30_000 });
  /** Pushes per device and message: each must be exactly 1. */
  const perMessage = async () => {
    const counts = new Map<string, number>();
    for (const r of ps.received) {
      const id = (JSON.parse(r.text) as { id: string }).id;
      const d = await t.runtime.ctx.db.selectFrom('push_deliveries').select('message_id').where('id', '=', id).executeTakeFirstOrThrow();
      const key = `${r.subscription}:${d.message_id}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  };

  before(async () => {
    f = await notifyFixture();
    ({ t, ps, teacher, parentsChat } = f);
    for (const a of [f.guardian, f.otherGuardian]) devices.push(await f.subscribe(a.token));
  });
  after(() => f.close());

  test('messages sent while no worker runs, a worker that died holding claims, and a replayed stream: each push leaves exactly once', async () => {
    const first = await start();
    await first.drain();
    const key = first['sender'].vapid.publicKey;
    const m1 = await send(t, teacher, parentsChat, 'До остановки');
    await first.drain();
    await first.stop();
    // The server is down: messages keep being stored.
    const down = [await send(t, teacher, parentsChat, 'Пока сервер лежит, 1'), await send(t, teacher, parentsChat, 'Пока сервер лежит, 2')];
    assert.equal(ps.received.length, 2);

    // A process reads the stream, claims the deliveries, and dies before pushing them.
    const read = await expandOnce(t.runtime.ctx.db, { now: clock(), presence: noPresence });
    assert.equal(read.deliveries, 4);
    const claimed = await claimDue(t.runtime.ctx.db, clock(), 100, 30_000);
    assert.equal(claimed.length, 4);

    // Its stream cursor is set back, as if its last move were lost: re-reading adds nothing.
    await t.runtime.ctx.db.updateTable('notification_cursor').set({ pos: 0 }).where('id', '=', 1).execute();
    const third = await start();
    assert.equal(third['sender'].vapid.publicKey, key, 'the same VAPID key after a restart');
    await third.drain();
    // The claims are still leased to the dead worker: nothing yet.
    assert.equal(ps.received.length, 2);
    const rows = await t.runtime.ctx.db.selectFrom('push_deliveries').select(['id']).execute();
    assert.equal(rows.length, 6, 'one delivery per device and message, whatever was read twice');
    // After the lease, the new worker takes them up.
    f.offset = 31_000;
    await third.drain();
    await third.stop();
    const counts = await perMessage();
    for (const m of [m1, ...down]) for (const d of devices) assert.equal(counts.get(`${d.id}:${m.id}`), 1, `${d.id} ${m.text}`);
    assert.equal(ps.received.length, 6);
    assert.deepEqual(ps.rejected, []);
  });
});
