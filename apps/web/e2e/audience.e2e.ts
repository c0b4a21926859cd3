import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { PHONES, TestServer, apiAs, axe, newContext, screenshot, signIn, useServerAndBrowser, pageToken as token } from './harness.ts';

/**
 * The roster as the audience, and «срочно», in Chromium: the class teacher sees how many of the
 * parents' chat are not on Parta, lists them and invites them all by SMS in one action; a message
 * marked urgent with a reason (the composer shows the day's budget) appears urgent to a parent;
 * before writing to someone in quiet hours, the writer is told when they will be notified.
 */
const server = new TestServer();
const suite = useServerAndBrowser(server);

async function chatId(page: Page, kind: string): Promise<string> {
  const list = await apiAs(server, await token(page), 'GET', '/api/v1/chats');
  const chat = (list.body.chats as { id: string; kind: string }[]).find((c) => c.kind === kind);
  assert.ok(chat, `a ${kind} chat`);
  return chat.id;
}

async function openChat(page: Page, id: string) {
  await page.goto(`${server.url}/chats/${id}`);
  await page.locator('.composer textarea, .readonly').first().waitFor();
}

test('the members panel lists the parents not on Parta and the class teacher invites them all by SMS', async () => {
  const teacher = await (await newContext(suite.browser)).newPage();
  await signIn(teacher, server, PHONES.teacher);
  const parents = await chatId(teacher, 'parents');
  await openChat(teacher, parents);
  const count = teacher.locator('[data-not-connected-count]');
  await count.waitFor();
  const n = Number(await count.getAttribute('data-not-connected-count'));
  assert.ok(n > 10, `not connected: ${n}`);
  assert.match((await count.textContent()) ?? '', /не подключены/);
  await count.click();
  const section = teacher.locator('[data-not-connected]');
  await section.waitFor();
  assert.equal(Number(await section.getAttribute('data-not-connected')), n);
  assert.equal(await section.locator('li').count(), n);
  assert.match((await section.locator('li').first().textContent()) ?? '', /\(.+\)/, 'with whose parent they are');
  const violations = await axe(teacher);
  assert.deepEqual(violations, [], JSON.stringify(violations, null, 1));
  await teacher.locator('[data-invite-all]').click();
  const done = teacher.locator('[data-invited]');
  await done.waitFor();
  assert.ok(Number(await done.getAttribute('data-invited')) > 0);
  assert.match((await done.textContent()) ?? '', /Отправлено приглашений/);
  await screenshot(teacher, 'audience-invited');
  // The receipts of a message count them too: read by 0 of everyone, and who is not connected.
  await teacher.getByRole('textbox', { name: 'Сообщение' }).fill('Напоминаю о собрании в четверг');
  await teacher.keyboard.press('Enter');
  const receipts = teacher.locator('[data-receipts]').last();
  await receipts.waitFor({ timeout: 20_000 });
  const [read, of] = ((await receipts.getAttribute('data-receipts')) ?? '').split('/').map(Number);
  assert.equal(read, 0);
  assert.ok(of! >= n, `${of} counts every roster parent, the ${n} not connected among them`);
  await receipts.click();
  assert.equal(Number(await teacher.locator('[data-receipts-not-connected]').getAttribute('data-receipts-not-connected')), n);
  await teacher.context().close();
});

test("a teacher marks a message «срочно» with a reason, seeing the day's budget; the parent sees it urgent with the reason", async () => {
  const teacher = await (await newContext(suite.browser)).newPage();
  const parent = await (await newContext(suite.browser)).newPage();
  await signIn(teacher, server, PHONES.teacher);
  await signIn(parent, server, PHONES.parent);
  const parents = await chatId(teacher, 'parents');
  await openChat(teacher, parents);
  await openChat(parent, parents);
  await teacher.locator('[data-urgent-toggle]').click();
  const left = teacher.locator('[data-urgent-left]');
  await left.waitFor();
  assert.match((await left.textContent()) ?? '', /осталось: 3 из 3/);
  const violations = await axe(teacher);
  assert.deepEqual(violations, [], JSON.stringify(violations, null, 1));
  // No reason: refused in the composer, nothing sent.
  await teacher.getByRole('textbox', { name: 'Сообщение' }).fill('Завтра занятия отменяются');
  await teacher.keyboard.press('Enter');
  await teacher.getByRole('alert').filter({ hasText: 'Укажите причину' }).waitFor();
  await teacher.locator('[data-urgent-reason]').fill('Авария на теплосети');
  await teacher.getByRole('button', { name: 'Отправить' }).click();
  const badge = parent.locator('[data-urgent]').filter({ hasText: 'Авария на теплосети' });
  await badge.waitFor({ timeout: 20_000 });
  assert.match((await badge.textContent()) ?? '', /Срочно:\s*Авария на теплосети/);
  await teacher.locator('[data-urgent]').filter({ hasText: 'Авария на теплосети' }).waitFor();
  await screenshot(parent, 'urgent-parent');
  // The toggle is off again, and the budget went down.
  await teacher.locator('[data-urgent-toggle]').click();
  await teacher.locator('[data-urgent-left="2"]').waitFor();
  await teacher.context().close();
  await parent.context().close();
});

test('before writing to a teacher in quiet hours, the parent is told when the teacher will be notified', async () => {
  const parent = await (await newContext(suite.browser)).newPage();
  await signIn(parent, server, PHONES.parent);
  const admin = await (await newContext(suite.browser)).newPage();
  await signIn(admin, server, PHONES.admin);
  const adminToken = await token(admin);
  const me = await apiAs(server, adminToken, 'GET', '/api/v1/me');
  const schoolId = me.body.schools[0].school.id as string;
  // The school's quiet hours cover now: from an hour ago to an hour ahead (school time).
  const now = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Moscow', hourCycle: 'h23', hour: '2-digit', minute: '2-digit' }).format(new Date());
  const minutes = Number(now.slice(0, 2)) * 60 + Number(now.slice(3, 5));
  const hhmm = (m: number) => `${String(Math.floor(((m + 1440) % 1440) / 60)).padStart(2, '0')}:${String((m + 1440) % 60).padStart(2, '0')}`;
  const set = await apiAs(server, adminToken, 'PUT', `/api/v1/schools/${schoolId}/notification-policy`, {
    quietStart: hhmm(minutes - 60),
    quietEnd: hhmm(minutes + 60),
    urgentPerDay: 3,
  });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  const teacherPerson = (await apiAs(server, await token(parent), 'GET', `/api/v1/chats/${await chatId(parent, 'parents')}/members`)).body.members.find(
    (m: { isStaff: boolean }) => m.isStaff,
  ).personId as string;
  const dm = await apiAs(server, await token(parent), 'POST', `/api/v1/schools/${schoolId}/directs`, { personId: teacherPerson });
  assert.equal(dm.status, 200, JSON.stringify(dm.body));
  await openChat(parent, dm.body.chatId);
  const notice = parent.locator('[data-quiet-ahead]');
  await notice.waitFor();
  assert.match((await notice.textContent()) ?? '', new RegExp(`уведомление — .*${hhmm(minutes + 60)}`));
  await apiAs(server, adminToken, 'PUT', `/api/v1/schools/${schoolId}/notification-policy`, { quietStart: null, quietEnd: null, urgentPerDay: 3 });
  await parent.context().close();
  await admin.context().close();
});
