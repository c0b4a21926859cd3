import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../config.ts';
import { createTestApp } from '../testing/harness.ts';

/** PARTA_TRUST_PROXY goes through the validated configuration like every other setting. */
test('PARTA_TRUST_PROXY is validated, and the app takes the client address from X-Forwarded-For only when it is on', async () => {
  assert.throws(() => loadConfig({ PARTA_TRUST_PROXY: 'yes' }), ConfigError);
  assert.equal(loadConfig({ PARTA_TRUST_PROXY: 'true' }).trustProxy, true);
  assert.equal(loadConfig({}).trustProxy, false);

  for (const [env, expected] of [
    [{ PARTA_TRUST_PROXY: '1' }, '203.0.113.7'],
    [{}, '10.0.0.2'],
  ] as const) {
    const t = await createTestApp({ env });
    try {
      const sent = await t.request('POST', '/api/v1/auth/code', {
        body: { phone: '+79001234567' },
        ip: '10.0.0.2',
        headers: { 'x-forwarded-for': '203.0.113.7' },
      });
      assert.equal(sent.statusCode, 202, sent.body);
      const row = await t.runtime.ctx.db.selectFrom('auth_codes').select('ip').executeTakeFirstOrThrow();
      assert.equal(row.ip, expected);
    } finally {
      await t.close();
    }
  }
});
