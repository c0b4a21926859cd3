import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { PushService, type TestSubscription } from '../testing/push-service.ts';
import { call, diaryFixture, firstPeriod, journalOf, type DiaryFixture } from '../diary/test-fixture.ts';
import { NotificationWorker } from './worker.ts';

const localMinute = (at: Date, timeZone: string) => {
  const p = new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit' }).formatToParts(at);
  return Number(p.find((x) => x.type === 'hour')!.value) * 60 + Number(p.find((x) => x.type === 'minute')!.value);
};
const hhmm = (m: number) => `${String(Math.floor(((m + 1440) % 1440) / 60)).padStart(2, '0')}:${String(((m + 1440) % 1440) % 60).padStart(2, '0')}`;

/**
 * Diary events as pushes: a grade, homework and an absence reach the student and their guardians
 * (never the staff, never another family), past their settings and quiet hours like messages.
 */
describe('diary events notify the family', () => {
  let t: TestApp;
  let f: DiaryFixture;
  let ps: PushService;
  let worker: NotificationWorker;
  let base: string;
  let lessons: { id: string }[];
  let offset = 0;
  const clock = () => new Date(Date.now() + offset);
  const devices: Record<string, TestSubscription> = {};
  const subscribe = async (token: string) => {
    const sub = ps.subscribe();
    const res = await t.request('PUT', '/api/v1/me/push', { token, body: { endpoint: sub.endpoint, keys: sub.keys } });
    assert.equal(res.statusCode, 200, res.body);
    return sub;
  };
  const got = () => Object.fromEntries(Object.entries(devices).map(([k, d]) => [k, ps.for(d.id).length]));
  const view = async (token: string, who: string, i = -1) => {
    const push = ps.for(devices[who]!.id).at(i)!;
    const payload = JSON.parse(push.text) as Record<string, unknown>;
    assert.deepEqual(Object.keys(payload).sort(), ['id', 'n'], 'an id and a count, nothing else');
    const res = await t.request('GET', `/api/v1/notifications/${String(payload.id)}`, { token });
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as { title: string; body: string; url: string; tag: string; count: number; chatId: string | null };
  };

  before(async () => {
    t = await createTestApp({ demo: true });
    f = await diaryFixture(t);
    base = `/api/v1/schools/${f.schoolId}/diary`;
    ps = await PushService.start();
    worker = await NotificationWorker.start(t.runtime.ctx, { agent: ps.agent, now: clock, pollMs: 0 });
    await worker.drain();
    for (const [k, who] of Object.entries({
      guardian: f.guardian5a,
      student: f.student5a,
      classmate: f.classmate,
      math: f.math,
      ct: f.ct5a,
      other: f.guardian6b,
    }))
      devices[k] = await subscribe(who.token);
    lessons = (await journalOf(t, f, f.math, f.subjects.math, firstPeriod(f).id)).lessons;
  });
  after(async () => {
    await worker.stop();
    await ps.close();
    await t.close();
  });
  beforeEach(async () => {
    offset = 0;
    await t.runtime.ctx.db.deleteFrom('notification_policies').execute();
    await t.runtime.ctx.db.updateTable('push_subscriptions').set({ level: 'all', muted_until: null }).execute();
  });

  test('a new grade: to the student and their guardian, shown with the subject; a tap opens the diary; a removed grade notifies nobody', async () => {
    const before = got();
    await call(t, f.math, 'PUT', `${base}/lessons/${lessons[0]!.id}/grades/${f.student5a.personId}`, { value: '5' });
    await worker.drain();
    const after = got();
    assert.deepEqual(Object.fromEntries(Object.keys(after).map((k) => [k, after[k]! - before[k]!])), {
      guardian: 1,
      student: 1,
      classmate: 0,
      math: 0,
      ct: 0,
      other: 0,
    });
    const v = await view(f.guardian5a.token, 'guardian');
    assert.match(v.title, /^Дневник — \S+$/, "the child's first name");
    assert.equal(v.body, 'Новая оценка 5: Математика');
    assert.equal(v.url, '/diary');
    assert.equal(v.chatId, null);
    assert.equal((await view(f.student5a.token, 'student')).title, 'Дневник');
    // Only the account it was for may read it.
    const id = (JSON.parse(ps.for(devices.guardian!.id).at(-1)!.text) as { id: string }).id;
    assert.equal((await t.request('GET', `/api/v1/notifications/${id}`, { token: f.guardian6b.token })).statusCode, 404);
    await call(t, f.math, 'DELETE', `${base}/lessons/${lessons[0]!.id}/grades/${f.student5a.personId}`, undefined, 204);
    await worker.drain();
    assert.deepEqual(got(), after);
  });

  test("homework set: every family of the class; an absence: only that student's family, lateness nobody", async () => {
    const before = got();
    await call(t, f.math, 'PUT', `${base}/lessons/${lessons[1]!.id}/homework`, { text: '№ 12' });
    await worker.drain();
    const mid = got();
    assert.deepEqual(
      [
        mid.guardian! - before.guardian!,
        mid.student! - before.student!,
        mid.classmate! - before.classmate!,
        mid.math! - before.math!,
        mid.other! - before.other!,
      ],
      [1, 1, 1, 0, 0],
    );
    assert.match((await view(f.classmate.token, 'classmate')).body, /^Домашнее задание: Математика, к \d\d\.\d\d$/);
    await call(
      t,
      f.math,
      'PUT',
      `${base}/lessons/${lessons[2]!.id}/attendance`,
      {
        marks: [
          { studentId: f.student5a.personId, status: 'absent' },
          { studentId: f.classmate.personId, status: 'late' },
        ],
      },
      204,
    );
    await worker.drain();
    const end = got();
    assert.deepEqual([end.guardian! - mid.guardian!, end.student! - mid.student!, end.classmate! - mid.classmate!, end.math! - mid.math!], [1, 1, 0, 0]);
    assert.equal((await view(f.guardian5a.token, 'guardian')).body, 'Отсутствие на уроке: Математика');
  });

  test("settings and quiet hours apply: a device set to none gets nothing; in the school's quiet hours they are held and come as one summary", async () => {
    const off = await t.request('PATCH', '/api/v1/me/push', { token: f.student5a.token, body: { level: 'none' } });
    assert.equal(off.statusCode, 200, off.body);
    const tz = (await t.runtime.ctx.db.selectFrom('schools').select('timezone').where('id', '=', f.schoolId).executeTakeFirstOrThrow()).timezone;
    const now = localMinute(new Date(), tz);
    const policy = await t.request('PUT', `/api/v1/schools/${f.schoolId}/notification-policy`, {
      token: f.admin.token,
      body: { quietStart: hhmm(now - 60), quietEnd: hhmm(now + 60), urgentPerDay: 3 },
    });
    assert.equal(policy.statusCode, 200, policy.body);
    const before = got();
    await call(t, f.math, 'PUT', `${base}/lessons/${lessons[3]!.id}/grades/${f.student5a.personId}`, { value: '4' });
    await call(t, f.math, 'PUT', `${base}/lessons/${lessons[4]!.id}/grades/${f.student5a.personId}`, { value: '3' });
    await worker.drain();
    assert.deepEqual(got(), before, 'held in the quiet hours');
    offset = 61 * 60_000;
    await worker.drain();
    const after = got();
    assert.equal(after.guardian! - before.guardian!, 1, 'one summary');
    assert.equal(after.student, before.student, "the student's device is set to none");
    const v = await view(f.guardian5a.token, 'guardian');
    assert.equal(v.count, 2);
    assert.equal(v.body, '2 новые записи в дневнике: Новая оценка 3: Математика');
  });
});
