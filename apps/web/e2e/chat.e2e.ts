import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { PHONES, PHONE, TestServer, newContext, repoRoot, screenshot, signIn, waitLive, useServerAndBrowser } from './harness.ts';

/**
 * The web client against a real server, in Debian's Chromium: two people talking in the parents'
 * chat, attachments, a server restart, offline writing, and the closed space seen by a student.
 */
const server = new TestServer();
let teacher: Page;
let parent: Page;
let parentsChatUrl = '';

const suite = useServerAndBrowser(server);

const messages = (page: Page, text: string) => page.locator('article[data-message-id] .msg-text', { hasText: text });

/** How many times a message is in the history: the list is virtual, so it is looked for at the bottom, then at the top. */
async function shownOnce(page: Page, text: string): Promise<number> {
  const history = page.locator('.history');
  for (const where of ['bottom', 'top'] as const) {
    await history.evaluate((el, w) => (el.scrollTop = w === 'top' ? 0 : el.scrollHeight), where);
    await page.waitForTimeout(150);
    const n = await messages(page, text).count();
    if (n > 0) return n;
  }
  return 0;
}

async function openParentsChat(page: Page) {
  await page
    .getByRole('link', { name: /5А — родители/ })
    .first()
    .click();
  await page.getByRole('heading', { name: '5А — родители' }).waitFor();
}

async function send(page: Page, text: string) {
  const box = page.getByLabel('Сообщение', { exact: true });
  await box.fill(text);
  await box.press('Enter');
}

async function token(page: Page): Promise<string> {
  return page.evaluate(() => localStorage.getItem('parta.token') ?? '');
}

test('a teacher and a parent exchange messages in the parents’ chat; the read receipt updates live', async () => {
  teacher = await (await newContext(suite.browser)).newPage();
  parent = await (await newContext(suite.browser, PHONE)).newPage();
  await signIn(teacher, server, PHONES.teacher);
  await signIn(parent, server, PHONES.parent);

  await openParentsChat(teacher);
  parentsChatUrl = new URL(teacher.url()).pathname;
  await send(teacher, 'Добрый вечер! Родительское собрание в четверг в 18:00.');
  await messages(teacher, 'Родительское собрание в четверг').waitFor();
  const receipt = teacher.locator('[data-receipts]').last();
  await receipt.filter({ hasText: /Прочитали 0 из \d+/ }).waitFor();

  // The parent sees the chat unread in the list, opens it and reads the message.
  const row = parent.getByRole('link', { name: /5А — родители/ });
  await row.locator('.badge').filter({ hasText: '1' }).waitFor();
  await openParentsChat(parent);
  await messages(parent, 'Родительское собрание в четверг').waitFor();

  // Without reloading, the teacher's receipt moves to "read by 1 of" everyone the chat is for.
  await receipt.filter({ hasText: /Прочитали 1 из \d+/ }).waitFor({ timeout: 15_000 });

  await send(parent, 'Спасибо, буду обязательно.');
  await messages(teacher, 'Спасибо, буду обязательно.').waitFor();
  assert.equal(await messages(parent, 'Спасибо, буду обязательно.').count(), 1);
  assert.equal(await messages(teacher, 'Родительское собрание').count(), 1);
  // The teacher badge marks the teacher's message on the parent's side.
  assert.equal(await parent.locator('article', { hasText: 'Родительское собрание' }).locator('.teacher-badge').count(), 1);
  await screenshot(teacher, 'chat-teacher-desktop');
  await screenshot(parent, 'chat-parent-phone');
});

test('an attachment is sent and downloaded', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parta-att-'));
  const file = path.join(dir, 'homework.txt');
  const content = `Домашнее задание: упражнения 12–15.\n${'x'.repeat(2000)}\n`;
  fs.writeFileSync(file, content);
  await teacher.locator('[data-testid="file-input"]').setInputFiles(file);
  await teacher.locator('.upload[data-uploaded="yes"]').waitFor();
  await send(teacher, 'Задание во вложении');
  const link = parent.locator('article', { hasText: 'Задание во вложении' }).getByRole('button', { name: 'Скачать homework.txt' });
  await link.waitFor();
  const [download] = await Promise.all([parent.waitForEvent('download'), link.click()]);
  const saved = path.join(dir, 'downloaded.txt');
  await download.saveAs(saved);
  assert.equal(fs.readFileSync(saved, 'utf8'), content);
  fs.rmSync(dir, { recursive: true, force: true });

  // An image shows a preview (its thumbnail, fetched with the session).
  await teacher.locator('[data-testid="file-input"]').setInputFiles(path.join(repoRoot, 'apps/web/public/icons/icon-512.png'));
  await teacher.locator('.upload[data-uploaded="yes"]').waitFor();
  await send(teacher, 'Фото доски');
  const preview = parent.locator('article', { hasText: 'Фото доски' }).locator('.image-att img');
  await preview.waitFor();
  assert.ok(await preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0));

  // A sticker from the picker.
  await teacher.getByRole('button', { name: 'Стикеры' }).click();
  await teacher.locator('.sticker-grid button img').first().waitFor();
  await teacher.locator('.sticker-grid button').first().click();
  await parent.locator('article img.sticker').first().waitFor();
});

test('a message written offline waits in a visible queue and is sent on reconnect', async () => {
  const ctx = parent.context();
  // The app keeps its offline copy of the open chat current (a moment after each change), not only
  // as it was when the chat was opened: the sticker that came over the stream is in it.
  await parent.waitForFunction(async () => {
    const cache = await caches.open('parta-data');
    for (const key of await cache.keys()) {
      if (!key.url.includes('/messages?')) continue;
      const page = (await (await cache.match(key))!.json()) as { messages: { attachments?: { kind: string }[] }[] };
      if (page.messages.at(-1)?.attachments?.some((a) => a.kind === 'sticker')) return true;
    }
    return false;
  });
  await ctx.setOffline(true);
  await parent.locator('[data-sync="reconnecting"]').waitFor();
  await send(parent, 'Пишу без связи: завтра опоздаем на 10 минут.');
  const pending = parent.locator('article.pending', { hasText: 'Пишу без связи' });
  await pending.waitFor();
  assert.match(await pending.innerText(), /Ждёт связи/);
  await parent.locator('.sync-queue', { hasText: '1 сообщение ждёт отправки' }).waitFor();
  // Reopened while offline: the service worker serves the app, the last chat list and history; the queue is still there.
  await parent.reload();
  // The history opens at its newest messages, those that came over the stream included.
  await parent.locator('article[data-message-id]', { hasText: 'Фото доски' }).waitFor();
  await pending.waitFor();
  await parent.locator('[data-sync="reconnecting"]').waitFor();
  // Meanwhile the teacher writes: the parent must get it after reconnecting (resume from its position).
  await send(teacher, 'Пока вас не было: принесите сменную обувь.');
  await messages(teacher, 'Пока вас не было').waitFor();
  await screenshot(parent, 'offline-queue-phone');

  await ctx.setOffline(false);
  await waitLive(parent);
  await messages(teacher, 'Пишу без связи').waitFor();
  await messages(parent, 'Пока вас не было').waitFor();
  await pending.waitFor({ state: 'detached' });
  assert.equal(await messages(parent, 'Пишу без связи').count(), 1);
  assert.equal(await messages(teacher, 'Пишу без связи').count(), 1);
  assert.equal(await messages(parent, 'Пока вас не было').count(), 1);
});

test('the server restarts mid-conversation; both clients reconnect and resume, nothing lost or duplicated', async () => {
  await send(teacher, 'Перед перезапуском');
  await messages(parent, 'Перед перезапуском').waitFor();

  await server.stop();
  await teacher.locator('[data-sync="reconnecting"]').waitFor();
  await parent.locator('[data-sync="reconnecting"]').waitFor();
  // Written while the server is down: kept in the outbox.
  await send(teacher, 'Во время перезапуска');
  await teacher.locator('article.pending', { hasText: 'Во время перезапуска' }).waitFor();

  await server.start();
  await waitLive(teacher, 30_000);
  await waitLive(parent, 30_000);
  await messages(parent, 'Во время перезапуска').waitFor();
  await send(parent, 'После перезапуска');
  await messages(teacher, 'После перезапуска').waitFor();

  for (const page of [teacher, parent]) {
    for (const text of [
      'Родительское собрание',
      'Спасибо, буду',
      'Пишу без связи',
      'Пока вас не было',
      'Перед перезапуском',
      'Во время перезапуска',
      'После перезапуска',
    ]) {
      assert.equal(await shownOnce(page, text), 1, `${text} exactly once`);
    }
    assert.equal(await page.locator('article.pending').count(), 0);
  }
  // The rendered order is the chat's order.
  const seqs = await teacher.locator('article[data-seq]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq'))));
  assert.deepEqual(
    seqs,
    [...seqs].sort((a, b) => a - b),
  );
  assert.equal(new Set(seqs).size, seqs.length);
});

test('a student cannot see parents’ chats', async () => {
  const student = await (await newContext(suite.browser, PHONE)).newPage();
  await signIn(student, server, PHONES.student);
  await student.locator('.chatrow').first().waitFor();
  const titles = await student.locator('.chatrow-title').allInnerTexts();
  assert.ok(
    titles.some((t) => t.includes('5А — класс')),
    `the class chat is listed: ${titles.join(', ')}`,
  );
  assert.ok(!titles.some((t) => /родител/i.test(t)), `no parents' chat listed: ${titles.join(', ')}`);

  // Nor through the API, nor by opening the chat's address directly.
  const auth = { authorization: `Bearer ${await token(student)}` };
  const list = (await (await fetch(`${server.url}/api/v1/chats`, { headers: auth })).json()) as { chats: { kind: string }[] };
  assert.ok(list.chats.length > 0);
  assert.ok(list.chats.every((c) => c.kind !== 'parents' && c.kind !== 'parents_only'));
  const chatId = parentsChatUrl.split('/').pop()!;
  const history = await fetch(`${server.url}/api/v1/chats/${chatId}/messages`, { headers: auth });
  assert.equal(history.status, 404);
  await student.goto(server.url + parentsChatUrl);
  await student.getByText('Чат не найден').waitFor();
  assert.equal(await student.getByText('Родительское собрание').count(), 0);
  await student.context().close();
});

test('replies, reactions, edits and deletes reach the other side live; a direct chat opens from the member list', async () => {
  await teacher.goto(server.url + parentsChatUrl);
  await parent.goto(server.url + parentsChatUrl);
  await waitLive(teacher);
  await waitLive(parent);
  const on = (page: Page, text: string) => page.locator('article[data-message-id]', { hasText: text });

  await on(teacher, 'Спасибо, буду обязательно.').hover();
  await on(teacher, 'Спасибо, буду обязательно.').getByRole('button', { name: 'Ответить' }).click();
  await send(teacher, 'Ждём вас!');
  // The reply was written far up the history: sending brings the teacher's view down to it.
  await on(teacher, 'Ждём вас!').waitFor();
  await on(parent, 'Ждём вас!').locator('.reply-quote', { hasText: 'Спасибо, буду' }).waitFor();

  await on(parent, 'Ждём вас!').hover();
  await on(parent, 'Ждём вас!').getByRole('button', { name: 'Реакция' }).click();
  await on(parent, 'Ждём вас!').getByRole('button', { name: '👍' }).click();
  await on(teacher, 'Ждём вас!').locator('.reaction', { hasText: '👍 1' }).waitFor();

  await on(teacher, 'Ждём вас!').hover();
  await on(teacher, 'Ждём вас!').getByRole('button', { name: 'Изменить' }).click();
  await send(teacher, 'Ждём вас в четверг!');
  await on(parent, 'Ждём вас в четверг!').locator('text=изменено').waitFor();

  teacher.once('dialog', (d) => void d.accept());
  await on(teacher, 'Перед перезапуском').hover();
  await on(teacher, 'Перед перезапуском').getByRole('button', { name: 'Удалить' }).click();
  await parent.locator('article .msg-text', { hasText: 'Сообщение удалено' }).waitFor();
  assert.equal(await on(parent, 'Перед перезапуском').count(), 0);

  // The parent writes to the teacher privately.
  await parent
    .locator('.chat-head')
    .getByRole('button', { name: /участник/ })
    .click();
  await parent.getByRole('button', { name: 'Написать лично: Смирнова Елена Петровна' }).click();
  await parent.getByRole('heading', { name: /Смирнова/ }).waitFor();
  await send(parent, 'Можно личный вопрос?');
  // Unread chats come first in the list, whatever their kind.
  const direct = teacher
    .locator('section', { has: teacher.getByRole('heading', { name: 'Непрочитанные' }) })
    .locator('.chatrow', { hasText: 'Можно личный вопрос?' });
  await direct.locator('.badge', { hasText: '1' }).waitFor();
});

test('markup in a message is shown as the text it is: nothing of it becomes an element or runs', async () => {
  await teacher.goto(server.url + parentsChatUrl);
  await parent.goto(server.url + parentsChatUrl);
  await waitLive(teacher);
  await waitLive(parent);
  const markup = '<b>жирный</b> <img src=x onerror="window.__pwned=1"> <a href="javascript:alert(1)">ссылка</a>';
  await send(parent, markup);
  const shown = messages(teacher, '<b>жирный</b>');
  await shown.waitFor();
  assert.equal(await shown.locator('b, img, a[href^="javascript"]').count(), 0);
  assert.ok((await shown.innerText()).includes(markup));
  assert.equal(await teacher.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
});
