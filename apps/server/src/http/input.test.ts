import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { DEMO_PHONES } from '../demo/seed.ts';
import { actor, chatOf, type Actor } from '../messaging/test-helpers.ts';
import { multipartBody, spooled } from '../files/test-helpers.ts';

/** Input that used to reach the database or the multipart parser and come back as a 500. */
describe('bad input is a clean 4xx', () => {
  let t: TestApp;
  let admin: Actor, teacher: Actor;
  before(async () => {
    t = await createTestApp({ demo: true });
    admin = await actor(t, DEMO_PHONES.admin);
    teacher = await actor(t, DEMO_PHONES.classTeacher5A);
  });
  after(async () => t.close());

  test('a NUL byte in a search query (or a lone surrogate in a body) is refused with text_invalid', async () => {
    const urls = ['/api/v1/search?q=%00', '/api/v1/schools?q=%00', `/api/v1/schools/${admin.schoolId}/people?q=%00`];
    for (const url of urls) {
      const res = await t.request('GET', url, { token: admin.token });
      assert.equal(res.statusCode, 400, `${url}: ${res.body}`);
      assert.equal(res.json().error.code, 'text_invalid');
    }
    // The same in a JSON body, at any depth, and in a key; nothing is stored.
    const chat = (await chatOf(t, teacher, 'class', '5А')).id;
    for (const body of [
      { clientId: 'nul-1', text: 'до\u0000после' },
      { clientId: 'nul-2', text: 'ok', mentions: ['\ud800'] },
    ]) {
      const res = await t.request('POST', `/api/v1/chats/${chat}/messages`, { token: teacher.token, body });
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().error.code, 'text_invalid');
    }
    const history = await t.request('GET', `/api/v1/chats/${chat}/messages`, { token: teacher.token });
    assert.ok(!history.body.includes('после'));
  });

  test('a body nested past the limit is refused, not walked', async () => {
    const deep = `{"clientId":"deep","text":${'['.repeat(50_000)}${']'.repeat(50_000)}}`;
    const chat = (await chatOf(t, teacher, 'class', '5А')).id;
    const res = await t.request('POST', `/api/v1/chats/${chat}/messages`, {
      token: teacher.token,
      body: deep,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.statusCode, 400, res.body);
  });

  test('PATCH of a class with nothing to change is a 400 validation_failed, and the class is unchanged', async () => {
    const classes = (await t.request('GET', `/api/v1/schools/${admin.schoolId}/classes`, { token: admin.token })).json().classes;
    const res = await t.request('PATCH', `/api/v1/schools/${admin.schoolId}/classes/${classes[0].id}`, { token: admin.token, body: {} });
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.json().error.code, 'validation_failed');
    const again = (await t.request('GET', `/api/v1/schools/${admin.schoolId}/classes`, { token: admin.token })).json().classes;
    assert.deepEqual(again[0], classes[0]);
  });

  test('a cut-off multipart upload is a 400 upload_incomplete and leaves no spooled file', async () => {
    const chat = (await chatOf(t, teacher, 'class', '5А')).id;
    const m = multipartBody('отчёт.pdf', Buffer.alloc(5000, 0x41), 'application/pdf');
    const cut = m.body.subarray(0, 3000);
    for (const url of [`/api/v1/chats/${chat}/files`, '/api/v1/me/photo']) {
      const res = await t.request(url.endsWith('photo') ? 'PUT' : 'POST', url, { token: teacher.token, body: cut, headers: m.headers });
      assert.equal(res.statusCode, 400, `${url}: ${res.body}`);
      assert.equal(res.json().error.code, 'upload_incomplete');
    }
    assert.deepEqual(spooled(t), []);
  });
});
