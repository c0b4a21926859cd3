import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { PushService, type TestSubscription } from '../testing/push-service.ts';
import { DEMO_PHONES } from '../demo/seed.ts';
import { actor, chatOf, send, type Actor } from '../messaging/test-helpers.ts';
import { NotificationWorker } from './worker.ts';

const moscow = (at: Date) => {
  const p = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Moscow',
    hourCycle: 'h23',
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(at);
  const get = (k: string) => p.find((x) => x.type === k)!.value;
  return { minute: Number(get('hour')) * 60 + Number(get('minute')), weekday: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(get('weekday')) + 1 };
};
const hhmm = (m: number) => `${String(Math.floor(((m + 1440) % 1440) / 60)).padStart(2, '0')}:${String(((m + 1440) % 1440) % 60).padStart(2, '0')}`;

/** Quiet hours delivered: held on the server and sent as one summary per chat when they end (a controlled clock); urgent messages. */
describe('quiet hours and urgent messages', () => {
  let t: TestApp;
  let ps: PushService;
  let worker: NotificationWorker;
  let teacher: Actor, guardian: Actor, admin: Actor;
  let parentsChat: string, classChannel: string;
  let offset = 0;
  const clock = () => new Date(Date.now() + offset);

  const subscribe = async (token: string): Promise<TestSubscription> => {
    const sub = ps.subscribe();
    const res = await t.request('PUT', '/api/v1/me/push', { token, body: { endpoint: sub.endpoint, keys: sub.keys } });
    assert.equal(res.statusCode, 200, res.body);
    return sub;
  };
  const view = async (token: string, sub: TestSubscription, i = -1) => {
    const id = (JSON.parse(ps.for(sub.id).at(i)!.text) as { id: string }).id;
    const res = await t.request('GET', `/api/v1/notifications/${id}`, { token });
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as { title: string; body: string; count: number; urgent: boolean; url: string; tag: string };
  };

  /** The SMS gateway (PARTA_SMS_PROVIDER=http): what it was asked to send. */
  const texts: { to: string; text: string }[] = [];
  let gateway: http.Server;

  before(async () => {
    gateway = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        texts.push(JSON.parse(body) as { to: string; text: string });
        res.end('{}');
      });
    });
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    const smsUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/sms`;
    t = await createTestApp({ demo: true, env: { PARTA_SMS_PROVIDER: 'http', PARTA_SMS_HTTP_URL: smsUrl } });
    ps = await PushService.start();
    teacher = await actor(t, DEMO_PHONES.classTeacher5A);
    guardian = await actor(t, DEMO_PHONES.guardian5A);
    admin = await actor(t, DEMO_PHONES.admin);
    parentsChat = (await chatOf(t, guardian, 'parents', '5А')).id;
    classChannel = (await chatOf(t, guardian, 'class_channel', '5А')).id;
    worker = await NotificationWorker.start(t.runtime.ctx, { agent: ps.agent, now: clock, pollMs: 0 });
    await worker.drain();
  });
  after(async () => {
    await worker.stop();
    await ps.close();
    await t.close();
    gateway.close();
  });
  beforeEach(async () => {
    offset = 0;
    await t.runtime.ctx.db.deleteFrom('push_subscriptions').execute();
    await t.runtime.ctx.db.deleteFrom('working_hours').execute();
    await t.runtime.ctx.db.deleteFrom('notification_policies').execute();
  });

  test("messages in a guardian's own quiet hours are held and arrive as one summary per chat when the hours begin", async () => {
    const device = await subscribe(guardian.token);
    // Working hours only tomorrow, 09:00–18:00: now is outside them.
    const tomorrow = (moscow(new Date()).weekday % 7) + 1;
    const hours = await t.request('PUT', '/api/v1/me/working-hours', {
      token: guardian.token,
      body: { timezone: 'Europe/Moscow', start: '09:00', end: '18:00', days: [tomorrow] },
    });
    assert.equal(hours.statusCode, 200, hours.body);
    await send(t, teacher, parentsChat, 'Первое вечернее');
    await send(t, teacher, parentsChat, 'Второе вечернее');
    const last = await send(t, teacher, parentsChat, 'Третье вечернее');
    await send(t, teacher, classChannel, 'В канале класса');
    await worker.drain();
    assert.equal(ps.for(device.id).length, 0, 'nothing during quiet hours');
    const held = await t.runtime.ctx.db
      .selectFrom('push_deliveries')
      .select(['kind', 'count', 'not_before', 'chat_id'])
      .where('state', '=', 'pending')
      .orderBy('count', 'desc')
      .execute();
    assert.deepEqual(
      held.map((h) => [h.kind, h.count, h.chat_id]),
      [
        ['summary', 3, parentsChat],
        ['summary', 1, classChannel],
      ],
    );
    const resume = held[0]!.not_before;
    assert.equal(moscow(resume).minute, 9 * 60);
    assert.equal(moscow(resume).weekday, tomorrow);
    // A minute before the hours begin: still nothing.
    offset = resume.getTime() - Date.now() - 60_000;
    await worker.drain();
    assert.equal(ps.for(device.id).length, 0);
    offset = resume.getTime() - Date.now() + 1_000;
    await worker.drain();
    assert.equal(ps.for(device.id).length, 2, 'one summary per chat');
    const shown = await Promise.all([0, 1].map((i) => view(guardian.token, device, i)));
    const parents = shown.find((v) => v.tag === `chat:${parentsChat}`)!;
    assert.equal(parents.count, 3);
    assert.equal(parents.body, '3 новых сообщения: Третье вечернее');
    assert.ok(parents.url.includes(`m=${last.id}`), 'opens at the newest');
    await worker.drain();
    assert.equal(ps.for(device.id).length, 2);
  });

  test("the school's quiet hours hold everyone's pushes; an urgent mark goes through them, with its reason, limited per day and written to the audit log", async () => {
    const device = await subscribe(guardian.token);
    const now = moscow(new Date()).minute;
    const policy = await t.request('PUT', `/api/v1/schools/${admin.schoolId}/notification-policy`, {
      token: admin.token,
      body: { quietStart: hhmm(now - 60), quietEnd: hhmm(now + 60), urgentPerDay: 1, urgentSmsPerDay: 1 },
    });
    // Two more guardians of 5А on Parta, with no device for pushes: the school's cap lets one SMS go.
    const noDevice = [await actor(t, '+79002100002'), await actor(t, '+79002100003')];
    assert.equal(policy.statusCode, 200, policy.body);
    assert.equal(
      (await t.request('PUT', `/api/v1/schools/${admin.schoolId}/notification-policy`, { token: teacher.token, body: policy.json() })).statusCode,
      403,
    );
    assert.equal(
      (
        await t.request('PUT', `/api/v1/schools/${admin.schoolId}/notification-policy`, {
          token: admin.token,
          body: { quietStart: '22:00', quietEnd: null, urgentPerDay: 1 },
        })
      ).statusCode,
      400,
    );
    assert.deepEqual((await t.request('GET', `/api/v1/schools/${admin.schoolId}/notification-policy`, { token: guardian.token })).json(), policy.json());
    const m = await send(t, teacher, parentsChat, 'Завтра отменяется физкультура');
    await worker.drain();
    assert.equal(ps.for(device.id).length, 0, "held by the school's quiet hours");
    // Only the author, a teacher, may mark it; a guardian may not, nor a teacher someone else's message.
    const byGuardian = await t.request('POST', `/api/v1/chats/${parentsChat}/messages/${m.id}/urgent`, { token: guardian.token, body: { reason: 'тест' } });
    assert.equal(byGuardian.statusCode, 403);
    assert.equal(byGuardian.json().error.code, 'urgent_not_allowed');
    const empty = await t.request('POST', `/api/v1/chats/${parentsChat}/messages/${m.id}/urgent`, { token: teacher.token, body: { reason: '  ' } });
    assert.equal(empty.statusCode, 400);
    const urgent = await t.request('POST', `/api/v1/chats/${parentsChat}/messages/${m.id}/urgent`, {
      token: teacher.token,
      body: { reason: 'Изменение расписания' },
    });
    assert.equal(urgent.statusCode, 200, urgent.body);
    assert.deepEqual(urgent.json(), { messageId: m.id, reason: 'Изменение расписания', usedToday: 1, perDay: 1, sms: 1 });
    // (Sign-in codes go through the same gateway.)
    const urgentTexts = () => texts.filter((x) => x.text.startsWith('Parta: срочное'));
    for (let i = 0; i < 100 && urgentTexts().length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(urgentTexts().length, 1);
    assert.ok(['+79002100002', '+79002100003'].includes(urgentTexts()[0]!.to));
    assert.equal(urgentTexts()[0]!.text, `Parta: срочное сообщение от школы. Откройте ${t.config.publicUrl}`);
    assert.ok(noDevice.length === 2);
    await worker.drain();
    assert.equal(ps.for(device.id).length, 1);
    assert.equal(ps.for(device.id)[0]!.headers.urgency, 'high');
    const shown = await view(guardian.token, device);
    assert.equal(shown.urgent, true);
    assert.equal(shown.body, 'Срочно: Изменение расписания\nЗавтра отменяется физкультура');
    // Marking it again changes nothing; a second message the same day is over the limit.
    assert.equal(
      (await t.request('POST', `/api/v1/chats/${parentsChat}/messages/${m.id}/urgent`, { token: teacher.token, body: { reason: 'ещё раз' } })).json().reason,
      'Изменение расписания',
    );
    const next = await send(t, teacher, parentsChat, 'И ещё одно');
    const over = await t.request('POST', `/api/v1/chats/${parentsChat}/messages/${next.id}/urgent`, { token: teacher.token, body: { reason: 'Снова срочно' } });
    assert.equal(over.statusCode, 429);
    assert.equal(over.json().error.code, 'urgent_limit_reached');
    await worker.drain();
    assert.equal(ps.for(device.id).length, 1);
    const audit = await t.runtime.ctx.db.selectFrom('school_audit_log').selectAll().where('school_id', '=', admin.schoolId).execute();
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.action, 'message.urgent');
    assert.equal(audit[0]!.actor_person_id, teacher.personId);
  });

  test('before sending in a direct chat, the writer learns when the teacher will be notified', async () => {
    const dm = await t.request('POST', `/api/v1/schools/${guardian.schoolId}/directs`, { token: guardian.token, body: { personId: teacher.personId } });
    const chatId = dm.json().chatId as string;
    assert.deepEqual((await t.request('GET', `/api/v1/chats/${chatId}/recipient-hours`, { token: guardian.token })).json(), { notice: null });
    const tomorrow = (moscow(new Date()).weekday % 7) + 1;
    await t.request('PUT', '/api/v1/me/working-hours', {
      token: teacher.token,
      body: { timezone: 'Europe/Moscow', start: '08:00', end: '17:00', days: [tomorrow] },
    });
    const ahead = await t.request('GET', `/api/v1/chats/${chatId}/recipient-hours`, { token: guardian.token });
    assert.equal(ahead.statusCode, 200, ahead.body);
    const notice = ahead.json().notice;
    assert.equal(notice.personId, teacher.personId);
    assert.equal(moscow(new Date(notice.resumesAt)).minute, 8 * 60);
    assert.match(notice.message, /^У адресата \(Елена Петровна\) сейчас нерабочее время: сообщение дойдёт сразу, а уведомление — .*08:00\.$/);
    assert.deepEqual((await t.request('GET', `/api/v1/chats/${parentsChat}/recipient-hours`, { token: guardian.token })).json(), { notice: null });
  });
});
