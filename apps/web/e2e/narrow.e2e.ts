import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { PHONE, PHONES, TestServer, newContext, screenshot, signIn, waitLive, useServerAndBrowser } from './harness.ts';

/**
 * Every screen at 360 px, online and then offline: the page is never wider than the window, and the
 * console stays free of errors (offline, only the browser's own notes of failed requests are allowed).
 */
const server = new TestServer();

const suite = useServerAndBrowser(server);

/** Console errors, minus the browser's notes of requests that could not go out (offline). */
function watch(page: Page): { errors: string[]; offline: { on: boolean } } {
  const errors: string[] = [];
  const offline = { on: false };
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const text = m.text();
    if (offline.on && /ERR_INTERNET_DISCONNECTED|WebSocket connection to .* failed|Failed to fetch/.test(text)) return;
    errors.push(`${page.url()}: ${text}`);
  });
  page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
  return { errors, offline };
}

async function fits(page: Page, where: string) {
  await page.waitForTimeout(300);
  const r = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    inner: window.innerWidth,
    wide: [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
      .slice(0, 5)
      .map((e) => `${e.tagName}.${String(e.className)}`),
  }));
  assert.ok(r.scroll <= r.inner, `${where}: ${r.scroll} px wide in ${r.inner} px (${r.wide.join(', ')})`);
}

/** Moves within the app without loading the page (offline, the app is already there). */
async function go(page: Page, route: string) {
  await page.evaluate((r) => {
    history.pushState(null, '', r);
    window.dispatchEvent(new PopStateEvent('popstate'));
  }, route);
}

/** Each route loaded online, then each again offline (moved to within the app, as a person would). */
async function sweep(page: Page, routes: [string, string][], name: string, offline: { on: boolean }) {
  for (const [route, ready] of routes) {
    await page.goto(server.url + route);
    await waitLive(page);
    await page.locator(ready).first().waitFor();
    await fits(page, `${name} online ${route}`);
  }
  offline.on = true;
  await page.context().setOffline(true);
  await page.locator('[data-sync="reconnecting"]').waitFor();
  for (const [route, ready] of routes) {
    await go(page, route);
    await page
      .locator(ready)
      .first()
      .waitFor({ timeout: 5000 })
      .catch(() => undefined);
    await fits(page, `${name} offline ${route}`);
    await screenshot(page, `narrow-offline-${name}${route.replaceAll('/', '-')}`);
  }
  await page.context().setOffline(false);
  offline.on = false;
  await waitLive(page, 30_000);
}

test('sign-in and linking at 360 px, online and offline', async () => {
  const page = await (await newContext(suite.browser, PHONE)).newPage();
  const { errors, offline } = watch(page);
  await page.goto(server.url + '/');
  await page.getByLabel('Номер телефона').waitFor();
  await fits(page, 'sign-in');
  await page.getByLabel('Номер телефона').fill('+79990001133');
  await page.getByRole('button', { name: 'Получить код' }).click();
  await page.getByLabel('Код из СМС').fill(await server.code('+79990001133'));
  await page.getByRole('heading', { name: 'Подключение к школе' }).waitFor();
  await fits(page, 'linking');
  offline.on = true;
  await page.context().setOffline(true);
  await page.getByRole('textbox', { name: 'Код приглашения' }).fill('NOPE-NOPE');
  await page.getByRole('button', { name: 'Подключиться' }).click();
  await page.getByRole('alert').first().waitFor();
  await fits(page, 'linking offline');
  await page.context().setOffline(false);
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('a parent’s screens at 360 px, online and offline', async () => {
  const page = await (await newContext(suite.browser, PHONE)).newPage();
  const { errors, offline } = watch(page);
  await signIn(page, server, PHONES.parent);
  await page
    .getByRole('link', { name: /5А — родители/ })
    .first()
    .click();
  await page.getByRole('heading', { name: '5А — родители' }).waitFor();
  const chat = new URL(page.url()).pathname;
  const box = page.getByLabel('Сообщение', { exact: true });
  await box.fill('Очень длинное слово: Превысокомногорассмотрительствующий-и-ещё-немного-текста-без-пробелов-чтобы-проверить-перенос');
  await box.press('Enter');
  await page.locator('article[data-message-id]').first().waitFor();
  await go(page, '/channels');
  await page.locator('.chatrow').first().click();
  const channel = new URL(page.url()).pathname;
  const chatId = chat.split('/').pop()!;
  const routes: [string, string][] = [
    ['/chats', '.chatrow'],
    [chat, 'textarea'],
    ['/channels', '.chatrow'],
    [channel, '.chat-head'],
    ['/search', '#search-q'],
    ['/settings', '#profile-h'],
    [`/meetings/chat/${chatId}`, 'main h2'],
  ];
  await sweep(page, routes, 'parent', offline);
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('the admin’s screens at 360 px, online and offline', async () => {
  const page = await (await newContext(suite.browser, PHONE)).newPage();
  const { errors, offline } = watch(page);
  await signIn(page, server, PHONES.admin);
  const routes: [string, string][] = [
    ['/admin/classes', 'table'],
    ['/admin/people', 'table tbody tr'],
    ['/admin/guardians', 'table tbody tr'],
    ['/admin/invitations', 'form'],
    ['/admin/requests', 'main h1'],
  ];
  await sweep(page, routes, 'admin', offline);
  assert.deepEqual(errors, []);
  await page.context().close();
});
