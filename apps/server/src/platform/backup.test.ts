import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tar from 'tar';
import pino from 'pino';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { DEMO_PHONES } from '../demo/seed.ts';
import { actor, chatOf, send, type Actor } from '../messaging/test-helpers.ts';
import { upload } from '../files/test-helpers.ts';
import { DataDirLockedError } from '../db/lock.ts';
import { loadConfig } from '../config.ts';
import { BackupError } from './backup.ts';
import { backupCommand, restoreCommand } from './backup-commands.ts';
import { controlSocket, startControl } from './control.ts';

/**
 * Backup and restore of an embedded deployment, end to end through the public API: a backup
 * taken from a running server over its control socket, the data folder wiped, the archive
 * restored, and the same messages and attachments served again. Runs on PGlite in every run
 * (the embedded database is what it is about), with or without DATABASE_URL.
 */
describe('backup and restore of the embedded database and its files', () => {
  let root: string;
  let dataDir: string;
  let archive: string;
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'parta-bk-')); // short: a Unix socket path has ~107 bytes
    dataDir = path.join(root, 'data');
    archive = path.join(root, 'school.tar.gz');
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  const messagesOf = async (t: TestApp, a: Actor, chatId: string) => {
    const res = await t.request('GET', `/api/v1/chats/${chatId}/messages?limit=100`, { token: a.token });
    assert.equal(res.statusCode, 200, res.body);
    return (res.json().messages as { id: string; text: string; attachments: { id: string; url: string }[] }[]).map((m) => ({
      id: m.id,
      text: m.text,
      attachments: m.attachments.map((f) => f.id),
    }));
  };

  test('backup while the server runs, wipe, restore: the same messages, attachments downloadable, revoked sessions stay revoked', async () => {
    const t = await createTestApp({ demo: true, dataDir });
    let stopControl = async () => {};
    let before: Awaited<ReturnType<typeof messagesOf>>;
    let fileUrl: string;
    let revokedToken: string;
    let keptToken: string;
    const content = Buffer.from('Расписание контрольных: вторник, четверг\n');
    let chatId: string;
    try {
      fs.mkdirSync(path.join(dataDir, '.backup-killed'));
      fs.writeFileSync(path.join(dataDir, '.backup-killed', 'database.tar'), 'left by a backup that was killed');
      stopControl = await startControl(t.runtime.database.pglite!, dataDir, pino({ level: 'silent' }));
      assert.ok(!fs.existsSync(path.join(dataDir, '.backup-killed')), 'a killed backup leaves no copy of the database behind');
      const teacher = await actor(t, DEMO_PHONES.classTeacher5A);
      keptToken = teacher.token;
      revokedToken = (await t.signIn(DEMO_PHONES.classTeacher5A)).token;
      chatId = (await chatOf(t, teacher, 'class', '5А')).id;
      const up = await upload(t, teacher.token, chatId, 'расписание.txt', content, 'text/plain');
      assert.equal(up.statusCode, 201, up.body);
      fileUrl = up.json().url;
      await send(t, teacher, chatId, 'Во вторник контрольная', { attachments: [up.json().id] });
      await send(t, teacher, chatId, 'Не забудьте линейки');
      before = await messagesOf(t, teacher, chatId);

      // The server keeps answering during the backup: a read served at the same time.
      const [written, during] = await Promise.all([backupCommand(t.config, archive), t.request('GET', '/api/v1/chats', { token: teacher.token })]);
      assert.match(written, /by the running server/);
      assert.equal(during.statusCode, 200);
      assert.ok(!fs.existsSync(`${archive}.${process.pid}.partial`));
      const names: string[] = [];
      await tar.t({ file: archive, onReadEntry: (e) => void names.push(e.path) });
      assert.ok(names.includes('manifest.json') && names.includes('database.tar'), names.join(', '));
      assert.ok(
        names.some((n) => n.startsWith('files/') && !n.endsWith('/')),
        'the stored files are in the archive',
      );

      // After the backup: a session revoked, a message sent. Neither is in the backup.
      assert.equal((await t.request('POST', '/api/v1/auth/logout', { token: revokedToken })).statusCode, 204);
      assert.equal((await t.request('GET', '/api/v1/me', { token: revokedToken })).statusCode, 401);
      await send(t, teacher, chatId, 'Отправлено после копии');

      // A restore refuses a folder whose server runs.
      await assert.rejects(restoreCommand(t.config, archive, true), DataDirLockedError);
    } finally {
      await stopControl();
      await t.close();
    }
    assert.ok(!fs.existsSync(controlSocket(dataDir)), 'the socket is removed at shutdown');

    // Disaster: the data folder is gone.
    fs.rmSync(dataDir, { recursive: true, force: true });
    const restored = await restoreCommand(t.config, archive, false);
    assert.match(restored, /sessions were ended/);

    const r = await createTestApp({ dataDir });
    try {
      assert.equal((await r.request('GET', '/api/v1/me', { token: revokedToken })).statusCode, 401, 'revoked after the backup: still revoked');
      assert.equal((await r.request('GET', '/api/v1/me', { token: keptToken })).statusCode, 401, 'every session of the backup is ended');
      const teacher = await actor(r, DEMO_PHONES.classTeacher5A);
      assert.deepEqual(await messagesOf(r, teacher, chatId), before, 'the messages as they were at the backup');
      const download = await r.request('GET', fileUrl, { token: teacher.token });
      assert.equal(download.statusCode, 200);
      assert.deepEqual(download.rawPayload, content);
    } finally {
      await r.close();
    }
  });

  test('with no server running, backup opens the database itself', async () => {
    const offline = path.join(root, 'offline.tar.gz');
    const t = await createTestApp({ dataDir });
    const config = t.config;
    await t.close();
    const written = await backupCommand(config, offline);
    assert.match(written, /Backup written to .*\(\d+ stored files\)/);
    assert.ok(fs.statSync(offline).size > 10_000);
  });

  test('restore refuses a folder that holds a database unless forced, and then keeps the old one aside', async () => {
    const t = await createTestApp({ dataDir });
    const config = t.config;
    await t.close();
    await assert.rejects(restoreCommand(config, archive, false), (err: Error) => err instanceof BackupError && /already holds/.test(err.message));
    const out = await restoreCommand(config, archive, true);
    const aside = /kept in (\S+)\./.exec(out)?.[1];
    assert.ok(aside && fs.existsSync(path.join(aside, 'pg', 'PG_VERSION')), out);
  });

  test('restore refuses what is not a Parta backup, and changes nothing', async () => {
    const empty = path.join(root, 'empty');
    const config = loadConfig({ PARTA_DATA_DIR: empty });
    const junk = path.join(root, 'junk.tar.gz');
    fs.writeFileSync(junk, 'not an archive');
    await assert.rejects(restoreCommand(config, junk, false), BackupError);
    const other = path.join(root, 'other.tar.gz');
    fs.writeFileSync(path.join(root, 'manifest.json'), JSON.stringify({ format: 'something-else', version: 1 }));
    await tar.c({ gzip: true, file: other, cwd: root }, ['manifest.json']);
    await assert.rejects(restoreCommand(config, other, false), /not a Parta backup/);
    fs.writeFileSync(path.join(root, 'manifest.json'), JSON.stringify({ format: 'parta-backup', version: 99 }));
    await tar.c({ gzip: true, file: other, cwd: root }, ['manifest.json']);
    await assert.rejects(restoreCommand(config, other, false), /version 99/);
    await assert.rejects(restoreCommand(config, path.join(root, 'missing.tar.gz'), false), /No such file/);
    assert.deepEqual(
      fs.readdirSync(empty).filter((f) => f !== 'parta.lock'),
      [],
      'nothing was written',
    );
  });
});
