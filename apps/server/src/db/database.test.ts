import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { migrate, openDatabase } from './database.ts';
import { DataDirLockedError, lockDataDir } from './lock.ts';

test('the embedded database persists in its folder, refuses a second opener, and re-migrates as a no-op', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parta-db-'));
  try {
    const first = await openDatabase({ kind: 'pglite', dataDir: dir });
    assert.ok((await migrate(first.db)).includes('0001_foundation'));
    await first.db.insertInto('schools').values({ name: 'Школа постоянства' }).execute();

    await assert.rejects(openDatabase({ kind: 'pglite', dataDir: dir }), DataDirLockedError);
    await first.close();
    assert.equal(fs.existsSync(path.join(dir, 'parta.lock')), false, 'the lock is released on close');

    const second = await openDatabase({ kind: 'pglite', dataDir: dir });
    assert.deepEqual(await migrate(second.db), [], 'nothing left to apply');
    const schools = await second.db.selectFrom('schools').select('name').execute();
    assert.deepEqual(
      schools.map((s) => s.name),
      ['Школа постоянства'],
    );
    await second.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a lock left by a dead process is taken over', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parta-db-'));
  try {
    fs.writeFileSync(path.join(dir, 'parta.lock'), '999999999');
    const unlock = lockDataDir(dir);
    assert.equal(fs.readFileSync(path.join(dir, 'parta.lock'), 'utf8'), String(process.pid));
    assert.throws(() => lockDataDir(dir), DataDirLockedError, 'a live holder keeps it');
    unlock();
    assert.equal(fs.existsSync(path.join(dir, 'parta.lock')), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test(
  'PostgreSQL: an idle pooled connection ended by the server is reported, and the next query gets a new one',
  { skip: process.env.DATABASE_URL ? false : 'needs DATABASE_URL' },
  async () => {
    const errors: Error[] = [];
    const database = await openDatabase({ kind: 'postgres', url: process.env.DATABASE_URL!, poolSize: 2 }, (err) => errors.push(err));
    try {
      const first = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(database.db);
      const pid = first.rows[0]!.pid;
      // Another session ends it while it sits idle in the pool, as a server restart would.
      const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await admin.connect();
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      await admin.end();
      for (let i = 0; i < 100 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(errors.length, 1);
      const next = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(database.db);
      assert.notEqual(next.rows[0]!.pid, pid);
    } finally {
      await database.close();
    }
  },
);

test(
  'PostgreSQL: each connection prepares the statements it runs with parameters, and none when turned off',
  { skip: process.env.DATABASE_URL ? false : 'needs DATABASE_URL' },
  async () => {
    const prepared = async (db: Awaited<ReturnType<typeof openDatabase>>['db']) =>
      (await sql<{ statement: string }>`SELECT statement FROM pg_prepared_statements`.execute(db)).rows.map((r) => r.statement);
    const on = await openDatabase({ kind: 'postgres', url: process.env.DATABASE_URL!, poolSize: 1 });
    try {
      for (let i = 0; i < 3; i++) assert.equal((await sql<{ n: number }>`SELECT ${i}::int + 1 AS n`.execute(on.db)).rows[0]!.n, i + 1);
      assert.deepEqual(await prepared(on.db), ['SELECT $1::int + 1 AS n'], 'prepared once, reused; a statement without parameters is not');
      // A wrong value for a prepared statement fails that query only.
      await assert.rejects(sql`SELECT ${'не число'}::int AS n`.execute(on.db));
      assert.equal((await sql<{ n: number }>`SELECT ${41}::int + 1 AS n`.execute(on.db)).rows[0]!.n, 42);
      // A table changed under a prepared statement (a migration while running): it still answers.
      const table = sql.raw(`prepared_${process.pid}_${Date.now()}`);
      await sql`CREATE TABLE ${table} (id int PRIMARY KEY)`.execute(on.db);
      try {
        await sql`INSERT INTO ${table} VALUES (1)`.execute(on.db);
        const row = (id: number) => sql<Record<string, unknown>>`SELECT * FROM ${table} WHERE id = ${id}`.execute(on.db);
        assert.deepEqual((await row(1)).rows, [{ id: 1 }]);
        await sql`ALTER TABLE ${table} ADD COLUMN note text DEFAULT 'новое'`.execute(on.db);
        assert.deepEqual((await row(1)).rows, [{ id: 1, note: 'новое' }]);
        assert.deepEqual((await row(1)).rows, [{ id: 1, note: 'новое' }]);
      } finally {
        await sql`DROP TABLE ${table}`.execute(on.db);
      }
    } finally {
      await on.close();
    }
    const off = await openDatabase({ kind: 'postgres', url: process.env.DATABASE_URL!, poolSize: 1, prepare: false });
    try {
      await sql`SELECT ${1}::int AS n`.execute(off.db);
      assert.deepEqual(await prepared(off.db), []);
    } finally {
      await off.close();
    }
  },
);

test(
  'PostgreSQL: pooled connections stay open through a quiet spell, and close after the idle time set',
  { skip: process.env.DATABASE_URL ? false : 'needs DATABASE_URL' },
  async () => {
    // Three at once take three connections; the pool hands out the one released last, so one
    // query at a time would leave the other two idle.
    const pids = async (db: Awaited<ReturnType<typeof openDatabase>>['db']) => {
      const rows = await Promise.all([1, 2, 3].map(() => sql<{ pid: number }>`SELECT pg_backend_pid() AS pid, pg_sleep(0.05)`.execute(db)));
      return new Set(rows.map((r) => r.rows[0]!.pid));
    };
    const open = async (db: Awaited<ReturnType<typeof openDatabase>>['db'], of: Set<number>) =>
      (await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = ANY (${[...of]}::int[])`.execute(db)).rows[0]!.n;
    const kept = await openDatabase({ kind: 'postgres', url: process.env.DATABASE_URL!, poolSize: 3 });
    const short = await openDatabase({ kind: 'postgres', url: process.env.DATABASE_URL!, poolSize: 3, idleSeconds: 1 });
    try {
      const [keptPids, shortPids] = [await pids(kept.db), await pids(short.db)];
      assert.equal(keptPids.size, 3);
      assert.equal(shortPids.size, 3);
      await new Promise((resolve) => setTimeout(resolve, 1_600));
      assert.equal(await open(kept.db, keptPids), 3, 'the default keeps them');
      // Asked through the other pool: its own query would open a connection of its own again.
      assert.equal(await open(kept.db, shortPids), 0, 'one second: all closed');
      assert.deepEqual(await pids(kept.db), keptPids, 'the same connections answer the next burst');
    } finally {
      await kept.close();
      await short.close();
    }
  },
);
