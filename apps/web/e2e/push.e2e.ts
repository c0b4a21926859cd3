import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page, Worker } from 'playwright-core';
import { PushService } from '../../server/src/testing/push-service.ts';
import { PHONES, TestServer, newContext, screenshot, signIn, useServerAndBrowser } from './harness.ts';

/**
 * Web Push in Chromium. The server pushes to a local push service (which checks the VAPID JWT and
 * decrypts the payload); the payload it received is then delivered to the browser's service
 * worker with CDP `ServiceWorker.deliverPushMessage`, since headless Chromium cannot subscribe to a
 * vendor's push service offline. The worker asks Parta what to show, shows it, and a tap opens the
 * chat at the message.
 */
const ps = await PushService.start();
const caFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'parta-push-ca-')), 'ca.pem');
fs.writeFileSync(caFile, ps.cert);
process.env.NODE_EXTRA_CA_CERTS = caFile;
const server = new TestServer();
const suite = useServerAndBrowser(server, { cleanup: () => ps.close() });

async function api(token: string, method: string, url: string, body?: unknown) {
  const res = await fetch(server.url + url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, json: (await res.json().catch(() => null)) as Record<string, unknown> };
}

async function signInApi(phone: string): Promise<string> {
  await fetch(`${server.url}/api/v1/auth/code`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phone }) });
  const res = await fetch(`${server.url}/api/v1/auth/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ phone, code: await server.code(phone) }),
  });
  return ((await res.json()) as { token: string }).token;
}

async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined as T);
    if (v !== undefined && ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

type Shown = { title: string; body: string; tag: string; data: { url: string; chatId: string } };
const notifications = (sw: Worker) =>
  sw.evaluate(async () => {
    const reg = (self as unknown as { registration: ServiceWorkerRegistration }).registration;
    return (await reg.getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data as { url: string; chatId: string } }));
  }) as Promise<Shown[]>;

test('a push shows who wrote where from Parta, one notification per chat, and a tap opens the chat at the message', async () => {
  const ctx: BrowserContext = await newContext(suite.browser);
  await ctx.grantPermissions(['notifications'], { origin: server.url });
  const page: Page = await ctx.newPage();
  await signIn(page, server, PHONES.parent);
  const sw = ctx.serviceWorkers()[0] ?? (await ctx.waitForEvent('serviceworker'));
  // The app hands its session to the service worker, which keeps it in a cache of its own.
  await until(
    'the worker to hold the session',
    () => sw.evaluate(async () => !!(await (await caches.open('parta-push')).match('/__parta/push-token'))),
    (v) => v === true,
  );
  const parentToken = await page.evaluate(() => localStorage.getItem('parta.token') ?? '');

  // This session's subscription, at the local push service.
  const sub = ps.subscribe();
  assert.equal((await api(parentToken, 'PUT', '/api/v1/me/push', { endpoint: sub.endpoint, keys: sub.keys })).status, 200);
  // The parent closes Parta (no live connection: the device is the one to notify).
  await page.goto('about:blank');

  const teacherToken = await signInApi(PHONES.teacher);
  const chats = (await api(teacherToken, 'GET', '/api/v1/chats')).json.chats as { id: string; kind: string; title: string }[];
  const chat = chats.find((c) => c.kind === 'parents' && c.title === '5А')!;
  const first = await api(teacherToken, 'POST', `/api/v1/chats/${chat.id}/messages`, { clientId: 'push-e2e-1', text: 'Завтра собрание в 18:00' });
  assert.equal(first.status, 201);
  await ps.waitFor(1);
  assert.deepEqual(ps.rejected, []);
  const payload1 = ps.received[0]!.text;
  assert.deepEqual(Object.keys(JSON.parse(payload1)).sort(), ['id', 'n']);
  const second = await api(teacherToken, 'POST', `/api/v1/chats/${chat.id}/messages`, { clientId: 'push-e2e-2', text: 'Возьмите сменную обувь' });
  const secondId = (second.json as { id: string }).id;
  await ps.waitFor(2);

  // Parta is open again; the push arrives at its service worker.
  await page.goto(server.url + '/');
  await page.locator('.shell').waitFor();
  const cdp = await ctx.newCDPSession(page);
  const registrations = new Promise<string>((resolve) =>
    cdp.on('ServiceWorker.workerRegistrationUpdated', (e: { registrations: { registrationId: string; scopeURL: string; isDeleted: boolean }[] }) => {
      const r = e.registrations.find((x) => !x.isDeleted && x.scopeURL.startsWith(server.url));
      if (r) resolve(r.registrationId);
    }),
  );
  await cdp.send('ServiceWorker.enable');
  const registrationId = await registrations;
  await cdp.send('ServiceWorker.deliverPushMessage', { origin: server.url, registrationId, data: payload1 });
  const shown = await until(
    'the notification',
    () => notifications(sw),
    (n) => n.length === 1,
  );
  assert.equal(shown[0]!.title, 'Елена Петровна (учитель), 5А — родители');
  assert.equal(shown[0]!.body, 'Завтра собрание в 18:00');
  assert.equal(shown[0]!.tag, `chat:${chat.id}`);

  // The second message of the chat replaces the first notification (tag, renotify).
  await cdp.send('ServiceWorker.deliverPushMessage', { origin: server.url, registrationId, data: ps.received[1]!.text });
  const replaced = await until(
    'the second notification',
    () => notifications(sw),
    (n) => n.length === 1 && n[0]!.body === 'Возьмите сменную обувь',
  );
  assert.equal(replaced[0]!.data.url, `/chats/${chat.id}?m=${secondId}&seq=${(second.json as { seq: number }).seq}`);

  // A tap: the open app moves to the chat, at the message.
  await sw.evaluate(async () => {
    const scope = self as unknown as { registration: ServiceWorkerRegistration; dispatchEvent(e: Event): boolean };
    const [n] = await scope.registration.getNotifications();
    const Click = (self as unknown as { NotificationEvent: new (type: string, init: { notification: Notification }) => Event }).NotificationEvent;
    scope.dispatchEvent(new Click('notificationclick', { notification: n! }));
  });
  await page.waitForURL((u) => u.pathname === `/chats/${chat.id}` && u.searchParams.get('m') === secondId, { timeout: 20_000 });
  await page.getByRole('heading', { name: '5А — родители' }).waitFor();
  await page.locator(`article[data-message-id="${secondId}"]`).waitFor();
  await until(
    'the notification to close',
    () => notifications(sw),
    (n) => n.length === 0,
  );
  await screenshot(page, 'push-tap-opens-chat');
  await ctx.close();
});
