import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp } from '../testing/harness.ts';
import { DEMO_PHONES } from '../demo/seed.ts';
import { actor } from '../messaging/test-helpers.ts';
import { call, createBot } from './test-helpers.ts';

test("a long poll does not hold the server's shutdown: it is answered (empty) at once, with the school's assistant running too", async () => {
  const t = await createTestApp({ demo: true, env: { PARTA_HELPER_BOT: 'inprocess' } });
  const admin = await actor(t, DEMO_PHONES.admin);
  const bot = await createBot(t, admin, 'poller');
  // Fifty seconds of waiting, as Telegram allows; nothing comes.
  const poll = call(t, bot.token, 'getUpdates', { timeout: 50 });
  await new Promise((r) => setTimeout(r, 300));
  const started = Date.now();
  await t.close();
  const took = Date.now() - started;
  assert.ok(took < 10_000, `the shutdown waited ${took} ms for the long polls`);
  assert.deepEqual((await poll).json, { ok: true, result: [] });
});
