import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { DEMO_PHONES } from '../demo/seed.ts';
import { runMaintenance } from './maintenance.ts';

describe('maintenance', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ demo: true, env: { PARTA_STREAM_RETENTION_DAYS: '7' } });
  });
  after(() => t.close());

  test('old stream events are pruned, a client behind them is told to resync, and old codes go', async () => {
    const { token } = await t.signIn(DEMO_PHONES.classTeacher5A);
    const before = (await t.request('GET', '/api/v1/updates?after=0', { token })).json();
    assert.equal(before.resync, false);

    // Nothing is old yet: nothing is pruned.
    assert.equal((await runMaintenance(t.runtime.ctx)).prunedUpTo, 0);
    // Eight days on, everything so far is past the retention window.
    const later = new Date(Date.now() + 8 * 86_400_000);
    const result = await runMaintenance(t.runtime.ctx, later);
    assert.ok(result.prunedUpTo > 0);
    assert.ok(result.codesDeleted >= 1);
    const after = (await t.request('GET', '/api/v1/updates?after=0', { token })).json();
    assert.equal(after.resync, true);
    // A client that was up to date resumes as usual.
    const head = (await t.request('GET', '/api/v1/chats', { token })).json().position;
    assert.equal((await t.request('GET', `/api/v1/updates?after=${head}`, { token })).json().resync, false);
  });
});
