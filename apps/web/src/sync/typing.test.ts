import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { TYPING_MS, TypingTracker } from './typing.ts';

test('«печатает…» goes away by itself when its time is up, with nothing else happening', () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  try {
    const t = new TypingTracker();
    t.seen('c1', 'u1');
    assert.deepEqual(
      t.store.get().c1?.map((x) => x.userId),
      ['u1'],
    );
    mock.timers.tick(TYPING_MS - 1);
    assert.equal(t.store.get().c1?.length, 1);
    mock.timers.tick(1);
    assert.equal(t.store.get().c1, undefined);
  } finally {
    mock.timers.reset();
  }
});

test('a new frame extends the time; the typist’s message clears it at once; others stay', () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  try {
    const t = new TypingTracker();
    t.seen('c1', 'u1');
    t.seen('c1', 'u2');
    mock.timers.tick(TYPING_MS - 1000);
    t.seen('c1', 'u1');
    mock.timers.tick(1000);
    assert.deepEqual(
      t.store.get().c1?.map((x) => x.userId),
      ['u1'],
    );
    t.clear('c1', 'u1');
    assert.equal(t.store.get().c1, undefined);
    // The cleared entry's old timer does nothing later.
    t.seen('c2', 'u3');
    mock.timers.tick(TYPING_MS);
    assert.deepEqual(t.store.get(), {});
    t.stop();
  } finally {
    mock.timers.reset();
  }
});
