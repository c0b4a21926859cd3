import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { actor } from '../messaging/test-helpers.ts';
import { seedDemoDiary } from './diary.ts';
import { seedDemoChats } from './chats.ts';
import { DEMO_PHONES } from './phones.ts';
import { discardDemoSchool, seedDemo } from './seed.ts';

/** A demo seed that fails half-way leaves nothing behind, so the next start seeds the demo again. */
describe('the demo school: a failed seed is undone', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ demo: true });
  });
  after(() => t.close());

  test('a school with its roster, diary and chats is removed whole; the demo then seeds again', async () => {
    const ctx = t.runtime.ctx;
    const admin = await actor(t, DEMO_PHONES.admin);
    await seedDemoDiary(ctx, admin.schoolId);
    await seedDemoChats(ctx, admin.schoolId);
    const count = async (table: 'schools' | 'persons' | 'classes' | 'chats' | 'messages') =>
      Number(
        (
          await ctx.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    assert.ok((await count('messages')) > 0);

    await discardDemoSchool(ctx, admin.schoolId);
    for (const table of ['schools', 'persons', 'classes', 'chats', 'messages'] as const) assert.equal(await count(table), 0, table);

    assert.equal(await seedDemo(ctx), true, 'an empty database again: the demo is seeded');
    assert.equal(await count('schools'), 1);
    const again = await actor(t, DEMO_PHONES.guardian5A);
    assert.ok(again.token);
  });

  test('a school that appeared meanwhile is left alone: only the failed one is removed', async () => {
    const ctx = t.runtime.ctx;
    const [kept] = await ctx.db.selectFrom('schools').select('id').execute();
    const failed = await ctx.db.insertInto('schools').values({ name: 'Половина' }).returning('id').executeTakeFirstOrThrow();
    await discardDemoSchool(ctx, failed.id);
    const left = await ctx.db.selectFrom('schools').select('id').execute();
    assert.deepEqual(
      left.map((s) => s.id),
      [kept!.id],
    );
  });
});
