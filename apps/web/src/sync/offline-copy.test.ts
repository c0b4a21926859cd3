import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Message } from '@parta/protocol';
import { newestPage } from './offline-copy.ts';

const msg = (seq: number) => ({ id: `m${seq}`, seq }) as unknown as Message;

test('the offline copy of a history is its newest page, and says when older messages exist', () => {
  const all = Array.from({ length: 60 }, (_, i) => msg(i + 1));
  const long = newestPage({ messages: all, hasMoreBefore: false, loaded: true, loading: false, newest: true }, 50);
  assert.deepEqual(
    long.messages.map((m) => m.seq),
    all.slice(10).map((m) => m.seq),
  );
  assert.equal(long.hasMore, true, 'ten loaded messages are left out of the page');
  const short = newestPage({ messages: all.slice(0, 3), hasMoreBefore: false, loaded: true, loading: false }, 50);
  assert.equal(short.messages.length, 3);
  assert.equal(short.hasMore, false);
  assert.equal(newestPage({ messages: all.slice(0, 3), hasMoreBefore: true, loaded: true, loading: false }, 50).hasMore, true);
});
