import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CDPSession, Page } from 'playwright-core';
import { PHONES, TestServer, apiAs, newContext, useServerAndBrowser, waitLive } from './harness.ts';

/**
 * Passkeys in Chromium with its virtual authenticator (CDP WebAuthn domain: CTAP2, internal
 * transport, resident keys, user verification): after a sign-in by SMS the app offers a passkey,
 * the next sign-in uses it with no SMS, and Settings lists and deletes it. The browser goes to
 * the server as `localhost`, the public URL's host and so the relying party id.
 */
const server = new TestServer();
const suite = useServerAndBrowser(server);
const home = () => `http://localhost:${server.port}/`;

async function virtualAuthenticator(page: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}

async function smsSignIn(page: Page, phone: string) {
  await page.goto(home());
  await page.getByLabel('Номер телефона').fill(phone);
  await page.getByRole('button', { name: 'Получить код' }).click();
  // The code field shows once the server has sent the code: only then is it in the outbox.
  await page.getByLabel('Код из СМС').waitFor();
  await page.getByLabel('Код из СМС').fill(await server.code(phone));
  await page.locator('.shell').waitFor();
}

test('after an SMS sign-in a passkey is offered and added; the next sign-in uses it with no SMS; Settings deletes it', async () => {
  const page = await (await newContext(suite.browser)).newPage();
  page.on('dialog', (d) => void d.accept());
  const { cdp, authenticatorId } = await virtualAuthenticator(page);

  await smsSignIn(page, PHONES.teacher);
  const offer = page.getByRole('complementary', { name: 'Входить без СМС?' });
  await offer.waitFor();
  await offer.getByRole('button', { name: 'Добавить ключ входа (passkey)' }).click();
  await page.getByRole('heading', { name: /Ключ входа добавлен/ }).waitFor();
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  assert.equal(credentials.length, 1);
  assert.equal(credentials[0]!.isResidentCredential, true);
  assert.equal(credentials[0]!.rpId, 'localhost');
  await page.getByRole('button', { name: 'Закрыть' }).click();

  // Signed out, the sign-in screen offers the key; one press signs in, with no code sent.
  const smsBefore = (await (await fetch(`${server.url}/api/v1/dev/sms?phone=${encodeURIComponent(PHONES.teacher)}`)).json()).messages.length;
  await page.getByRole('link', { name: 'Настройки' }).click();
  await page.getByRole('button', { name: 'Выйти', exact: true }).click();
  await page.getByLabel('Номер телефона').waitFor();
  await page.getByRole('button', { name: 'Войти с ключом' }).click();
  await page.locator('.shell').waitFor();
  await waitLive(page);
  const token = (await page.evaluate(() => localStorage.getItem('parta.token')))!;
  const me = await apiAs(server, token, 'GET', '/api/v1/me');
  assert.equal(me.body.user.phone, PHONES.teacher);
  const smsAfter = (await (await fetch(`${server.url}/api/v1/dev/sms?phone=${encodeURIComponent(PHONES.teacher)}`)).json()).messages.length;
  assert.equal(smsAfter, smsBefore);
  // The authenticator's counter moved; the server stored it.
  const after = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  assert.ok(after.credentials[0]!.signCount >= 1);
  // No offer again: the account has a passkey.
  assert.equal(await page.getByRole('complementary', { name: 'Входить без СМС?' }).count(), 0);

  // Settings: listed, then deleted; a sign-in with it is then refused with a clear message.
  await page.getByRole('link', { name: 'Настройки' }).click();
  const section = page.getByRole('region', { name: 'Ключи входа (passkey)' });
  await section.getByRole('listitem').first().waitFor();
  assert.equal(await section.getByRole('listitem').count(), 1);
  await section.getByRole('button', { name: /Удалить ключ/ }).click();
  await section.getByText('Ключей входа пока нет.').waitFor();
  const list = await apiAs(server, token, 'GET', '/api/v1/passkeys');
  assert.deepEqual(list.body.passkeys, []);

  await page.getByRole('button', { name: 'Выйти', exact: true }).click();
  await page.getByRole('button', { name: 'Войти с ключом' }).click();
  await page.getByRole('alert').filter({ hasText: 'Этот ключ входа не зарегистрирован' }).waitFor();
  assert.equal(await page.evaluate(() => localStorage.getItem('parta.token')), null);
  await page.context().close();
});

test('a cancelled passkey prompt leaves the sign-in screen as it was', async () => {
  const page = await (await newContext(suite.browser)).newPage();
  const { cdp, authenticatorId } = await virtualAuthenticator(page);
  // The person does not confirm: the authenticator refuses user verification and presence.
  await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
  await cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled: false });
  await page.goto(home());
  await page.getByRole('button', { name: 'Войти с ключом' }).click();
  await page.getByRole('alert').filter({ hasText: 'Вход с ключом отменён' }).waitFor({ timeout: 90_000 });
  await page.getByLabel('Номер телефона').waitFor();
  await page.context().close();
});
