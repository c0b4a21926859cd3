import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestServer, newContext, repoRoot, useServerAndBrowser } from './harness.ts';

/**
 * A deploy while a tab is open (src/sw-source.js, src/app/sw-update.ts). The tab was built with
 * lazy chunks that the new build no longer has; it must still load them, hear that an update is
 * ready, and move to the new version only when asked.
 */
const built = path.join(repoRoot, 'apps/web/dist');
const webDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parta-web-'));
const server = new TestServer({}, { webDir });
const suite = useServerAndBrowser(server, {
  prepare: () => fs.cpSync(built, webDir, { recursive: true }),
  cleanup: () => fs.rmSync(webDir, { recursive: true, force: true }),
});

/** The next build: one lazy chunk gone (its hash changed), a new service worker version. */
function deploy(gone: string): void {
  fs.rmSync(path.join(webDir, 'assets', gone));
  const sw = fs.readFileSync(path.join(webDir, 'sw.js'), 'utf8');
  const next = sw.replace(/const VERSION = "([0-9a-f]+)";/, (_m, v: string) => `const VERSION = "${v}-next";`).replace(`"/assets/${gone}",`, '');
  assert.notEqual(next, sw, 'sw.js has the version and precache list the build writes');
  fs.writeFileSync(path.join(webDir, 'sw.js'), next);
}

test('a tab open during a deploy still loads its lazy chunks, says an update is ready, and reloads into it when asked', async () => {
  const lazy = fs.readdirSync(path.join(built, 'assets')).find((f) => /^Search-.*\.js$/.test(f));
  assert.ok(lazy, 'the build has a lazy Search chunk');
  const ctx = await newContext(suite.browser);
  const page = await ctx.newPage();
  try {
    await page.goto(server.url);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 60_000 });
    const first = await page.evaluate(() => navigator.serviceWorker.controller!.scriptURL);

    deploy(lazy);
    // The browser's HTTP cache may still hold the chunk (it was fetched once, to be precached); on a
    // phone it is often evicted. Cleared here, so only the service worker's caches can answer.
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Network.clearBrowserCache');
    const direct = await fetch(`${server.url}/assets/${lazy}`);
    assert.ok(direct.status === 404 || !/javascript/.test(direct.headers.get('content-type') ?? ''), 'the server no longer has the chunk');

    type Watched = typeof window & { partaChanged?: boolean; partaRegistration?: ServiceWorkerRegistration };
    await page.evaluate(async () => {
      const w = window as Watched;
      w.partaChanged = false;
      navigator.serviceWorker.addEventListener('controllerchange', () => (w.partaChanged = true));
      w.partaRegistration = await navigator.serviceWorker.getRegistration();
      await w.partaRegistration?.update();
    });
    await page.getByText('Готова новая версия Parta').waitFor({ timeout: 60_000 });
    // Settled: the new version waits, or (a worker that takes over at once) it has taken this tab.
    await page.waitForFunction(() => (window as Watched).partaChanged || Boolean((window as Watched).partaRegistration?.waiting), undefined, {
      timeout: 60_000,
    });

    // The old tab asks for a chunk it was built with: still there, from the old version's cache.
    const loaded = await page.evaluate(
      (url) =>
        import(/* @vite-ignore */ url).then(
          () => 'loaded',
          (err: Error) => `failed: ${err.message}`,
        ),
      `/assets/${lazy}`,
    );
    assert.equal(loaded, 'loaded');
    assert.equal(await page.evaluate(() => (window as Watched).partaChanged), false, 'the new version did not take the open tab unasked');

    // Asked, the new version takes over and the page reloads into it.
    await Promise.all([page.waitForEvent('load', { timeout: 60_000 }), page.getByRole('button', { name: 'Обновить' }).click()]);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 60_000 });
    const shells = await page.evaluate(async () => (await caches.keys()).filter((k) => k.startsWith('parta-shell-')).sort());
    assert.equal(shells.length, 2, `the replaced version's files are kept for the grace period: ${shells.join(', ')}`);
    assert.equal(await page.getByText('Готова новая версия Parta').count(), 0);
    const waiting = await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => (r?.waiting ? 'waiting' : r?.active?.state)));
    assert.equal(waiting, 'activated');
    assert.ok(first.endsWith('/sw.js'));
  } finally {
    await ctx.close();
  }
});
