import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enqueue, markFailed, markQueued, markSending, newClientId, nextToSend, remove, restore, settle, type Outgoing } from './outbox.ts';

const item = (clientId: string, chatId = 'c1') => ({ clientId, chatId, text: `text ${clientId}` });

test('messages wait in order and are sent one at a time', () => {
  let q: Outgoing[] = [];
  q = enqueue(q, item('a'));
  q = enqueue(q, item('b'));
  assert.deepEqual(
    q.map((x) => [x.clientId, x.status]),
    [
      ['a', 'queued'],
      ['b', 'queued'],
    ],
  );
  assert.equal(nextToSend(q)?.clientId, 'a');
  q = markSending(q, 'a');
  assert.equal(nextToSend(q), null, 'nothing else while one is in flight');
  q = settle(q, ['a']);
  assert.equal(nextToSend(q)?.clientId, 'b');
});

test('the same clientId is queued once', () => {
  const q = enqueue(enqueue([], item('a')), item('a'));
  assert.equal(q.length, 1);
});

test('a network failure puts the message back; a refusal marks it failed and it is not retried by itself', () => {
  let q = markSending(enqueue(enqueue([], item('a')), item('b')), 'a');
  q = markQueued(q, 'a');
  assert.equal(nextToSend(q)?.clientId, 'a');
  q = markFailed(markSending(q, 'a'), 'a', 'forbidden');
  assert.equal(q[0]!.status, 'failed');
  assert.equal(q[0]!.error, 'forbidden');
  assert.equal(nextToSend(q)?.clientId, 'b');
  assert.deepEqual(
    remove(q, 'a').map((x) => x.clientId),
    ['b'],
  );
});

test('settling by clientIds seen in the stream removes only those, and keeps the list when none match', () => {
  const q = enqueue(enqueue([], item('a')), item('b'));
  assert.deepEqual(
    settle(q, ['b', 'zzz']).map((x) => x.clientId),
    ['a'],
  );
  assert.equal(settle(q, ['zzz']), q);
  assert.equal(settle(q, []), q);
});

test('after a reload, messages that were in flight are queued again; junk is dropped', () => {
  const saved = [
    { ...item('a'), createdAt: '2026-01-01T00:00:00Z', status: 'sending' },
    { ...item('b'), createdAt: '2026-01-01T00:00:01Z', status: 'failed', error: 'x' },
    { nonsense: true },
    null,
  ];
  const q = restore(saved);
  assert.deepEqual(
    q.map((x) => [x.clientId, x.status]),
    [
      ['a', 'queued'],
      ['b', 'failed'],
    ],
  );
  assert.deepEqual(restore('not a list'), []);
});

test('client ids are unique', () => {
  const ids = new Set(Array.from({ length: 1000 }, newClientId));
  assert.equal(ids.size, 1000);
});
