import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { registerWebClient } from './static.ts';

function builtClient(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parta-web-'));
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Парта</title><div id="root"></div>');
  fs.writeFileSync(path.join(dir, 'assets/index-abc123.js'), 'console.log(1)');
  fs.writeFileSync(path.join(dir, 'sw.js'), 'self.addEventListener("fetch", () => {})');
  return dir;
}

test('the web client is served at /, its pages fall back to index.html, hashed assets are cached for a year', async (t) => {
  const dir = builtClient();
  const app = Fastify();
  app.get('/api/v1/ping', async () => ({ ok: true }));
  assert.equal(await registerWebClient(app, dir), true);
  t.after(async () => {
    await app.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const root = await app.inject({ method: 'GET', url: '/' });
  assert.equal(root.statusCode, 200);
  assert.match(root.body, /Парта/);
  assert.equal(root.headers['cache-control'], 'no-cache');

  const page = await app.inject({ method: 'GET', url: '/chats/5b0c1a2e-0000-4000-8000-000000000000?m=1' });
  assert.equal(page.statusCode, 200);
  assert.match(String(page.headers['content-type']), /text\/html/);
  assert.match(page.body, /id="root"/);

  const asset = await app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
  assert.equal(asset.statusCode, 200);
  assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');

  const sw = await app.inject({ method: 'GET', url: '/sw.js' });
  assert.equal(sw.headers['cache-control'], 'no-cache');
  assert.equal(sw.headers['service-worker-allowed'], '/');

  // The API keeps its own routes and its own 404; a missing file is not answered with the page.
  assert.deepEqual((await app.inject({ method: 'GET', url: '/api/v1/ping' })).json(), { ok: true });
  const api404 = await app.inject({ method: 'GET', url: '/api/v1/nothing-here' });
  assert.equal(api404.statusCode, 404);
  assert.equal(api404.json().error.code, 'route_not_found');
  assert.equal((await app.inject({ method: 'GET', url: '/assets/missing.js' })).statusCode, 404);
});

test('without a build the API runs alone', async () => {
  const app = Fastify({ logger: false });
  assert.equal(await registerWebClient(app, path.join(os.tmpdir(), 'parta-no-such-build')), false);
  assert.equal((await app.inject({ method: 'GET', url: '/' })).statusCode, 404);
  await app.close();
});
