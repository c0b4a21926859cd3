import assert from 'node:assert/strict';
import { createTestApp, type TestApp, type TestAppOptions } from '../testing/harness.ts';
import { PushService, type TestSubscription } from '../testing/push-service.ts';
import { DEMO_PHONES } from '../demo/seed.ts';
import { actor, chatOf, type Actor } from '../messaging/test-helpers.ts';

/**
 * The set-up the notification tests share: the demo school, a real push service on 127.0.0.1,
 * the 5А class teacher and two 5А guardians signed in, the parents' chat, and a clock the
 * delivery worker reads (`offset` moves it).
 */
export interface NotifyFixture {
  t: TestApp;
  ps: PushService;
  teacher: Actor;
  guardian: Actor;
  otherGuardian: Actor;
  parentsChat: string;
  /** Moves the worker's clock ahead of the real one. */
  offset: number;
  clock: () => Date;
  /** Subscribes a new device of the account (PUT /api/v1/me/push) at the local push service. */
  subscribe(token: string): Promise<TestSubscription>;
  /** Reads what the service worker would show for a device's push (the last one by default). */
  view(token: string, sub: TestSubscription, i?: number): Promise<{ title: string; body: string; count: number; urgent: boolean; url: string; tag: string }>;
  close(): Promise<void>;
}

/** A second guardian of 5А in the demo roster. */
export const OTHER_GUARDIAN_5A = '+79002100002';

export async function notifyFixture(options: TestAppOptions = {}): Promise<NotifyFixture> {
  const t = await createTestApp({ demo: true, ...options });
  const ps = await PushService.start();
  const [teacher, guardian, otherGuardian] = [
    await actor(t, DEMO_PHONES.classTeacher5A),
    await actor(t, DEMO_PHONES.guardian5A),
    await actor(t, OTHER_GUARDIAN_5A),
  ];
  const parentsChat = (await chatOf(t, guardian, 'parents', '5А')).id;
  const f: NotifyFixture = {
    t,
    ps,
    teacher,
    guardian,
    otherGuardian,
    parentsChat,
    offset: 0,
    clock: () => new Date(Date.now() + f.offset),
    async subscribe(token) {
      const sub = ps.subscribe();
      const res = await t.request('PUT', '/api/v1/me/push', { token, body: { endpoint: sub.endpoint, expirationTime: null, keys: sub.keys } });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().subscribed, true);
      return sub;
    },
    async view(token, sub, i = -1) {
      const id = (JSON.parse(ps.for(sub.id).at(i)!.text) as { id: string }).id;
      const res = await t.request('GET', `/api/v1/notifications/${id}`, { token });
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    },
    async close() {
      await ps.close();
      await t.close();
    },
  };
  return f;
}
