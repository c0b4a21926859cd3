import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { PHONES, TestServer, newContext, repoRoot, signIn, useServerAndBrowser } from './harness.ts';

/**
 * The web client under the server's Content-Security-Policy (apps/server/src/http/headers.ts):
 * signing in, the chat list, a chat with a message sent, search, settings with a photo preview
 * (a blob: image), the service worker: no `securitypolicyviolation` event and no CSP complaint
 * on the console. A deliberate inline script proves that the listener hears and the policy bites.
 */
const server = new TestServer();

const suite = useServerAndBrowser(server);

interface Violation {
  directive: string;
  blocked: string;
  source: string;
}

async function watch(page: Page) {
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  // Registered before any page script runs, in every document of the context.
  await page.addInitScript(() => {
    const w = window as unknown as { __csp: Violation[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      w.__csp.push({ directive: e.effectiveDirective, blocked: e.blockedURI, source: `${e.sourceFile}:${e.lineNumber}` }),
    );
  });
  return {
    consoleErrors,
    violations: () => page.evaluate(() => (window as unknown as { __csp: Violation[] }).__csp),
  };
}

test('the app runs with no CSP violation: sign-in, chats, a sent message, search, settings', async () => {
  const page = await (await newContext(suite.browser)).newPage();
  const seen = await watch(page);
  const response = await page.goto(server.url + '/');
  const csp = (await response!.allHeaders())['content-security-policy'] ?? '';
  assert.match(csp, /script-src 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);

  await signIn(page, server, PHONES.teacher);
  const all = [...(await seen.violations())];
  await page
    .getByRole('link', { name: /5А — родители/ })
    .first()
    .click();
  await page.getByRole('heading', { name: '5А — родители' }).waitFor();
  const box = page.getByLabel('Сообщение', { exact: true });
  await box.fill('Проверка политики безопасности');
  await box.press('Enter');
  await page.locator('article[data-message-id] .msg-text', { hasText: 'Проверка политики безопасности' }).waitFor();
  all.push(...(await seen.violations()));

  // Lazy chunks: search and settings; a local photo is previewed as a blob: image.
  await page.goto(server.url + '/search');
  await page.locator('#search-q').waitFor();
  all.push(...(await seen.violations()));
  await page.goto(server.url + '/settings');
  await page.locator('#profile-h').waitFor();
  await page.locator('input[type="file"]').setInputFiles(path.join(repoRoot, 'apps/web/public/icons/icon-512.png'));
  await page.getByRole('img', { name: /Кадр фото/ }).waitFor();
  // The service worker took control (its script and its fetches live under the same policy).
  await page.waitForFunction(() => navigator.serviceWorker?.controller !== null, undefined, { timeout: 30_000 });
  all.push(...(await seen.violations()));

  assert.deepEqual(all, [], `CSP violations: ${JSON.stringify(all)}`);
  const cspConsole = seen.consoleErrors.filter((m) => /Content Security Policy|Refused to/i.test(m));
  assert.deepEqual(cspConsole, [], cspConsole.join('\n'));

  // The control: an inline script is refused, and the listener hears it.
  await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__inlineRan = true';
    document.body.append(s);
  });
  await page.waitForFunction(() => (window as unknown as { __csp: Violation[] }).__csp.length > 0);
  const control = await seen.violations();
  assert.equal(control[0]!.directive, 'script-src-elem');
  assert.equal(await page.evaluate(() => (window as unknown as { __inlineRan?: boolean }).__inlineRan ?? false), false);
});

test('"sign out everywhere" in settings ends this session and the others', async () => {
  const first = await (await newContext(suite.browser)).newPage();
  const second = await (await newContext(suite.browser)).newPage();
  await signIn(first, server, PHONES.parent);
  await signIn(second, server, PHONES.parent);
  const tokens = await Promise.all([first, second].map((p) => p.evaluate(() => localStorage.getItem('parta.token') ?? '')));
  const status = (token: string) => fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
  assert.deepEqual(await Promise.all(tokens.map(status)), [200, 200]);

  await first.goto(server.url + '/settings');
  await first.locator('#profile-h').waitFor();
  first.once('dialog', (d) => void d.accept());
  await first.getByRole('button', { name: 'Выйти везде' }).click();
  await first.getByLabel('Номер телефона').waitFor();
  assert.deepEqual(await Promise.all(tokens.map(status)), [401, 401]);
  // The other device is sent back to sign-in too (its socket is closed; its next request is refused).
  await second.getByLabel('Номер телефона').waitFor({ timeout: 30_000 });
});
