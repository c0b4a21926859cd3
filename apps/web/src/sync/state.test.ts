import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffMs, initialSyncState, nextSyncState, type SyncEvent, type SyncState } from './state.ts';

const run = (events: SyncEvent['type'][], from: SyncState = initialSyncState) => events.reduce((s, type) => nextSyncState(s, { type } as SyncEvent), from);

test('first connection: connecting → syncing (socket open) → syncing (ready, state to load) → live (loaded)', () => {
  assert.equal(initialSyncState.status, 'connecting');
  assert.equal(run(['open']).status, 'syncing');
  const ready = run(['open', 'ready']);
  assert.equal(ready.status, 'syncing');
  assert.equal(ready.loaded, false);
  const live = run(['open', 'ready', 'loaded']);
  assert.deepEqual(live, { status: 'live', loaded: true, attempts: 0 });
});

test('a dropped connection reconnects and resumes without reloading', () => {
  const live = run(['open', 'ready', 'loaded']);
  const dropped = run(['closed'], live);
  assert.equal(dropped.status, 'reconnecting');
  assert.equal(dropped.attempts, 1);
  assert.equal(run(['closed', 'closed'], live).attempts, 2);
  const back = run(['closed', 'open'], live);
  assert.equal(back.status, 'syncing');
  // State is loaded, so `ready` (all missed updates delivered) means live at once.
  assert.deepEqual(run(['closed', 'open', 'ready'], live), { status: 'live', loaded: true, attempts: 0 });
});

test('failing to connect the first time stays calm: connecting, then reconnecting', () => {
  assert.equal(run(['closed']).status, 'reconnecting');
  assert.equal(run(['closed']).loaded, false);
});

test('resync: the state is reloaded before going live again', () => {
  const live = run(['open', 'ready', 'loaded']);
  const resync = run(['resync'], live);
  assert.equal(resync.status, 'resync');
  assert.equal(resync.loaded, false);
  // A `ready` or `open` during the reload does not skip it.
  assert.equal(run(['ready'], resync).status, 'resync');
  assert.equal(run(['open'], resync).status, 'resync');
  assert.equal(run(['loaded'], resync).status, 'live');
  // Losing the connection mid-reload keeps saying resync.
  assert.equal(run(['closed'], resync).status, 'resync');
});

test('stop returns to the start', () => {
  assert.deepEqual(run(['open', 'ready', 'loaded', 'stop']), initialSyncState);
});

test('backoff doubles from half a second up to 8 s, with jitter of ±25%', () => {
  const mid = () => 0.5;
  assert.equal(backoffMs(1, mid), 500);
  assert.equal(backoffMs(2, mid), 1000);
  assert.equal(backoffMs(4, mid), 4000);
  assert.equal(backoffMs(10, mid), 8000);
  assert.equal(
    backoffMs(1, () => 0),
    375,
  );
  assert.equal(
    backoffMs(1, () => 1),
    625,
  );
});
