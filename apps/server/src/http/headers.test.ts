import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { DEMO_PHONES } from '../demo/seed.ts';
import { actor, chatOf, type Actor } from '../messaging/test-helpers.ts';
import { upload } from '../files/test-helpers.ts';

/** Security headers (http/headers.ts): the page's policy, and API answers that no cache keeps. */
describe('security headers', () => {
  let t: TestApp;
  let teacher: Actor;
  before(async () => {
    t = await createTestApp({ demo: true });
    teacher = await actor(t, DEMO_PHONES.classTeacher5A);
  });
  after(async () => t.close());

  test('a strict Content-Security-Policy, nosniff, no referrer, no framing', async () => {
    const res = await t.request('GET', '/api/v1/me', { token: teacher.token, headers: { host: 'parta.school.example:8443' } });
    assert.equal(res.statusCode, 200);
    const csp = String(res.headers['content-security-policy']);
    const directives = new Map(
      csp
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([k, ...v]) => [k!, v]),
    );
    assert.deepEqual(directives.get('script-src'), ["'self'"]);
    assert.deepEqual(directives.get('default-src'), ["'self'"]);
    assert.deepEqual(directives.get('frame-ancestors'), ["'none'"]);
    assert.deepEqual(directives.get('object-src'), ["'none'"]);
    assert.deepEqual(directives.get('connect-src'), ["'self'", 'ws://parta.school.example:8443', 'wss://parta.school.example:8443']);
    assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'), csp);
    assert.ok(!csp.includes('upgrade-insecure-requests'), csp);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
    assert.equal(res.headers['x-frame-options'], 'DENY');
  });

  test('a forged Host header is not echoed into the policy', async () => {
    const res = await t.request('GET', '/healthz', { headers: { host: "evil; script-src 'unsafe-inline'" } });
    const csp = String(res.headers['content-security-policy']);
    assert.ok(!csp.includes('evil') && !csp.includes('unsafe-inline'), csp);
  });

  test('API answers are Cache-Control: no-store, errors included; file downloads keep their own revalidation', async () => {
    for (const [url, status] of [
      ['/api/v1/me', 200],
      ['/api/v1/chats', 200],
      ['/api/v1/nope', 404],
    ] as const) {
      const res = await t.request('GET', url, { token: teacher.token });
      assert.equal(res.statusCode, status);
      assert.equal(res.headers['cache-control'], 'no-store', url);
    }
    const anonymous = await t.request('GET', '/api/v1/me');
    assert.equal(anonymous.statusCode, 401);
    assert.equal(anonymous.headers['cache-control'], 'no-store');
    const chat = (await chatOf(t, teacher, 'class', '5А')).id;
    const file = await upload(t, teacher.token, chat, 'заметка.txt', Buffer.from('текст'), 'text/plain');
    assert.equal(file.statusCode, 201, file.body);
    const download = await t.request('GET', file.json().url, { token: teacher.token });
    assert.equal(download.statusCode, 200);
    assert.equal(download.headers['cache-control'], 'private, no-cache');
  });
});
