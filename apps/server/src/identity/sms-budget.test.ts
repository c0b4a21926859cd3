import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../testing/harness.ts';

/** The installation's daily budget of sign-in texts (PARTA_SMS_DAILY_BUDGET). */
describe('daily SMS budget', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { PARTA_SMS_DAILY_BUDGET: '3' } });
  });
  after(async () => t.close());

  test('codes to many phones stop at the budget with sms_budget_exhausted; nothing is sent past it', async () => {
    const ask = (phone: string) => t.request('POST', '/api/v1/auth/code', { body: { phone } });
    for (const phone of ['+79001110001', '+79001110002', '+79001110003']) assert.equal((await ask(phone)).statusCode, 202);
    const refused = await ask('+79001110004');
    assert.equal(refused.statusCode, 429, refused.body);
    assert.equal(refused.json().error.code, 'sms_budget_exhausted');
    const outbox = await t.request('GET', '/api/v1/dev/sms?phone=%2B79001110004');
    assert.deepEqual(outbox.json().messages, []);
    // Codes older than a day no longer count.
    await t.runtime.ctx.db
      .updateTable('auth_codes')
      .set({ created_at: new Date(Date.now() - 25 * 3600_000) })
      .execute();
    assert.equal((await ask('+79001110004')).statusCode, 202);
  });
});
