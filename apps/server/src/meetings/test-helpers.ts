import { after, before, test } from 'node:test';
import fs from 'node:fs';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { DEMO_PHONES } from '../demo/seed.ts';
import { actor, chatOf, type Actor } from '../messaging/test-helpers.ts';
import type { MediaRuntime } from '../media/runtime.ts';
import { startTestJanus, testMediaRuntime } from '../media/testing.ts';

/** 5А's people of the meetings tests: its class teacher, the mother and the father of its first pupil, the pupil, a 6Б parent. */
export interface MeetingPeople {
  teacher: Actor;
  guardian: Actor;
  father: Actor;
  student: Actor;
  /** A parent of another class: not a member of 5А's chats. */
  other: Actor;
  /** «5А — родители» and «5А — класс». */
  parentsChatId: string;
  classChatId: string;
}

export interface JanusMeetingApp {
  readonly t: TestApp;
  readonly media: MediaRuntime;
  /** The people, once the file's `before` hooks run. */
  people(): MeetingPeople;
  call(a: Actor, method: string, path: string, body?: object): ReturnType<TestApp['request']>;
  /** A meeting of `chatId` scheduled by the class teacher, starting a minute (or `inMs`) from now. */
  schedule(chatId: string, title: string, inMs?: number): Promise<{ id: string; videoConfigured: boolean }>;
}

/**
 * The frame of a meetings test against a real Janus, inside a `describe`: starts Janus and the demo
 * school's app before the file's tests and stops both after them. Without a `janus` binary it adds
 * one skipped test named `name` and returns null (under CI=true, a missing Janus fails instead).
 */
export async function meetingsWithJanus(name: string): Promise<JanusMeetingApp | null> {
  const started = await startTestJanus();
  if ('skip' in started) {
    test(name, { skip: started.skip }, () => {});
    return null;
  }
  const { janus, dir } = started;
  let t: TestApp | undefined;
  let media: MediaRuntime | undefined;
  let people: MeetingPeople | undefined;
  before(async () => {
    media = testMediaRuntime(janus);
    t = await createTestApp({ demo: true, overrides: { media } });
    const teacher = await actor(t, DEMO_PHONES.classTeacher5A);
    people = {
      teacher,
      guardian: await actor(t, DEMO_PHONES.guardian5A),
      father: await actor(t, '+79003100001'),
      student: await actor(t, DEMO_PHONES.student5A),
      other: await actor(t, DEMO_PHONES.guardian6B),
      parentsChatId: (await chatOf(t, teacher, 'parents')).id,
      classChatId: (await chatOf(t, teacher, 'class')).id,
    };
  });
  after(async () => {
    await t?.close();
    await media?.close();
    await janus.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const app: JanusMeetingApp = {
    get t() {
      if (!t) throw new Error('the app starts in before()');
      return t;
    },
    get media() {
      if (!media) throw new Error('the media runtime starts in before()');
      return media;
    },
    people() {
      if (!people) throw new Error('the people are known after before()');
      return people;
    },
    call: (a, method, path, body) => app.t.request(method, path, { token: a.token, ...(body ? { body } : {}) }),
    async schedule(chatId, title, inMs = 60_000) {
      const res = await app.call(people!.teacher, 'POST', `/api/v1/chats/${chatId}/meetings`, {
        title,
        startsAt: new Date(Date.now() + inMs).toISOString(),
        durationMinutes: 30,
      });
      return res.json();
    },
  };
  return app;
}
