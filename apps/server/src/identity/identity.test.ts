import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { HttpSms } from './sms.ts';
import { redisUrlForTests } from '../testing/services.ts';

describe('sign-in with a one-time code', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ demo: true });
  });
  after(() => t.close());

  test('8 9xx and +7 9xx are the same account', async () => {
    const a = await t.signIn('8 900 000-00-02');
    const b = await t.signIn('+7 (900) 000 00 02');
    assert.equal(a.userId, b.userId);
    const me = await t.request('GET', '/api/v1/me', { token: b.token });
    assert.equal(me.json().user.phone, '+79000000002');
  });

  test('code request answers 202 with the normalised phone and stores only a hash', async () => {
    const res = await t.request('POST', '/api/v1/auth/code', { body: { phone: '89000000003' } });
    assert.equal(res.statusCode, 202);
    assert.equal(res.json().phone, '+79000000003');
    const code = await t.lastCode('+79000000003');
    assert.match(code, /^\d{6}$/);
    const rows = await t.runtime.ctx.db.selectFrom('auth_codes').select('code_hash').where('phone', '=', '+79000000003').execute();
    assert.ok(rows.length > 0);
    for (const r of rows) assert.ok(!r.code_hash.includes(code) && r.code_hash.length === 64);
  });

  test('an invalid phone and a foreign phone are refused', async () => {
    const bad = await t.request('POST', '/api/v1/auth/code', { body: { phone: '12345' } });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'phone_invalid');
    const foreign = await t.request('POST', '/api/v1/auth/code', { body: { phone: '+44 7911 123456' } });
    assert.equal(foreign.statusCode, 400);
    assert.equal(foreign.json().error.code, 'phone_country_not_allowed');
    const missing = await t.request('POST', '/api/v1/auth/code', { body: {} });
    assert.equal(missing.statusCode, 400);
    assert.equal(missing.json().error.code, 'validation_failed');
  });

  test('a wrong code is refused, and the sixth attempt is refused even with the right code', async () => {
    const phone = '+79000000005';
    await t.request('POST', '/api/v1/auth/code', { body: { phone } });
    const code = await t.lastCode(phone);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 1; i <= 4; i++) {
      const res = await t.request('POST', '/api/v1/auth/session', { body: { phone, code: wrong } });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error.code, 'code_invalid');
      assert.equal(res.json().error.details.attemptsLeft, 5 - i);
    }
    const fifth = await t.request('POST', '/api/v1/auth/session', { body: { phone, code: wrong } });
    assert.equal(fifth.statusCode, 429);
    assert.equal(fifth.json().error.code, 'code_attempts_exceeded');
    const right = await t.request('POST', '/api/v1/auth/session', { body: { phone, code } });
    assert.equal(right.statusCode, 429);
    assert.equal(right.json().error.code, 'code_attempts_exceeded');
  });

  test('an expired code is refused', async () => {
    const phone = '+79000000006';
    await t.request('POST', '/api/v1/auth/code', { body: { phone } });
    const code = await t.lastCode(phone);
    await t.runtime.ctx.db
      .updateTable('auth_codes')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('phone', '=', phone)
      .execute();
    const res = await t.request('POST', '/api/v1/auth/session', { body: { phone, code } });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'code_expired');
  });

  test('a code works once, and a new code replaces the old one', async () => {
    const phone = '+79000000007';
    await t.request('POST', '/api/v1/auth/code', { body: { phone } });
    const first = await t.lastCode(phone);
    await t.request('POST', '/api/v1/auth/code', { body: { phone } });
    const second = await t.lastCode(phone);
    if (first !== second) {
      const old = await t.request('POST', '/api/v1/auth/session', { body: { phone, code: first } });
      assert.equal(old.statusCode, 400);
    }
    const ok = await t.request('POST', '/api/v1/auth/session', { body: { phone, code: second } });
    assert.equal(ok.statusCode, 200);
    const again = await t.request('POST', '/api/v1/auth/session', { body: { phone, code: second } });
    assert.equal(again.statusCode, 400);
    assert.equal(again.json().error.code, 'code_invalid');
  });

  test('error messages follow Accept-Language', async () => {
    const ru = await t.request('POST', '/api/v1/auth/code', { body: { phone: '123' } });
    assert.match(ru.json().error.message, /номер/i);
    const en = await t.request('POST', '/api/v1/auth/code', { body: { phone: '123' }, headers: { 'accept-language': 'en-GB' } });
    assert.match(en.json().error.message, /phone/i);
  });

  test('calls without a valid token are refused', async () => {
    assert.equal((await t.request('GET', '/api/v1/me')).statusCode, 401);
    const res = await t.request('GET', '/api/v1/me', { token: 'pt_nonsense' });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().error.code, 'unauthenticated');
  });

  test('sessions: one per device, listed, and revocable', async () => {
    const phone = '+79000000001';
    const a = await t.signIn(phone);
    const b = await t.signIn(phone);
    const list = await t.request('GET', '/api/v1/sessions', { token: a.token });
    const sessions = list.json().sessions;
    assert.ok(sessions.length >= 2);
    assert.equal(sessions.filter((s: { current: boolean }) => s.current).length, 1);
    const others = await t.request('POST', '/api/v1/sessions/revoke-others', { token: a.token });
    assert.ok(others.json().revoked >= 1);
    assert.equal((await t.request('GET', '/api/v1/me', { token: b.token })).statusCode, 401);
    assert.equal((await t.request('GET', '/api/v1/me', { token: a.token })).statusCode, 200);
    const stored = await t.runtime.ctx.db.selectFrom('sessions').select('token_hash').execute();
    assert.ok(stored.every((s) => !s.token_hash.startsWith('pt_')));
    const logout = await t.request('POST', '/api/v1/auth/logout', { token: a.token });
    assert.equal(logout.statusCode, 204);
    assert.equal((await t.request('GET', '/api/v1/me', { token: a.token })).statusCode, 401);
    const foreign = await t.request('DELETE', `/api/v1/sessions/${sessions[0].id}`, { token: (await t.signIn('+79000000003')).token });
    assert.equal(foreign.statusCode, 404);
  });

  test('health, readiness and the OpenAPI document', async () => {
    assert.equal((await t.request('GET', '/healthz')).statusCode, 200);
    assert.equal((await t.request('GET', '/readyz')).json().status, 'ready');
    const doc = (await t.request('GET', '/api/openapi.json')).json();
    assert.ok(doc.paths['/api/v1/auth/code'].post);
    assert.ok(doc.paths['/api/v1/me'].get);
    assert.equal((await t.request('GET', '/api/v1/nope')).json().error.code, 'route_not_found');
  });
});

describe('rate limits', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { PARTA_CODES_PER_PHONE_PER_HOUR: '3', PARTA_CODE_RESEND_SECONDS: '0', PARTA_AUTH_RATE_PER_IP: '5' } });
  });
  after(() => t.close());

  test('codes per phone per hour', async () => {
    const phone = '+79001112233';
    for (let i = 0; i < 3; i++) assert.equal((await t.request('POST', '/api/v1/auth/code', { body: { phone }, ip: `10.0.0.${i + 1}` })).statusCode, 202);
    const res = await t.request('POST', '/api/v1/auth/code', { body: { phone }, ip: '10.0.0.9' });
    assert.equal(res.statusCode, 429);
    assert.equal(res.json().error.code, 'rate_limited');
  });

  test('requests per IP', async () => {
    const codes = [];
    for (let i = 0; i < 6; i++) codes.push((await t.request('POST', '/api/v1/auth/code', { body: { phone: `+7900222330${i}` }, ip: '10.9.9.9' })).statusCode);
    assert.deepEqual(codes.slice(0, 5), [202, 202, 202, 202, 202]);
    assert.equal(codes[5], 429);
    const other = await t.request('POST', '/api/v1/auth/code', { body: { phone: '+79002223399' }, ip: '10.9.9.8' });
    assert.equal(other.statusCode, 202);
  });
});

describe('resend interval', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { PARTA_CODE_RESEND_SECONDS: '60' } });
  });
  after(() => t.close());

  test('a second code within the interval is refused with the wait', async () => {
    const phone = '+79003334455';
    assert.equal((await t.request('POST', '/api/v1/auth/code', { body: { phone } })).statusCode, 202);
    const res = await t.request('POST', '/api/v1/auth/code', { body: { phone } });
    assert.equal(res.statusCode, 429);
    assert.equal(res.json().error.code, 'code_resend_too_soon');
    assert.ok(res.json().error.details.retryAfterSeconds > 0);
  });
});

describe('SMS providers', () => {
  test('the http provider posts to the gateway, and a failing gateway gives sms_send_failed', async () => {
    const received: { auth?: string; body: { to: string; text: string } }[] = [];
    let fail = false;
    const gateway = http.createServer((req, res) => {
      let data = '';
      req.on('data', (c) => (data += c));
      req.on('end', () => {
        received.push({ auth: req.headers.authorization, body: JSON.parse(data) });
        res.statusCode = fail ? 503 : 200;
        res.end('{}');
      });
    });
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/send`;
    const t = await createTestApp({ env: { PARTA_SMS_PROVIDER: 'http', PARTA_SMS_HTTP_URL: url, PARTA_SMS_HTTP_TOKEN: 'secret-token' } });
    try {
      assert.ok(t.runtime.ctx.sms instanceof HttpSms);
      const ok = await t.request('POST', '/api/v1/auth/code', { body: { phone: '+79005556677' } });
      assert.equal(ok.statusCode, 202);
      assert.equal(received.length, 1);
      assert.equal(received[0]!.auth, 'Bearer secret-token');
      assert.equal(received[0]!.body.to, '+79005556677');
      assert.ok(received[0]!.body.text.includes(await t.lastCode('+79005556677')));
      fail = true;
      const bad = await t.request('POST', '/api/v1/auth/code', { body: { phone: '+79005556678' } });
      assert.equal(bad.statusCode, 502);
      assert.equal(bad.json().error.code, 'sms_send_failed');
      const left = await t.runtime.ctx.db.selectFrom('auth_codes').select('id').where('phone', '=', '+79005556678').execute();
      assert.equal(left.length, 0, 'a code that was not sent is not kept');
    } finally {
      await t.close();
      gateway.close();
    }
  });

  test('the development outbox does not exist without PARTA_DEV', async () => {
    const t = await createTestApp({ env: { PARTA_DEV: '0' } });
    try {
      const res = await t.request('GET', '/api/v1/dev/sms?phone=%2B79000000001');
      assert.equal(res.statusCode, 404);
    } finally {
      await t.close();
    }
  });
});

describe('rate limits shared through Redis', async () => {
  const redisUrl = await redisUrlForTests();
  test('two app instances on one Redis share the per-IP budget', { skip: redisUrl ? false : 'Redis is not running here' }, async () => {
    const env = { REDIS_URL: redisUrl!, PARTA_AUTH_RATE_PER_IP: '4', PARTA_CODE_RESEND_SECONDS: '0' };
    const a = await createTestApp({ env });
    const b = await createTestApp({ env });
    try {
      const ip = `10.77.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
      const statuses = [];
      for (let i = 0; i < 5; i++) {
        const app = i % 2 === 0 ? a : b;
        statuses.push((await app.request('POST', '/api/v1/auth/code', { body: { phone: `+7900444550${i}` }, ip })).statusCode);
      }
      assert.deepEqual(statuses, [202, 202, 202, 202, 429]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
