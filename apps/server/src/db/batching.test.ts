import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Batcher } from './batching.ts';

/** A batch runner whose batches end when the test says so. */
function gated() {
  const batches: number[][] = [];
  const gates: (() => void)[] = [];
  const run = async (items: number[]) => {
    batches.push(items);
    await new Promise<void>((resolve) => gates.push(resolve));
    return items.map((n) => (n < 0 ? new Error(`refused ${n}`) : n * 10));
  };
  const open = async () => {
    while (gates.length === 0) await new Promise((r) => setImmediate(r));
    gates.shift()!();
  };
  return { batches, run, open };
}

describe('group commit (Batcher)', () => {
  test('a lone item runs at once; items that arrive while a batch runs go together in the next one', async () => {
    const g = gated();
    const b = new Batcher(g.run, { max: 64, concurrency: 1 });
    const first = b.submit(1);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(g.batches, [[1]]);
    const rest = [b.submit(2), b.submit(3), b.submit(4)];
    await g.open();
    assert.equal(await first, 10);
    await g.open();
    assert.deepEqual(await Promise.all(rest), [20, 30, 40]);
    assert.deepEqual(g.batches, [[1], [2, 3, 4]]);
    assert.equal(b.batches, 2);
    assert.equal(b.items, 4);
  });

  test('a batch holds at most `max` items; an Error answers its own item only', async () => {
    const g = gated();
    const b = new Batcher(g.run, { max: 2, concurrency: 1 });
    const all = [1, -2, 3, 4, 5].map((n) =>
      b.submit(n).then(
        (v) => ({ v }),
        (err: Error) => ({ err: err.message }),
      ),
    );
    for (let i = 0; i < 3; i++) await g.open();
    // The first runs alone at once; the rest queue behind it, two at a time.
    assert.deepEqual(g.batches, [[1], [-2, 3], [4, 5]]);
    assert.deepEqual(await Promise.all(all), [{ v: 10 }, { err: 'refused -2' }, { v: 30 }, { v: 40 }, { v: 50 }]);
  });

  test('a batch that throws fails its items, and the next batch still runs', async () => {
    let calls = 0;
    const b = new Batcher<number, number>(async (items) => {
      calls++;
      if (calls === 1) throw new Error('database gone');
      return items.map((n) => n + 1);
    });
    const [a, c] = [b.submit(1), b.submit(2)];
    await assert.rejects(a, /database gone/);
    assert.equal(await c, 3);
  });

  test('spacing: a lone item runs at once; items soon after wait for the interval and go together', async () => {
    const batches: number[][] = [];
    const started: number[] = [];
    const b = new Batcher(
      async (items: number[]) => {
        batches.push(items);
        started.push(performance.now());
        return items;
      },
      { max: 64, concurrency: 1, spacingMs: 40 },
    );
    const t0 = performance.now();
    assert.equal(await b.submit(1), 1);
    assert.ok(started[0]! - t0 < 20, 'the first runs at once');
    const soon = [b.submit(2), b.submit(3)];
    await new Promise((r) => setTimeout(r, 5));
    soon.push(b.submit(4));
    assert.deepEqual(await Promise.all(soon), [2, 3, 4]);
    assert.deepEqual(batches, [[1], [2, 3, 4]]);
    assert.ok(started[1]! - started[0]! >= 39, `the second batch waited for the interval (${(started[1]! - started[0]!).toFixed(1)} ms)`);
    // After a quiet spell longer than the interval, an item runs at once again.
    await new Promise((r) => setTimeout(r, 50));
    const t1 = performance.now();
    await b.submit(5);
    assert.ok(started[2]! - t1 < 20);
  });

  test('spacing: a full batch does not wait for the interval', async () => {
    const batches: number[][] = [];
    const b = new Batcher(async (items: number[]) => (batches.push(items), items), { max: 2, concurrency: 1, spacingMs: 10_000 });
    await b.submit(1);
    const t0 = performance.now();
    assert.deepEqual(await Promise.all([b.submit(2), b.submit(3)]), [2, 3]);
    assert.ok(performance.now() - t0 < 1_000);
    assert.deepEqual(batches, [[1], [2, 3]]);
  });

  test('two at a time: the next batch starts after the interval while the one before is still in flight, a third waits for a free slot', async () => {
    const g = gated();
    const started: number[] = [];
    const b = new Batcher(
      async (items: number[]) => {
        started.push(performance.now());
        return g.run(items);
      },
      // An interval long enough that a loaded machine does not let it pass between two lines.
      { max: 64, concurrency: 2, spacingMs: 250 },
    );
    const first = b.submit(1);
    await new Promise((r) => setImmediate(r));
    const second = [b.submit(2), b.submit(3)];
    // The first is still in flight; the second starts once the interval has passed.
    for (let i = 0; g.batches.length < 2 && i < 200; i++) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(g.batches, [[1], [2, 3]]);
    assert.ok(started[1]! - started[0]! >= 249, `the second waited for the interval (${(started[1]! - started[0]!).toFixed(1)} ms)`);
    // Both slots are taken: a third batch waits for one, however long the interval has been.
    const third = b.submit(4);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(g.batches, [[1], [2, 3]]);
    // The first ends and is answered while the second is still in flight; its slot takes the third.
    await g.open();
    assert.equal(await first, 10);
    // It starts once the interval since the second has passed too (the second is still in flight).
    for (let i = 0; g.batches.length < 3 && i < 200; i++) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(g.batches, [[1], [2, 3], [4]]);
    await g.open();
    await g.open();
    assert.deepEqual([...(await Promise.all(second)), await third], [20, 30, 40]);
  });
});
