import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import {
  DESKTOP,
  PHONE,
  PHONES,
  TestServer,
  newContext,
  screenshot,
  signIn,
  waitLive,
  useServerAndBrowser,
  messageRow as on,
  openChatNamed as openChat,
  sendMessage as send,
  pageToken as token,
} from './harness.ts';

/**
 * What a parent or teacher trips over in the first week, each as it happens in the browser:
 * reactions that can be clicked and tapped, «печатает…» that goes away, a phone-width page that
 * stays in the screen offline, cards that recover by themselves, and no requests the server refuses.
 */
const server = new TestServer();

const suite = useServerAndBrowser(server);

/** A touch phone: 360 px, touch events, no hover. */
async function touchContext(): Promise<BrowserContext> {
  const ctx = await suite.browser.newContext({
    viewport: PHONE,
    hasTouch: true,
    isMobile: true,
    locale: 'ru-RU',
    timezoneId: 'Europe/Moscow',
    serviceWorkers: 'allow',
  });
  ctx.setDefaultTimeout(15_000);
  return ctx;
}

async function noOverflow(page: Page, where: string) {
  const { scroll, inner, wide } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    inner: window.innerWidth,
    wide: [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
      .slice(0, 5)
      .map((e) => `${e.tagName}.${e.className}`),
  }));
  assert.ok(scroll <= inner, `${where}: the page is ${scroll} px wide in a ${inner} px window (${wide.join(', ')})`);
}

/** Opens the reaction picker of a message with the mouse and clicks an emoji (a real click: it must land on the emoji). */
async function clickReaction(page: Page, text: string, emoji: string) {
  await on(page, text).hover();
  await on(page, text).getByRole('button', { name: 'Реакция' }).click();
  await page.getByRole('group', { name: 'Реакция' }).getByRole('button', { name: emoji }).click({ timeout: 5000 });
  await on(page, text)
    .locator('.reaction', { hasText: `${emoji} 1` })
    .waitFor();
}

test('defect 1: a reaction is clicked onto a message with a message below it, and onto the last one (desktop and 360 px)', async () => {
  for (const [label, size] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    const page = await (await newContext(suite.browser, size)).newPage();
    await signIn(page, server, PHONES.teacher);
    await openChat(page, '5А — родители');
    const first = `Первое сообщение (${label})`;
    const second = `Второе сообщение (${label})`;
    await send(page, first);
    await send(page, second);
    await clickReaction(page, first, '❤️');
    await clickReaction(page, second, '👏');
    await screenshot(page, `reaction-${label}`);
    await page.context().close();
  }
});

test('defect 1: on a touch phone, a reaction is tapped onto the last message of a chat', async () => {
  const page = await (await touchContext()).newPage();
  await signIn(page, server, PHONES.parent);
  await openChat(page, '5А — родители');
  const text = 'Сообщение для касания';
  await send(page, text);
  const last = on(page, text);
  await last.tap();
  await last.getByRole('button', { name: 'Реакция' }).tap();
  await page.getByRole('group', { name: 'Реакция' }).getByRole('button', { name: '🙏' }).tap({ timeout: 5000 });
  await last.locator('.reaction', { hasText: '🙏 1' }).waitFor();
  await noOverflow(page, 'chat with the picker used');
  await page.context().close();
});

test('defect 2: «печатает…» goes away on time by itself, and at once when the message arrives', async () => {
  const teacher = await (await newContext(suite.browser)).newPage();
  const parent = await (await newContext(suite.browser, PHONE)).newPage();
  await signIn(teacher, server, PHONES.teacher);
  await signIn(parent, server, PHONES.parent);
  await openChat(teacher, '5А — родители');
  await openChat(parent, '5А — родители');
  const typing = parent.locator('.typing');
  const box = teacher.getByLabel('Сообщение', { exact: true });

  await box.fill('Начинаю пис');
  await typing.filter({ hasText: 'печатает' }).waitFor();
  // Nothing else happens on the parent's screen: the line still goes after its 5 s.
  const shownAt = Date.now();
  await typing
    .filter({ hasText: 'печатает' })
    .waitFor({ state: 'detached', timeout: 12_000 })
    .catch(() => undefined);
  assert.equal((await typing.innerText()).trim(), '', '«печатает…» is gone without anything else happening');
  assert.ok(Date.now() - shownAt < 11_000);

  // Typing again, then sending: the message clears the line at once (well before its 5 s).
  await box.fill('');
  await teacher.waitForTimeout(2100);
  await box.fill('Дописала сообщение');
  await typing.filter({ hasText: 'печатает' }).waitFor();
  await box.press('Enter');
  await on(parent, 'Дописала сообщение').waitFor();
  const cleared = Date.now();
  await typing.filter({ hasText: 'печатает' }).waitFor({ state: 'detached', timeout: 2500 });
  assert.ok(Date.now() - cleared < 2500);
  await teacher.context().close();
  await parent.context().close();
});

test('defect 4: at 360 px offline, the page stays 360 px wide and the send button is on screen', async () => {
  const page = await (await newContext(suite.browser, PHONE)).newPage();
  await signIn(page, server, PHONES.parent);
  await openChat(page, '5А — родители');
  await noOverflow(page, 'chat online');
  await page.context().setOffline(true);
  await page.locator('[data-sync="reconnecting"]').waitFor();
  await page.locator('.sync-reconnecting').waitFor();
  await page.getByLabel('Сообщение', { exact: true }).fill('Без связи');
  await page.getByLabel('Сообщение', { exact: true }).press('Enter');
  await page.locator('.sync-queue').waitFor();
  await page.getByLabel('Сообщение', { exact: true }).fill('');
  await noOverflow(page, 'chat offline');
  const send = await page.getByRole('button', { name: 'Отправить' }).boundingBox();
  assert.ok(send && send.x >= 0 && send.x + send.width <= PHONE.width, `send button at ${JSON.stringify(send)}`);
  await screenshot(page, 'offline-360');
  await page.context().setOffline(false);
  await waitLive(page);
  await page.context().close();
});

test('defect 5: meeting and poll cards that failed offline load by themselves when the connection returns', async () => {
  const teacher = await (await newContext(suite.browser)).newPage();
  await signIn(teacher, server, PHONES.teacher);
  await openChat(teacher, '5А — родители');
  const chatId = new URL(teacher.url()).pathname.split('/').pop()!;
  const auth = { authorization: `Bearer ${await token(teacher)}`, 'content-type': 'application/json' };
  const startsAt = new Date(Date.now() + 2 * 86400_000).toISOString();
  const meeting = await fetch(`${server.url}/api/v1/chats/${chatId}/meetings`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ title: 'Собрание по итогам четверти', agenda: [], startsAt, durationMinutes: 45 }),
  });
  assert.equal(meeting.status, 201);
  const poll = await fetch(`${server.url}/api/v1/chats/${chatId}/polls`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ question: 'Экскурсия в субботу?', options: ['Да', 'Нет'] }),
  });
  assert.equal(poll.status, 201);

  for (const size of [PHONE, DESKTOP]) {
    const parent = await (await newContext(suite.browser, size)).newPage();
    await signIn(parent, server, PHONES.parent);
    await openChat(parent, '5А — родители');
    await parent.locator('.meeting-card', { hasText: 'Собрание по итогам четверти' }).waitFor();
    await parent.locator('.poll', { hasText: 'Экскурсия в субботу?' }).waitFor();
    // The service worker keeps the chat only once it controls the page: wait for it, and open the chat through it.
    await parent.waitForFunction(() => !!navigator.serviceWorker.controller, undefined, { timeout: 30_000 });
    await parent.reload();
    await parent.locator('.poll', { hasText: 'Экскурсия в субботу?' }).waitFor();
    // Reopened offline: the chat comes from the cache, the cards cannot load.
    await parent.context().setOffline(true);
    await parent.reload();
    await parent.locator('[data-sync="reconnecting"]').waitFor();
    await on(parent, 'Экскурсия')
      .or(on(parent, 'Собрание'))
      .first()
      .waitFor()
      .catch(() => undefined);
    await parent.locator('article[data-message-id]').first().waitFor();
    assert.equal(await parent.locator('.meeting-card').count(), 0);
    await parent.context().setOffline(false);
    await waitLive(parent, 30_000);
    await parent.locator('.meeting-card', { hasText: 'Собрание по итогам четверти' }).waitFor({ timeout: 20_000 });
    await parent.locator('.poll', { hasText: 'Экскурсия в субботу?' }).waitFor({ timeout: 20_000 });
    await parent.context().close();
  }
  await teacher.context().close();
});

test('defect 6: in the parents-only chat the client never asks for receipts (the server refuses them there); no console errors', async () => {
  for (const size of [PHONE, DESKTOP]) {
    const parent = await (await newContext(suite.browser, size)).newPage();
    const refused: string[] = [];
    const asked: string[] = [];
    const errors: string[] = [];
    parent.on('response', (r) => {
      if (r.url().includes('/receipts')) asked.push(`${r.status()} ${r.url()}`);
      if (r.status() >= 400) refused.push(`${r.status()} ${r.url()}`);
    });
    parent.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await signIn(parent, server, PHONES.parent);
    await openChat(parent, '5А — только родители');
    await send(parent, `Кто идёт на экскурсию? (${size.width})`);
    // Receipts are asked every 4 s where they exist: wait through two rounds.
    await parent.waitForTimeout(9000);
    assert.deepEqual(asked, []);
    assert.deepEqual(refused, []);
    assert.deepEqual(errors, []);
    await parent.context().close();
  }
  // Where receipts exist, the author still sees them.
  const teacher = await (await newContext(suite.browser)).newPage();
  await signIn(teacher, server, PHONES.teacher);
  await openChat(teacher, '5А — родители');
  await send(teacher, 'Проверка прочтения');
  await on(teacher, 'Проверка прочтения').locator('[data-receipts]').waitFor();
  await teacher.context().close();
});

test('pinning: the teacher pins the chat’s rules; parents see them above the history, at 360 px too; unpinning removes them', async () => {
  const teacher = await (await newContext(suite.browser)).newPage();
  const parent = await (await newContext(suite.browser, PHONE)).newPage();
  await signIn(teacher, server, PHONES.teacher);
  await signIn(parent, server, PHONES.parent);
  await openChat(teacher, '5А — родители');
  await openChat(parent, '5А — родители');
  const rules = 'Правила чата: пишем по делу, с 8:00 до 20:00.';
  await send(teacher, rules);
  await send(teacher, 'Следующее сообщение после правил');
  await on(teacher, rules).hover();
  await on(teacher, rules).getByRole('button', { name: 'Закрепить' }).click();
  for (const page of [teacher, parent]) await page.locator('.pinned-bar', { hasText: 'Правила чата' }).waitFor();
  await noOverflow(parent, 'pinned bar at 360 px');
  // A parent may not pin.
  await on(parent, rules)
    .tap()
    .catch(() => on(parent, rules).click());
  assert.equal(await on(parent, rules).getByRole('button', { name: 'Закрепить' }).count(), 0);
  // Reopened: the bar is there at once, and pressing it shows the message in the history.
  await parent.reload();
  await parent.locator('.pinned-bar', { hasText: 'Правила чата' }).click();
  await on(parent, rules).waitFor();
  await on(teacher, rules).hover();
  await on(teacher, rules).getByRole('button', { name: 'Открепить' }).click();
  await parent.locator('.pinned-bar').waitFor({ state: 'detached' });
  await teacher.context().close();
  await parent.context().close();
});
