import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../config.ts';
import { findJanusBinary, launchJanus } from './janus-process.ts';
import { startMedia } from './runtime.ts';

/** The media plane as the server starts it: a local Janus that is kept running. */
describe('local Janus runtime', () => {
  if (!findJanusBinary()) {
    if (process.env.CI === 'true') throw new Error('CI=true but no janus binary is installed (apt-get install janus)');
    test('local Janus runtime', { skip: 'no janus binary installed (apt-get install janus)' }, () => {});
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parta-media-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a local Janus that dies is restarted on the same address; the adapter reconnects and rooms can be made again', async () => {
    const base = 20000 + crypto.randomInt(0, 400) * 100;
    const config = loadConfig({ PARTA_DATA_DIR: dir, PARTA_JANUS_RTP_PORTS: `${base}-${base + 99}` });
    const media = await startMedia(config, pino({ level: 'silent' }));
    try {
      const adapter = media.adapter!;
      assert.ok(adapter, media.reason ?? 'no adapter');
      const room = { room: 5151, secret: 's', pin: 'p', description: 'restart', publishers: 4, bitrate: 256_000, simulcast: true };
      await adapter.createRoom(room);
      const first = media.localJanusPid!();
      const reset = new Promise<void>((resolve) => adapter.onReset(() => resolve()));

      process.kill(first, 'SIGKILL');
      await reset;
      const second = media.localJanusPid!();
      assert.notEqual(second, first, 'a new Janus process');
      assert.equal(adapter.ready(), true);
      // The old Janus's rooms went with it; the new one takes the same requests with the same secrets.
      assert.equal(await adapter.roomExists(room.room), false);
      await adapter.createRoom(room);
      assert.equal(await adapter.roomExists(room.room), true);
    } finally {
      await media.close();
    }
  });

  test('a Janus left running by a server killed outright is stopped when the next one starts in the same folder', async () => {
    const base = 20000 + crypto.randomInt(0, 400) * 100;
    const own = path.join(dir, 'stale');
    const stale = await launchJanus({ dir: own, rtpPortRange: `${base}-${base + 99}` });
    const alive = (pid: number) => fs.existsSync(`/proc/${pid}/cmdline`) && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').length > 0;
    assert.ok(alive(stale.pid));
    // The server that started it is gone without a word (SIGKILL): the next start finds it.
    const next = await launchJanus({ dir: own, rtpPortRange: `${base}-${base + 99}` });
    try {
      assert.equal(alive(stale.pid), false, 'the stale Janus is stopped');
      assert.ok(alive(next.pid));
      assert.equal(fs.readFileSync(path.join(own, 'janus.pid'), 'utf8'), String(next.pid));
    } finally {
      await next.stop();
      await stale.stop();
    }
  });
});
