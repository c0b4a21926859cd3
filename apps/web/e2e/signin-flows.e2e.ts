import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { DESKTOP, PHONE, PHONES, TestServer, newContext, signIn, useServerAndBrowser, waitLive } from './harness.ts';

/**
 * Getting in: the code submits on its sixth digit, «Другой номер» with the same number leads back to
 * the code, an invitation link opens the invitation, and the applicant's waiting screen opens the
 * school by itself once the admin approves. A code can be sent again only after 60 s here, as in production.
 */
const server = new TestServer({ PARTA_CODE_RESEND_SECONDS: '60' });
let adminToken = '';
let schoolId = '';

const suite = useServerAndBrowser(server, {
  extra: async () => {
    const page = await (await newContext(suite.browser)).newPage();
    await signIn(page, server, PHONES.admin);
    adminToken = await page.evaluate(() => localStorage.getItem('parta.token') ?? '');
    const me = (await (await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${adminToken}` } })).json()) as {
      schools: { school: { id: string } }[];
    };
    schoolId = me.schools[0]!.school.id;
    await page.context().close();
  },
});

async function admin(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${server.url}/api/v1/schools/${schoolId}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

/** A roster person nobody has linked yet (for invitations and join requests). */
async function newPerson(lastName: string): Promise<string> {
  const r = await admin('POST', '/people', { lastName, firstName: 'Ирина', roles: ['guardian'] });
  assert.equal(r.status, 201);
  return r.json.id as string;
}

async function askCode(page: Page, phone: string) {
  await page.getByLabel('Номер телефона').fill(phone);
  await page.getByRole('button', { name: 'Получить код' }).click();
  await page.getByLabel('Код из СМС').waitFor();
}

const sizes = [
  ['desktop', DESKTOP],
  ['phone', PHONE],
] as const;

test('defect 11: the code field is a one-time code and the sixth digit signs in, with no button pressed', async () => {
  for (const [label, size] of sizes) {
    // Two teachers of the demo school (a code is used once, and a new one comes only after 60 s).
    const phone = label === 'desktop' ? '+79000000006' : '+79000000007';
    const page = await (await newContext(suite.browser, size)).newPage();
    await page.goto(server.url + '/');
    await askCode(page, phone);
    assert.equal(await page.getByLabel('Код из СМС').getAttribute('autocomplete'), 'one-time-code', label);
    await page.getByLabel('Код из СМС').pressSequentially(await server.code(phone), { delay: 30 });
    await page.locator('.shell').waitFor();
    await waitLive(page);
    await page.context().close();
  }
});

test('defect 11: «Другой номер», then the same number: back at the code field with a countdown, and the code still works', async () => {
  for (const [label, size] of sizes) {
    const phone = label === 'desktop' ? PHONES.parent : PHONES.student;
    const page = await (await newContext(suite.browser, size)).newPage();
    await page.goto(server.url + '/');
    await askCode(page, phone);
    await page.getByRole('button', { name: 'Другой номер' }).click();
    await page.getByLabel('Номер телефона').waitFor();
    await askCode(page, phone);
    await page.getByRole('status').filter({ hasText: 'уже отправлен и ещё действует' }).waitFor();
    await page.getByRole('button', { name: /Новый код через \d+ с/ }).waitFor();
    await page.getByLabel('Код из СМС').fill(await server.code(phone));
    await page.locator('.shell').waitFor();
    await page.context().close();
  }
});

test('defect 11: an invitation link opens the invitation: the sign-in page says so, and the code is applied after signing in', async () => {
  for (const [label, size] of sizes) {
    const personId = await newPerson(`Приглашённая${label === 'desktop' ? 'Д' : 'Т'}`);
    const inv = await admin('POST', '/invitations', { personId });
    assert.equal(inv.status, 201);
    const link = new URL(inv.json.link as string);
    const phone = label === 'desktop' ? '+79165550311' : '+79165550312';
    const page = await (await newContext(suite.browser, size)).newPage();
    await page.goto(server.url + link.pathname + link.search);
    await page.locator('[data-invite]').filter({ hasText: 'Вас пригласили в школу' }).waitFor();
    await askCode(page, phone);
    await page.getByLabel('Код из СМС').fill(await server.code(phone));
    // Straight into the school, without typing the invitation code.
    await page.locator('.shell').waitFor({ timeout: 30_000 });
    await waitLive(page);
    assert.equal(new URL(page.url()).pathname.startsWith('/chats'), true);
    await page.context().close();
  }
});

test('defect 10: the applicant’s waiting screen opens the school by itself when the admin approves', async () => {
  for (const [label, size] of sizes) {
    const phone = label === 'desktop' ? '+79165550321' : '+79165550322';
    const lastName = label === 'desktop' ? 'Ожидающая' : 'Терпеливая';
    const personId = await newPerson(lastName);
    const page = await (await newContext(suite.browser, size)).newPage();
    await page.goto(server.url + '/');
    await askCode(page, phone);
    await page.getByLabel('Код из СМС').fill(await server.code(phone));
    await page.getByRole('heading', { name: 'Подключение к школе' }).waitFor();
    await page.getByLabel('Фамилия').fill(lastName);
    await page.getByLabel('Имя', { exact: true }).fill('Ирина');
    await page.getByRole('button', { name: 'Отправить заявку' }).click();
    await page.getByText('ждёт решения администратора').waitFor();

    const list = await admin('GET', '/join-requests?status=pending');
    const request = (list.json.joinRequests as { id: string; lastName: string }[]).find((r) => r.lastName === lastName)!;
    const approved = await admin('POST', `/join-requests/${request.id}/approve`, { personId });
    assert.equal(approved.status, 200);
    // No reload: the screen follows the account's stream.
    await page.locator('.shell').waitFor({ timeout: 30_000 });
    await waitLive(page);
    await page.context().close();
  }
});
