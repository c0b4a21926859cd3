import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { DEMO_PHONES } from '../demo/seed.ts';
import { actor, chatOf, chats } from './test-helpers.ts';

describe('chats provisioned from the roster', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ demo: true });
  });
  after(() => t.close());

  test('each role gets the chats of its classes, and of the school', async () => {
    const teacher = await actor(t, DEMO_PHONES.classTeacher5A);
    const guardian = await actor(t, DEMO_PHONES.guardian5A);
    const student = await actor(t, DEMO_PHONES.student5A);
    const admin = await actor(t, DEMO_PHONES.admin);
    const kinds = async (a: { token: string }) => (await chats(t, a)).map((c) => `${c.kind}:${c.title ?? ''}`).sort();
    assert.deepEqual(await kinds(teacher), ['class:5А', 'class_channel:5А', 'parents:5А', 'school_channel:', 'staff:']);
    assert.deepEqual(await kinds(guardian), ['class_channel:5А', 'parents:5А', 'parents_only:5А', 'school_channel:']);
    assert.deepEqual(await kinds(student), ['class:5А', 'class_channel:5А', 'school_channel:']);
    assert.deepEqual(await kinds(admin), ['school_channel:', 'staff:']);
  });
});
