import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { PHONES, PHONE, TestServer, axe, launch, newContext, screenshot, signIn, waitLive } from './harness.ts';

/**
 * The web client against a real server, in Debian's Chromium: two people talking in the parents'
 * chat, attachments, a server restart, offline writing, and the closed space seen by a student.
 */
const server = new TestServer();
let browser: Browser;
let teacher: Page;
let parent: Page;
let parentsChatUrl = '';

before(async () => {
  await server.start();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server.dispose();
});

const t0 = Date.now();
const mark = (label: string) => process.env.PARTA_E2E_TRACE && console.log(`${((Date.now() - t0) / 1000).toFixed(1)}s ${label}`);
const messages = (page: Page, text: string) => page.locator('article[data-message-id] .msg-text', { hasText: text });

async function openParentsChat(page: Page) {
  await page.getByRole('link', { name: /5А — родители/ }).first().click();
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
  teacher = await (await newContext(browser)).newPage();
  parent = await (await newContext(browser, PHONE)).newPage();
  await signIn(teacher, server, PHONES.teacher);
  mark('await signIn(teacher, server, PHONES.teacher);');
  await signIn(parent, server, PHONES.parent);
  mark('await signIn(parent, server, PHONES.parent);');

  await openParentsChat(teacher);
  mark('await openParentsChat(teacher);');
  parentsChatUrl = new URL(teacher.url()).pathname;
  await send(teacher, 'Добрый вечер! Родительское собрание в четверг в 18:00.');
  mark("await send(teacher, 'Добрый вечер! Родительское собрание в ч");
  await messages(teacher, 'Родительское собрание в четверг').waitFor();
  mark("await messages(teacher, 'Родительское собрание в четверг').w");
  const receipt = teacher.locator('[data-receipts]').last();
  await receipt.filter({ hasText: 'Прочитали 0 из 1' }).waitFor();
  mark("await receipt.filter({ hasText: 'Прочитали 0 из 1' }).waitFo");

  // The parent sees the chat unread in the list, opens it and reads the message.
  const row = parent.getByRole('link', { name: /5А — родители/ });
  await row.locator('.badge').filter({ hasText: '1' }).waitFor();
  mark("await row.locator('.badge').filter({ hasText: '1' }).waitFor");
  await openParentsChat(parent);
  mark('await openParentsChat(parent);');
  await messages(parent, 'Родительское собрание в четверг').waitFor();
  mark("await messages(parent, 'Родительское собрание в четверг').wa");

  // Without reloading, the teacher's receipt moves to "read by 1 of 1".
  await receipt.filter({ hasText: 'Прочитали 1 из 1' }).waitFor({ timeout: 15_000 });
  mark("await receipt.filter({ hasText: 'Прочитали 1 из 1' }).waitFo");

  await send(parent, 'Спасибо, буду обязательно.');
  mark("await send(parent, 'Спасибо, буду обязательно.');");
  await messages(teacher, 'Спасибо, буду обязательно.').waitFor();
  mark("await messages(teacher, 'Спасибо, буду обязательно.').waitFo");
  assert.equal(await messages(parent, 'Спасибо, буду обязательно.').count(), 1);
  assert.equal(await messages(teacher, 'Родительское собрание').count(), 1);
  // The teacher badge marks the teacher's message on the parent's side.
  assert.equal(await parent.locator('article', { hasText: 'Родительское собрание' }).locator('.teacher-badge').count(), 1);
  await screenshot(teacher, 'chat-teacher-desktop');
  mark("await screenshot(teacher, 'chat-teacher-desktop');");
  await screenshot(parent, 'chat-parent-phone');
  mark("await screenshot(parent, 'chat-parent-phone');");
});

test('an attachment is sent and downloaded', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parta-att-'));
  const file = path.join(dir, 'homework.txt');
  const content = `Домашнее задание: упражнения 12–15.\n${'x'.repeat(2000)}\n`;
  fs.writeFileSync(file, content);
  await teacher.locator('[data-testid="file-input"]').setInputFiles(file);
  await teacher.locator('.upload progress[value="1"]').waitFor();
  await send(teacher, 'Задание во вложении');
  const link = parent.locator('article', { hasText: 'Задание во вложении' }).getByRole('button', { name: 'Скачать homework.txt' });
  await link.waitFor();
  const [download] = await Promise.all([parent.waitForEvent('download'), link.click()]);
  const saved = path.join(dir, 'downloaded.txt');
  await download.saveAs(saved);
  assert.equal(fs.readFileSync(saved, 'utf8'), content);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a message written offline waits in a visible queue and is sent on reconnect', async () => {
  const ctx = parent.context();
  await ctx.setOffline(true);
  await parent.locator('[data-sync="reconnecting"]').waitFor();
  await send(parent, 'Пишу без связи: завтра опоздаем на 10 минут.');
  const pending = parent.locator('article.pending', { hasText: 'Пишу без связи' });
  await pending.waitFor();
  assert.match(await pending.innerText(), /Ждёт связи/);
  await parent.locator('.sync-queue', { hasText: '1 сообщение ждёт отправки' }).waitFor();
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
    for (const text of ['Родительское собрание', 'Спасибо, буду', 'Пишу без связи', 'Пока вас не было', 'Перед перезапуском', 'Во время перезапуска', 'После перезапуска']) {
      assert.equal(await messages(page, text).count(), 1, `${text} exactly once`);
    }
    assert.equal(await page.locator('article.pending').count(), 0);
  }
  // The rendered order is the chat's order.
  const seqs = await teacher.locator('article[data-seq]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq'))));
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
  assert.equal(new Set(seqs).size, seqs.length);
});

test('a student cannot see parents’ chats', async () => {
  const student = await (await newContext(browser, PHONE)).newPage();
  await signIn(student, server, PHONES.student);
  await student.locator('.chatrow').first().waitFor();
  const titles = await student.locator('.chatrow-title').allInnerTexts();
  assert.ok(titles.some((t) => t.includes('5А — класс')), `the class chat is listed: ${titles.join(', ')}`);
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
