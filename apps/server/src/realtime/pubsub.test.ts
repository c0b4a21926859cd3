import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { InProcessPubSub, type PubSub } from './pubsub.ts';
import { RedisPubSub } from './redis-pubsub.ts';
import { redisUrlForTests } from '../testing/services.ts';

/**
 * One contract, two implementations. "Two nodes" are two handles that should see each other's
 * messages: the same object in-process, two separate Redis clients (as two processes would have)
 * with Redis.
 */
interface Impl {
  name: string;
  /** Two nodes on the same bus. */
  pair(): Promise<[PubSub, PubSub]>;
}

const redisUrl = await redisUrlForTests();
const opened: PubSub[] = [];
after(async () => {
  await Promise.all(opened.map((p) => p.close()));
});

const impls: Impl[] = [
  {
    name: 'in-process',
    pair: async () => {
      const p = new InProcessPubSub();
      opened.push(p);
      return [p, p];
    },
  },
  {
    name: 'redis',
    pair: async () => {
      const prefix = `parta-test-${crypto.randomBytes(6).toString('hex')}:`;
      const a = new RedisPubSub(redisUrl!, { prefix });
      const b = new RedisPubSub(redisUrl!, { prefix });
      opened.push(a, b);
      await Promise.all([a.ready(), b.ready()]);
      return [a, b];
    },
  },
];

/** Collects messages of a topic; `until(n)` resolves when n have arrived. */
function collector() {
  const got: string[] = [];
  let waiters: { n: number; resolve: () => void }[] = [];
  const handler = (_topic: string, message: string) => {
    got.push(message);
    waiters = waiters.filter((w) => {
      if (got.length >= w.n) w.resolve();
      return got.length < w.n;
    });
  };
  const until = (n: number) =>
    new Promise<void>((resolve) => {
      if (got.length >= n) resolve();
      else waiters.push({ n, resolve });
    });
  return { got, handler, until };
}

for (const impl of impls) {
  describe(`pub/sub contract: ${impl.name}`, { skip: impl.name === 'redis' && !redisUrl ? 'no Redis reachable (set REDIS_URL)' : false }, () => {
    test('a message published on one node reaches subscribers on both nodes, in publish order', async () => {
      const [a, b] = await impl.pair();
      const onA = collector();
      const onB = collector();
      await a.subscribe('chat:1', onA.handler);
      await b.subscribe('chat:1', onB.handler);
      for (let i = 0; i < 50; i++) await b.publish('chat:1', `m${i}`);
      await Promise.all([onA.until(50), onB.until(50)]);
      const expected = Array.from({ length: 50 }, (_, i) => `m${i}`);
      assert.deepEqual(onA.got, expected);
      assert.deepEqual(onB.got, expected);
    });

    test('a subscriber hears only its topics', async () => {
      const [a, b] = await impl.pair();
      const one = collector();
      const two = collector();
      await a.subscribe('user:1', one.handler);
      await a.subscribe('user:2', two.handler);
      await b.publish('user:2', 'for-two');
      await b.publish('user:3', 'for-nobody');
      await b.publish('user:1', 'for-one');
      await Promise.all([one.until(1), two.until(1)]);
      // Order is kept per node: had user:1 heard "for-two", it would have arrived before "for-one".
      assert.deepEqual(one.got, ['for-one']);
      assert.deepEqual(two.got, ['for-two']);
    });

    test('after unsubscribing, a handler hears nothing more, while other handlers of the topic still do', async () => {
      const [a, b] = await impl.pair();
      const gone = collector();
      const stays = collector();
      const unsubscribe = await a.subscribe('chat:9', gone.handler);
      await a.subscribe('chat:9', stays.handler);
      await b.publish('chat:9', 'first');
      await Promise.all([gone.until(1), stays.until(1)]);
      await unsubscribe();
      await unsubscribe(); // idempotent
      await b.publish('chat:9', 'second');
      await stays.until(2);
      assert.deepEqual(stays.got, ['first', 'second']);
      assert.deepEqual(gone.got, ['first']);
    });

    test('the last unsubscribe leaves the topic, and subscribing again works', async () => {
      const [a, b] = await impl.pair();
      const first = collector();
      const unsubscribe = await a.subscribe('chat:5', first.handler);
      await unsubscribe();
      const second = collector();
      await a.subscribe('chat:5', second.handler);
      await b.publish('chat:5', 'again');
      await second.until(1);
      assert.deepEqual(second.got, ['again']);
      assert.deepEqual(first.got, []);
    });

    test('a subscription is in effect when subscribe() resolves', async () => {
      const [a, b] = await impl.pair();
      for (let i = 0; i < 20; i++) {
        const c = collector();
        const topic = `user:fresh-${i}`;
        await a.subscribe(topic, c.handler);
        await b.publish(topic, 'hello');
        await c.until(1);
        assert.deepEqual(c.got, ['hello']);
      }
    });

    test('large and non-ASCII payloads arrive intact', async () => {
      const [a, b] = await impl.pair();
      const c = collector();
      await a.subscribe('chat:big', c.handler);
      const text = JSON.stringify({ text: 'Собрание родителей 5А — в четверг '.repeat(500), emoji: '📚' });
      await b.publish('chat:big', text);
      await c.until(1);
      assert.equal(c.got[0], text);
    });
  });
}
