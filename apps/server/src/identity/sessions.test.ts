import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WsClose } from '@parta/protocol';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { listenWs, WsTestClient } from '../testing/ws-client.ts';
import { DEMO_PHONES } from '../demo/seed.ts';
import { actor, type Actor } from '../messaging/test-helpers.ts';
import { liveSessionIds } from './sessions.ts';

const DAY = 86_400_000;

/**
 * Sessions end (identity/sessions.ts): after the idle timeout, after the absolute lifetime (the
 * installation's defaults or the school's own), on "sign out everywhere", and when the roster
 * takes the account off its person (a new phone, the person archived). Open WebSockets close.
 */
describe('sessions end', () => {
  let t: TestApp;
  let admin: Actor;
  let url = '';
  const sockets: WsTestClient[] = [];

  before(async () => {
    t = await createTestApp({ demo: true });
    url = await listenWs(t.app);
    admin = await actor(t, DEMO_PHONES.admin);
  });
  after(async () => {
    for (const s of sockets) s.close();
    await t.close();
  });

  const db = () => t.runtime.ctx.db;
  const me = (token: string) => t.request('GET', '/api/v1/me', { token });
  async function sessionOf(token: string): Promise<string> {
    const list = await t.request('GET', '/api/v1/sessions', { token });
    return (list.json().sessions as { id: string; current: boolean }[]).find((s) => s.current)!.id;
  }
  async function age(token: string, set: { lastSeenDaysAgo?: number; createdDaysAgo?: number }) {
    const id = await sessionOf(token);
    await db()
      .updateTable('sessions')
      .set({
        ...(set.lastSeenDaysAgo !== undefined ? { last_seen_at: new Date(Date.now() - set.lastSeenDaysAgo * DAY) } : {}),
        ...(set.createdDaysAgo !== undefined ? { created_at: new Date(Date.now() - set.createdDaysAgo * DAY) } : {}),
      })
      .where('id', '=', id)
      .execute();
    return id;
  }
  async function socket(token: string): Promise<WsTestClient> {
    const c = await WsTestClient.connect(url, token);
    sockets.push(c);
    return c;
  }

  test('a session unused for longer than the idle timeout (30 days by default) ends', async () => {
    const { token } = await t.signIn(DEMO_PHONES.subjectTeacher);
    await age(token, { lastSeenDaysAgo: 29 });
    assert.equal((await me(token)).statusCode, 200);
    const id = await age(token, { lastSeenDaysAgo: 31 });
    assert.equal((await me(token)).statusCode, 401);
    // The gateway's periodic check closes open sockets of such a session.
    assert.deepEqual([...(await liveSessionIds(t.runtime.ctx, [id]))], []);
    const c = await WsTestClient.open(url);
    sockets.push(c);
    c.send({ type: 'auth', token });
    assert.equal((await c.waitClosed()).code, WsClose.unauthenticated);
  });

  test('a session older than the absolute lifetime (180 days by default) ends however much it is used', async () => {
    const { token } = await t.signIn(DEMO_PHONES.classTeacher6B);
    await age(token, { createdDaysAgo: 179, lastSeenDaysAgo: 0 });
    assert.equal((await me(token)).statusCode, 200);
    await age(token, { createdDaysAgo: 181, lastSeenDaysAgo: 0 });
    assert.equal((await me(token)).statusCode, 401);
  });

  test('a school sets its own lifetime; it applies to its people at once, and only to them', async () => {
    const refused = await t.request('PUT', `/api/v1/schools/${admin.schoolId}/session-policy`, {
      token: (await t.signIn(DEMO_PHONES.guardian5A)).token,
      body: { idleDays: 1, maxDays: null },
    });
    assert.equal(refused.statusCode, 403, refused.body);
    const outsider = await t.signIn('+79009998877');
    const foreign = await t.request('GET', `/api/v1/schools/${admin.schoolId}/session-policy`, { token: outsider.token });
    assert.equal(foreign.statusCode, 404, foreign.body);
    const bad = await t.request('PUT', `/api/v1/schools/${admin.schoolId}/session-policy`, { token: admin.token, body: { idleDays: 0, maxDays: null } });
    assert.equal(bad.statusCode, 400);

    const set = await t.request('PUT', `/api/v1/schools/${admin.schoolId}/session-policy`, { token: admin.token, body: { idleDays: 2, maxDays: 10 } });
    assert.equal(set.statusCode, 200, set.body);
    assert.deepEqual(set.json(), { idleDays: 2, maxDays: 10, defaults: { idleDays: 30, maxDays: 180 } });

    const student = await t.signIn(DEMO_PHONES.student5A);
    await age(student.token, { lastSeenDaysAgo: 3 });
    assert.equal((await me(student.token)).statusCode, 401, 'idle past the school’s 2 days');
    const guardian = await t.signIn(DEMO_PHONES.guardian6B);
    await age(guardian.token, { createdDaysAgo: 11, lastSeenDaysAgo: 0 });
    assert.equal((await me(guardian.token)).statusCode, 401, 'older than the school’s 10 days');
    // Someone on no roster keeps the installation's defaults.
    await age(outsider.token, { lastSeenDaysAgo: 3 });
    assert.equal((await me(outsider.token)).statusCode, 200);

    const reset = await t.request('PUT', `/api/v1/schools/${admin.schoolId}/session-policy`, { token: admin.token, body: { idleDays: null, maxDays: null } });
    assert.deepEqual(reset.json(), { idleDays: null, maxDays: null, defaults: { idleDays: 30, maxDays: 180 } });
  });

  test('"sign out everywhere" ends every session of the account, this one included, and closes their sockets', async () => {
    const a = await t.signIn(DEMO_PHONES.classTeacher5A);
    const b = await t.signIn(DEMO_PHONES.classTeacher5A);
    const other = await t.signIn(DEMO_PHONES.guardian5A);
    const ws = await socket(b.token);
    const res = await t.request('POST', '/api/v1/sessions/revoke-all', { token: a.token });
    assert.equal(res.statusCode, 200, res.body);
    assert.ok(res.json().revoked >= 2);
    assert.equal((await me(a.token)).statusCode, 401);
    assert.equal((await me(b.token)).statusCode, 401);
    assert.equal((await ws.waitClosed()).code, WsClose.unauthenticated);
    assert.equal((await me(other.token)).statusCode, 200, 'another account keeps its session');
  });

  test("a new phone on the roster unlinks the person and ends the old phone's account's sessions", async () => {
    const guardian = await actor(t, DEMO_PHONES.guardian5A);
    const ws = await socket(guardian.token);
    // A change that keeps the phone keeps the session.
    const rename = await t.request('PATCH', `/api/v1/schools/${admin.schoolId}/people/${guardian.personId}`, {
      token: admin.token,
      body: { middleName: 'Петровна' },
    });
    assert.equal(rename.statusCode, 200, rename.body);
    assert.equal((await me(guardian.token)).statusCode, 200);

    const moved = await t.request('PATCH', `/api/v1/schools/${admin.schoolId}/people/${guardian.personId}`, {
      token: admin.token,
      body: { phone: '+79005554433' },
    });
    assert.equal(moved.statusCode, 200, moved.body);
    assert.equal(moved.json().linked, false);
    assert.equal((await me(guardian.token)).statusCode, 401);
    assert.equal((await ws.waitClosed()).code, WsClose.unauthenticated);
    // Signing in again with the old phone gives an account that is no longer this person.
    const again = await t.signIn(DEMO_PHONES.guardian5A);
    assert.deepEqual((await me(again.token)).json().schools, []);
    // The new phone's owner becomes the person.
    const owner = await actor(t, '+79005554433');
    assert.equal(owner.personId, guardian.personId);
  });

  test("taking a person off the roster ends their account's sessions", async () => {
    const teacher = await actor(t, DEMO_PHONES.classTeacher6B);
    const ws = await socket(teacher.token);
    const res = await t.request('DELETE', `/api/v1/schools/${admin.schoolId}/people/${teacher.personId}`, { token: admin.token });
    assert.equal(res.statusCode, 204, res.body);
    assert.equal((await me(teacher.token)).statusCode, 401);
    assert.equal((await ws.waitClosed()).code, WsClose.unauthenticated);
  });
});
