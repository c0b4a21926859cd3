import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { createTestApp } from '../testing/harness.ts';
import { compileOnce } from './compiled.ts';

describe('compileOnce', () => {
  test("builds once, then runs with each call's parameters, on the real database", async () => {
    const t = await createTestApp();
    try {
      const db = t.runtime.ctx.db;
      let builds = 0;
      const bySchool = compileOnce(2, (on: typeof db, name: string, limit: number) => {
        builds++;
        return on.selectFrom('schools').select('name').where('name', '=', name).where('timezone', 'is not', null).limit(limit);
      });
      await db
        .insertInto('schools')
        .values([
          { name: 'Школа № 1', timezone: 'Europe/Moscow' },
          { name: 'Школа № 2', timezone: 'Europe/Moscow' },
        ])
        .execute();
      assert.deepEqual((await db.executeQuery(bySchool(db, 'Школа № 1', 5))).rows, [{ name: 'Школа № 1' }]);
      assert.deepEqual((await db.executeQuery(bySchool(db, 'Школа № 2', 5))).rows, [{ name: 'Школа № 2' }]);
      assert.deepEqual((await db.executeQuery(bySchool(db, 'Школа № 2', 0))).rows, []);
      assert.equal(builds, 1);
      const echo = compileOnce(1, (_on: typeof db, v: string) => sql<{ v: string }>`SELECT ${v}::text AS v, ${'fixed'}::text AS f`);
      assert.deepEqual((await db.executeQuery(echo(db, 'a'))).rows, [{ v: 'a', f: 'fixed' }]);
      assert.deepEqual((await db.executeQuery(echo(db, 'b'))).rows, [{ v: 'b', f: 'fixed' }]);
      // An argument that does not become a parameter is refused when the query is first built.
      const wrong = compileOnce(1, (_on: typeof db, _v: string) => sql`SELECT 1`);
      assert.throws(() => wrong(db, 'x'), /argument 0 must be exactly one parameter/);
    } finally {
      await t.close();
    }
  });
});
