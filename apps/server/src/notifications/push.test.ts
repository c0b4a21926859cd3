import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestApp } from '../testing/harness.ts';
import type { PushService } from '../testing/push-service.ts';
import { listenWs, WsTestClient } from '../testing/ws-client.ts';
import { DEMO_PHONES } from '../demo/seed.ts';
import { actor, send, type Actor } from '../messaging/test-helpers.ts';
import { notifyFixture, type NotifyFixture } from './test-fixture.ts';
import { NotificationWorker } from './worker.ts';

/**
 * Web Push end to end: subscriptions over the API, a teacher's message, the delivery worker, and
 * a real push service on 127.0.0.1 that checks the VAPID JWT and decrypts each payload with the
 * subscription's keys.
 */
describe('web push', () => {
  let f: NotifyFixture;
  let t: TestApp;
  let ps: PushService;
  let worker: NotificationWorker;
  let teacher: Actor, guardian: Actor, otherGuardian: Actor;
  let parentsChat: string;
  const subscribe = (token: string) => f.subscribe(token);

  before(async () => {
    f = await notifyFixture();
    ({ t, ps, teacher, guardian, otherGuardian, parentsChat } = f);
    worker = await NotificationWorker.start(t.runtime.ctx, { presence: t.app.realtime, agent: ps.agent, now: f.clock, pollMs: 0, leaseMs: 5_000 });
    await worker.drain();
  });
  after(async () => {
    await worker.stop();
    await f.close();
  });
  beforeEach(async () => {
    f.offset = 0;
    await t.runtime.ctx.db.deleteFrom('push_subscriptions').execute();
    await t.runtime.ctx.db.deleteFrom('chat_notification_settings').execute();
    await t.runtime.ctx.db.deleteFrom('working_hours').execute();
    await t.runtime.ctx.db.deleteFrom('notification_policies').execute();
  });

  test("a teacher's message reaches a guardian's device: VAPID-signed, and the payload is an id and a count, nothing else", async () => {
    const key = (await t.request('GET', '/api/v1/push/key', { token: guardian.token })).json().publicKey as string;
    const device = await subscribe(guardian.token);
    const mine = await subscribe(teacher.token);
    const m = await send(t, teacher, parentsChat, 'Завтра собрание в 18:00, кабинет 12');
    await worker.drain();
    assert.equal(ps.for(device.id).length, 1);
    assert.equal(ps.for(mine.id).length, 0, 'the author gets no push');
    const got = ps.for(device.id)[0]!;
    assert.equal(got.vapidKey, key, 'signed with the key the API gives');
    assert.equal(got.headers['content-encoding'], 'aes128gcm');
    const payload = JSON.parse(got.text) as Record<string, unknown>;
    assert.deepEqual(Object.keys(payload).sort(), ['id', 'n']);
    assert.ok((payload.n as number) >= 1);
    for (const secret of ['собрание', 'Елена', 'Смирнова', '5А', parentsChat, m.id]) assert.ok(!got.text.includes(secret), `payload holds ${secret}`);
    // The service worker asks Parta what to show, with the device's session.
    const view = await t.request('GET', `/api/v1/notifications/${payload.id}`, { token: guardian.token });
    assert.equal(view.statusCode, 200, view.body);
    assert.equal(view.json().title, 'Елена Петровна (учитель), 5А — родители');
    assert.equal(view.json().body, 'Завтра собрание в 18:00, кабинет 12');
    assert.equal(view.json().tag, `chat:${parentsChat}`);
    assert.equal(view.json().url, `/chats/${parentsChat}?m=${m.id}&seq=${m.seq}`);
    // Nobody else may read it, not even another member of the chat.
    for (const token of [otherGuardian.token, teacher.token]) {
      const other = await t.request('GET', `/api/v1/notifications/${payload.id}`, { token });
      assert.equal(other.statusCode, 404);
      assert.equal(other.json().error.code, 'notification_not_found');
    }
    assert.equal((await t.request('GET', `/api/v1/notifications/${payload.id}`)).statusCode, 401);
    assert.deepEqual(ps.rejected, []);
  });

  test('a subscription is refused unless it is https with keys of the right size; it can be read and removed', async () => {
    for (const body of [
      { endpoint: 'http://push.example/x', keys: ps.subscribe().keys },
      { endpoint: ps.subscribe().endpoint, keys: { p256dh: 'short', auth: 'x' } },
      { endpoint: ps.subscribe().endpoint },
    ]) {
      const res = await t.request('PUT', '/api/v1/me/push', { token: guardian.token, body });
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.equal(res.json().error.code, 'validation_failed');
    }
    assert.equal((await t.request('PUT', '/api/v1/me/push', { body: { endpoint: 'https://x/y', keys: ps.subscribe().keys } })).statusCode, 401);
    await subscribe(guardian.token);
    const mine = await t.request('GET', '/api/v1/me/push', { token: guardian.token });
    assert.equal(mine.json().subscribed, true);
    assert.ok(new Date(mine.json().expiresAt).getTime() > Date.now() + 30 * 86_400_000);
    assert.equal((await t.request('DELETE', '/api/v1/me/push', { token: guardian.token })).statusCode, 204);
    assert.equal((await t.request('GET', '/api/v1/me/push', { token: guardian.token })).json().subscribed, false);
    const patch = await t.request('PATCH', '/api/v1/me/push', { token: guardian.token, body: { level: 'none' } });
    assert.equal(patch.statusCode, 404);
    assert.equal(patch.json().error.code, 'push_not_subscribed');
  });

  test('a push service answering 410 or 404 removes the subscription; a 500 is tried again later, with backoff', async () => {
    const gone = await subscribe(guardian.token);
    const second = await actor(t, DEMO_PHONES.guardian5A);
    const missing = await subscribe(second.token);
    const flaky = await subscribe(otherGuardian.token);
    ps.setBehaviour(gone.id, 'gone');
    ps.setBehaviour(missing.id, 'not_found');
    ps.setBehaviour(flaky.id, 'error');
    await send(t, teacher, parentsChat, 'Проверка доставки');
    await worker.drain();
    const left = await t.runtime.ctx.db.selectFrom('push_subscriptions').select('endpoint').execute();
    assert.deepEqual(
      left.map((s) => s.endpoint),
      [flaky.endpoint],
    );
    const d = await t.runtime.ctx.db
      .selectFrom('push_deliveries')
      .selectAll()
      .where('subscription_id', 'in', t.runtime.ctx.db.selectFrom('push_subscriptions').select('id'))
      .execute();
    assert.equal(d.length, 1);
    assert.equal(d[0]!.state, 'pending');
    assert.equal(d[0]!.attempts, 1);
    assert.equal(d[0]!.last_error, 'HTTP 500');
    assert.ok(d[0]!.not_before.getTime() > Date.now() + 3_000, 'backs off');
    // Not before its time...
    await worker.drain();
    assert.equal(ps.for(flaky.id).length, 0);
    // ...and once the service is back and the time has come, it goes once.
    ps.setBehaviour(flaky.id, 'ok');
    f.offset = 10 * 60_000;
    await worker.drain();
    assert.equal(ps.for(flaky.id).length, 1);
    await worker.drain();
    assert.equal(ps.for(flaky.id).length, 1);
  });

  test('a slow push service holds neither the sender nor other devices', async () => {
    const slow = await subscribe(guardian.token);
    const quick = await subscribe(otherGuardian.token);
    ps.setBehaviour(slow.id, { delayMs: 1_500 });
    await send(t, teacher, parentsChat, 'Первое');
    // The send has been answered and the quick device served while the slow service still holds its push.
    await ps.waitFor(ps.received.length + 1);
    assert.equal(ps.for(quick.id).length, 1);
    assert.equal(ps.for(slow.id).length, 0);
    const again = await send(t, teacher, parentsChat, 'Второе');
    assert.ok(again.id);
    await worker.drain();
    assert.equal(ps.for(slow.id).length, 2);
    assert.equal(ps.for(quick.id).length, 2);
  });

  test('levels and mutes: a parent\'s chatter does not buzz by default in a parents\' chat; "all" does; a mute silences; a mention gets through', async () => {
    const device = await subscribe(otherGuardian.token);
    await send(t, guardian, parentsChat, 'Кто заберёт детей?');
    await worker.drain();
    assert.equal(ps.for(device.id).length, 0);
    const settings = await t.request('GET', `/api/v1/chats/${parentsChat}/notifications`, { token: otherGuardian.token });
    assert.deepEqual(settings.json(), { level: 'important', mutedUntil: null });
    const mention = 'Ирина, вы?';
    await send(t, guardian, parentsChat, mention, { mentions: [{ offset: 0, length: 5, personId: otherGuardian.personId }] });
    await worker.drain();
    assert.equal(ps.for(device.id).length, 1, 'a mention passes "important"');
    const all = await t.request('PUT', `/api/v1/chats/${parentsChat}/notifications`, { token: otherGuardian.token, body: { level: 'all' } });
    assert.equal(all.json().level, 'all');
    await send(t, guardian, parentsChat, 'Я заберу');
    await worker.drain();
    assert.equal(ps.for(device.id).length, 2);
    const muted = await t.request('PUT', `/api/v1/chats/${parentsChat}/notifications`, { token: otherGuardian.token, body: { mute: '8h' } });
    assert.ok(new Date(muted.json().mutedUntil).getTime() > Date.now() + 7 * 3_600_000);
    await send(t, teacher, parentsChat, 'Даже учитель не будит');
    await worker.drain();
    assert.equal(ps.for(device.id).length, 2);
    // Unmuted; the device itself set to nothing.
    await t.request('PUT', `/api/v1/chats/${parentsChat}/notifications`, { token: otherGuardian.token, body: { mute: null } });
    const dev = await t.request('PATCH', '/api/v1/me/push', { token: otherGuardian.token, body: { level: 'none' } });
    assert.equal(dev.json().level, 'none');
    await send(t, teacher, parentsChat, 'И это устройство молчит');
    await worker.drain();
    assert.equal(ps.for(device.id).length, 2);
    const bad = await t.request('PUT', `/api/v1/chats/${parentsChat}/notifications`, { token: otherGuardian.token, body: { mute: '3h' } });
    assert.equal(bad.statusCode, 400);
  });

  test('no push while the account is live on another device (an open WebSocket)', async () => {
    const url = await listenWs(t.app);
    const device = await subscribe(guardian.token);
    const laptop = await actor(t, DEMO_PHONES.guardian5A);
    const socket = await WsTestClient.connect(url, laptop.token);
    await send(t, teacher, parentsChat, 'Пока вы в сети');
    await worker.drain();
    assert.equal(ps.for(device.id).length, 0);
    socket.close();
    await socket.waitClosed();
    await new Promise((r) => setTimeout(r, 50));
    await send(t, teacher, parentsChat, 'Когда вы вышли');
    await worker.drain();
    assert.equal(ps.for(device.id).length, 1);
  });

  test("a meeting card notifies like a teacher's message, and shows what it is", async () => {
    const device = await subscribe(guardian.token);
    const res = await t.request('POST', `/api/v1/chats/${parentsChat}/meetings`, {
      token: teacher.token,
      body: {
        title: 'Родительское собрание 5А',
        agenda: ['Итоги четверти'],
        startsAt: new Date(Date.now() + 3 * 86_400_000).toISOString(),
        durationMinutes: 45,
      },
    });
    assert.equal(res.statusCode, 201, res.body);
    await worker.drain();
    assert.equal(ps.for(device.id).length, 1);
    const id = (JSON.parse(ps.for(device.id)[0]!.text) as { id: string }).id;
    const view = await t.request('GET', `/api/v1/notifications/${id}`, { token: guardian.token });
    assert.equal(view.json().body, 'Встреча: Родительское собрание 5А');
  });

  test("a revoked session's subscription gets nothing and is removed", async () => {
    const phone = await actor(t, DEMO_PHONES.guardian5A);
    const device = await subscribe(phone.token);
    const out = await t.request('POST', '/api/v1/sessions/revoke-others', { token: guardian.token });
    assert.equal(out.statusCode, 200, out.body);
    await send(t, teacher, parentsChat, 'После выхода');
    await worker.drain();
    assert.equal(ps.for(device.id).length, 0);
    const left = await t.runtime.ctx.db.selectFrom('push_subscriptions').select('id').where('endpoint', '=', device.endpoint).execute();
    assert.deepEqual(left, []);
  });
});
