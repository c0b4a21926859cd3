import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
    assert.deepEqual(schools.map((s) => s.name), ['Школа постоянства']);
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
