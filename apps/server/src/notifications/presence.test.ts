import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InProcessPubSub } from '../realtime/pubsub.ts';
import { SharedPresence } from './presence.ts';

const settle = () => new Promise((r) => setTimeout(r, 20));
const localOf = (users: Set<string>) => ({ activeUsers: () => new Set(users) });

// Full lists only every minute here: what a process knows must not wait for the next round.
const slow = { checkMs: 10, fullMs: 60_000, ttlMs: 120_000 };

test('a process started later knows at once who is connected to the others (it asks for their full lists)', async () => {
  const bus = new InProcessPubSub();
  const onA = new Set(['guardian']);
  const a = await SharedPresence.start(bus, localOf(onA), slow);
  await settle();
  const b = await SharedPresence.start(bus, localOf(new Set()), slow);
  await settle();
  try {
    assert.deepEqual([...b.activeUsers()], ['guardian']);
  } finally {
    await a.stop();
    await b.stop();
  }
});

test("a change from a process whose full list was lost counts; leaving and a process's end are heard", async () => {
  const bus = new InProcessPubSub();
  // Redis pub/sub is at-most-once: while `lost` is set, nothing reaches anyone.
  let lost = false;
  const lossy = Object.assign(Object.create(bus) as InProcessPubSub, {
    publish: (topic: string, message: string) => (lost ? Promise.resolve() : bus.publish(topic, message)),
  });
  const b = await SharedPresence.start(bus, localOf(new Set()), slow);
  await settle();
  const onA = new Set<string>();
  lost = true;
  const a = await SharedPresence.start(lossy, localOf(onA), slow);
  await settle();
  lost = false;
  onA.add('teacher');
  await settle();
  assert.deepEqual([...b.activeUsers()], ['teacher']);
  onA.delete('teacher');
  await settle();
  assert.deepEqual([...b.activeUsers()], []);
  onA.add('teacher');
  await settle();
  await a.stop();
  await settle();
  assert.deepEqual([...b.activeUsers()], [], 'a process that stops takes its accounts with it');
  await b.stop();
});
