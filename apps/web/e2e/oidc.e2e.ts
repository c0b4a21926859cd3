import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { freePort } from '../../server/src/testing/processes.ts';
import { startOidcProvider, type TestOidcProvider } from '../../server/src/testing/oidc-provider.ts';
import { PHONES, TestServer, apiAs, axe, newContext, useServerAndBrowser, waitLive } from './harness.ts';

/**
 * Sign-in through the e-journal (OpenID Connect) in Chromium, against a real provider
 * (oidc-provider) running in this process. The server is the installation's client of it
 * (PARTA_OIDC_*) and matches the provider's verified phone claim against the roster.
 * The browser goes to the server as `localhost`, the provider is at 127.0.0.1: two sites, as in life.
 */
const env: Record<string, string> = {};
const server = new TestServer(env);
let idp: TestOidcProvider;

const suite = useServerAndBrowser(server, {
  prepare: async () => {
    server.port = await freePort();
    idp = await startOidcProvider({
      redirectUris: [`http://localhost:${server.port}/api/v1/auth/oidc/callback`],
      claims: (id) => (id.startsWith('phone:') ? { phone_number: id.slice(6), phone_number_verified: true } : {}),
    });
    Object.assign(env, {
      PARTA_PUBLIC_URL: `http://localhost:${server.port}`,
      PARTA_OIDC_ISSUER: idp.issuer,
      PARTA_OIDC_CLIENT_ID: idp.clientId,
      PARTA_OIDC_CLIENT_SECRET: idp.clientSecret,
      PARTA_OIDC_SCOPES: 'openid phone',
      PARTA_OIDC_CLAIM: 'phone_number',
      PARTA_OIDC_MATCH: 'phone',
    });
  },
  cleanup: () => idp?.close(),
});

const home = () => `http://localhost:${server.port}/`;

/** At the provider: its login form (any password), then its consent form. */
async function loginAtProvider(page: Page, login: string) {
  await page.waitForURL((u) => u.origin === idp.issuer);
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any');
  await page.locator('button[type="submit"]').click();
  await page.waitForURL((u) => u.origin !== idp.issuer || u.pathname.startsWith('/interaction/'));
  if (new URL(page.url()).origin === idp.issuer) await page.locator('button[type="submit"]').click();
}

test('a parent signs in through the e-journal and lands in their school, with no SMS', async () => {
  const page = await (await newContext(suite.browser)).newPage();
  await page.goto(home());
  const button = page.getByRole('link', { name: 'Войти через электронный журнал' });
  await button.waitFor();
  assert.deepEqual(await axe(page), []);
  await button.click();
  await loginAtProvider(page, `phone:${PHONES.parent}`);
  await page.locator('.shell').waitFor();
  await waitLive(page);
  // The hand-off code does not stay in the address bar or history.
  assert.equal(new URL(page.url()).hash, '');
  const token = await page.evaluate(() => localStorage.getItem('parta.token'));
  assert.ok(token);
  const me = await apiAs(server, token, 'GET', '/api/v1/me');
  assert.equal(me.status, 200);
  assert.equal(me.body.user.phone, PHONES.parent);
  assert.ok(me.body.schools.length > 0);
  // Its session is listed like any other, under this browser's name.
  const sessions = await apiAs(server, token, 'GET', '/api/v1/sessions');
  assert.match(sessions.body.sessions[0].deviceName, /Chrome/);
  // No SMS was sent for it.
  const sms = await (await fetch(`${server.url}/api/v1/dev/sms?phone=${encodeURIComponent(PHONES.parent)}`)).json();
  assert.equal(sms.messages.length, 0);
  await page.context().close();
});

test('someone not on any roster gets a readable page in their language, and the way back', async () => {
  const page = await (await newContext(suite.browser)).newPage();
  await page.goto(home());
  await page.getByRole('link', { name: 'Войти через электронный журнал' }).click();
  await loginAtProvider(page, 'phone:+79009998877');
  await page.getByRole('heading', { name: 'Не удалось войти' }).waitFor();
  assert.match(await page.locator('main').innerText(), /Вас нет в списке школы/);
  assert.equal(await page.locator('main').getAttribute('data-error-code'), 'oidc_person_unknown');
  await page.getByRole('link', { name: 'Вернуться ко входу' }).click();
  await page.getByLabel('Номер телефона').waitFor();
  assert.equal(await page.evaluate(() => localStorage.getItem('parta.token')), null);

  // In English when the app is in English.
  await page.getByRole('button', { name: 'Switch to English' }).click();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  // The provider remembers the login and the consent: it answers at once this time.
  await page.getByRole('link', { name: 'Sign in with the e-journal' }).click();
  await page.getByRole('heading', { name: 'Sign-in failed' }).waitFor();
  assert.match(await page.locator('main').innerText(), /You are not on the school roster/);
  await page.context().close();
});

test("the school's admin sets the school's own e-journal in Admin → Sign-in, and a student signs in through it", async () => {
  const admin = await (await newContext(suite.browser)).newPage();
  await admin.goto(home());
  await admin.getByLabel('Номер телефона').fill(PHONES.admin);
  await admin.getByRole('button', { name: 'Получить код' }).click();
  await admin.getByLabel('Код из СМС').fill(await server.code(PHONES.admin));
  await admin.locator('.shell').waitFor();
  await admin.goto(`${home()}admin/signin`);
  const form = admin.getByRole('form', { name: 'Вход через электронный журнал' });
  await form.getByLabel('Название на кнопке').fill('Школьный журнал');
  await form.getByLabel('Адрес провайдера (issuer)').fill('http://127.0.0.1:9/');
  await form.getByLabel('Идентификатор клиента (client id)').fill(idp.clientId);
  await form.getByLabel('Секрет клиента (client secret)').fill(idp.clientSecret);
  await form.getByLabel('Области доступа (scopes)').fill('openid phone');
  await form.getByLabel('Поле, которое называет человека (claim)').fill('phone_number');
  await form.getByLabel('С чем сверять в списке школы').selectOption('phone');
  await form.getByRole('button', { name: 'Сохранить' }).click();
  // A provider that cannot be reached is refused, in words.
  await form.getByRole('alert').filter({ hasText: 'Настройки входа через электронный журнал неверны' }).waitFor();
  await form.getByLabel('Адрес провайдера (issuer)').fill(idp.issuer);
  await form.getByRole('button', { name: 'Сохранить' }).click();
  await form.getByText(`Адрес возврата для регистрации в журнале: http://localhost:${server.port}/api/v1/auth/oidc/callback`).waitFor();
  assert.deepEqual(await axe(admin), []);
  await admin.context().close();

  const page = await (await newContext(suite.browser)).newPage();
  await page.goto(home());
  await page.getByRole('link', { name: /Войти через Школьный журнал/ }).click();
  await loginAtProvider(page, `phone:${PHONES.student}`);
  await page.locator('.shell').waitFor();
  const token = (await page.evaluate(() => localStorage.getItem('parta.token')))!;
  const me = await apiAs(server, token, 'GET', '/api/v1/me');
  assert.equal(me.body.user.phone, PHONES.student);
  await page.context().close();
});
