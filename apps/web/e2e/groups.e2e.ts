import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { DESKTOP, PHONE, PHONES, TestServer, apiAs, axe, newContext, screenshot, signIn, useServerAndBrowser, pageToken as token } from './harness.ts';

/**
 * What a class teacher does on day one: makes a group («5А — олимпиада») from people of her class,
 * at 360 px and on a desktop, and sees in a direct chat whose parent is writing and from which class.
 */
const server = new TestServer();
const suite = useServerAndBrowser(server);
const noOverflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

for (const [label, viewport] of [
  ['360 px', PHONE],
  ['desktop', DESKTOP],
] as const) {
  test(`a class teacher makes a group from students and parents of her class (${label})`, async () => {
    const page = await (await newContext(suite.browser, viewport)).newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await signIn(page, server, PHONES.teacher);
    await page.getByRole('link', { name: 'Создать группу' }).click();
    await page.getByRole('heading', { name: 'Новая группа' }).waitFor();
    const title = `5А — олимпиада ${label}`;
    await page.getByLabel('Название группы').fill(title);
    const students = page.getByRole('group', { name: 'Ученики' });
    await students.getByRole('checkbox').nth(1).check();
    await students.getByRole('checkbox').nth(2).check();
    const parents = page.getByRole('group', { name: 'Родители' });
    // Parents are shown as whose parent they are.
    assert.match((await parents.locator('li').first().innerText()).trim(), /родитель: /);
    await parents.getByRole('checkbox').nth(1).check();
    await page.getByText('Выбрано 3 человека').waitFor();
    assert.ok(await noOverflow(page), 'no horizontal overflow');
    assert.deepEqual(await axe(page), []);
    await screenshot(page, `group-new-${viewport.width}`);
    await page.getByRole('button', { name: 'Создать группу' }).click();
    await page.getByRole('heading', { name: title }).waitFor();
    // The server made it with the chosen people (those with an account are members).
    const chatId = new URL(page.url()).pathname.split('/').pop()!;
    const members = await apiAs(server, await token(page), 'GET', `/api/v1/chats/${chatId}/members`);
    assert.equal(members.status, 200);
    assert.ok(members.body.members.length >= 1);
    assert.deepEqual(errors, []);
    await page.context().close();
  });
}

test('a parent is refused a group: the button is not offered and the server says no', async () => {
  const page = await (await newContext(suite.browser, PHONE)).newPage();
  await signIn(page, server, PHONES.parent);
  assert.equal(await page.getByRole('link', { name: 'Создать группу' }).count(), 0);
  const me = await apiAs(server, await token(page), 'GET', '/api/v1/me');
  const sid = me.body.schools[0].school.id as string;
  const refused = await apiAs(server, await token(page), 'POST', `/api/v1/schools/${sid}/groups`, {
    title: 'Моя группа',
    personIds: [me.body.schools[0].personId],
  });
  assert.equal(refused.status, 403);
  await page.context().close();
});

test('in a direct chat the teacher sees whose parent writes and the class', async () => {
  const parent = await (await newContext(suite.browser, PHONE)).newPage();
  await signIn(parent, server, PHONES.parent);
  const me = await apiAs(server, await token(parent), 'GET', '/api/v1/me');
  const sid = me.body.schools[0].school.id as string;
  const teacherPage = await (await newContext(suite.browser)).newPage();
  await signIn(teacherPage, server, PHONES.teacher);
  const teacherMe = await apiAs(server, await token(teacherPage), 'GET', '/api/v1/me');
  const opened = await apiAs(server, await token(parent), 'POST', `/api/v1/schools/${sid}/directs`, { personId: teacherMe.body.schools[0].personId });
  assert.equal(opened.status, 200);
  await teacherPage.goto(`${server.url}/chats/${opened.body.chatId}`);
  const line = teacherPage.locator('.chat-peer');
  await line.waitFor();
  assert.match(await line.innerText(), /^(мама|папа) \S+, 5А$/);
  await parent.goto(`${server.url}/chats/${opened.body.chatId}`);
  await parent.locator('.chat-peer', { hasText: /^учитель, .*5А/ }).waitFor();
  await parent.context().close();
  await teacherPage.context().close();
});
