import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { DESKTOP, PHONE, PHONES, TestServer, axe, newContext, repoRoot, screenshot, signIn, waitLive, useServerAndBrowser } from './harness.ts';

/**
 * Every main screen, at desktop and at phone width (360 px): a screenshot under test-artifacts/
 * and an axe-core check that finds no serious or critical violation.
 */
const server = new TestServer();

const suite = useServerAndBrowser(server);

async function check(page: Page, name: string) {
  for (const [label, size] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    await page.setViewportSize(size);
    await page.waitForTimeout(150);
    const violations = await axe(page);
    assert.deepEqual(violations, [], `${name} at ${label}: ${JSON.stringify(violations, null, 1)}`);
    await screenshot(page, `${name}-${label}`);
  }
  await page.setViewportSize(DESKTOP);
}

async function open(page: Page, route: string, ready: string) {
  await page.goto(server.url + route);
  await waitLive(page);
  await page.locator(ready).first().waitFor();
}

async function send(page: Page, text: string) {
  const box = page.getByLabel('Сообщение', { exact: true });
  await box.fill(text);
  await box.press('Enter');
  await page.locator('article[data-message-id] .msg-text', { hasText: text.slice(0, 30) }).waitFor();
}

test('sign-in and linking screens', async () => {
  const page = await (await newContext(suite.browser)).newPage();
  await page.goto(server.url + '/');
  await page.getByLabel('Номер телефона').waitFor();
  await check(page, 'signin-phone');

  // A clear error for a number that is too short.
  await page.getByLabel('Номер телефона').fill('+7 900');
  await page.getByRole('button', { name: 'Получить код' }).click();
  await page.getByRole('alert').filter({ hasText: 'Введите номер полностью' }).waitFor();

  // A phone on no roster: the code works, then the closed space is explained.
  const stranger = '+79990001122';
  await page.getByLabel('Номер телефона').fill(stranger);
  await page.getByRole('button', { name: 'Получить код' }).click();
  await page.getByLabel('Код из СМС').fill('000000');
  await page.getByRole('button', { name: 'Войти' }).click();
  await page.getByRole('alert').filter({ hasText: 'Неверный код' }).waitFor();
  await check(page, 'signin-code');
  await page.getByLabel('Код из СМС').fill(await server.code(stranger));
  await page.getByRole('heading', { name: 'Подключение к школе' }).waitFor();
  assert.match(await page.locator('main').innerText(), /закрытое пространство/);
  await page.getByRole('textbox', { name: 'Код приглашения' }).fill('WRONG-CODE');
  await page.getByRole('button', { name: 'Подключиться' }).click();
  await page.getByRole('alert').filter({ hasText: 'Код приглашения не найден' }).waitFor();
  await check(page, 'link');

  // Ask to join instead.
  await page.getByLabel('Фамилия').fill('Новикова');
  await page.getByLabel('Имя', { exact: true }).fill('Ирина');
  await page.getByLabel('Комментарий для администратора').fill('мама Новикова Артёма, 5А');
  await page.getByRole('button', { name: 'Отправить заявку' }).click();
  await page.getByText('ждёт решения администратора').waitFor();
  await page.context().close();
});

test('chat list, chat, channels, search, settings', async () => {
  const page = await (await newContext(suite.browser)).newPage();
  await signIn(page, server, PHONES.teacher);
  await page.getByRole('link', { name: /5А — родители/ }).click();
  await send(page, 'Уважаемые родители! Собрание в четверг в 18:00, кабинет 12.');
  await send(page, 'Не забудьте подписать дневники.');
  await page.getByRole('link', { name: /5А — класс/ }).click();
  await send(page, 'Ребята, завтра контрольная по русскому языку.');
  await page.getByRole('link', { name: /Новости 5А/ }).click();
  await send(page, 'В пятницу экскурсия в музей. Сбор в 9:00 у школы.');

  const parent = await (await newContext(suite.browser)).newPage();
  await signIn(parent, server, PHONES.parent);
  await parent.getByRole('link', { name: /5А — родители/ }).click();
  await send(parent, 'Спасибо, @Елена Смирнова, будем!');
  await check(parent, 'chat');
  // One click: only the teachers' messages.
  await parent.getByRole('button', { name: 'Только учителя' }).click();
  await parent.locator('article', { hasText: 'Спасибо, @Елена' }).waitFor({ state: 'detached' });
  assert.equal(await parent.locator('article[data-message-id]').count(), 2);
  await parent.getByRole('button', { name: 'Только учителя' }).click();
  await open(parent, '/chats', '.chatrow');
  await check(parent, 'chat-list');

  await open(parent, '/channels', '.chatrow');
  await parent.getByRole('link', { name: /Новости 5А/ }).click();
  await parent.locator('article', { hasText: 'экскурсия' }).waitFor();
  await check(parent, 'channel');
  // The poster sees the view count.
  await open(page, '/channels', '.chatrow');
  await page.getByRole('link', { name: /Новости 5А/ }).click();
  await page.locator('.views', { hasText: /1 просмотр/ }).waitFor({ timeout: 15_000 });

  // Search with Russian morphology: "собрания" finds "Собрание"; the result opens the message in its chat.
  await open(parent, '/search', '#search-q');
  await parent.getByLabel('Что найти').fill('собрания');
  await parent.getByRole('button', { name: 'Найти' }).click();
  const result = parent.locator('.result', { hasText: 'кабинет 12' });
  await result.waitFor();
  assert.equal(await result.locator('mark').first().innerText(), 'Собрание');
  await check(parent, 'search');
  await result.click();
  await parent.locator('article.highlight', { hasText: 'кабинет 12' }).waitFor();

  await open(parent, '/settings', '#profile-h');
  await parent.locator('.sessions li').first().waitFor();
  await check(parent, 'settings');

  // Photo: choose, move the crop with the keyboard, save; the avatar shows the photo.
  await parent.locator('input[type="file"]').setInputFiles(path.join(repoRoot, 'apps/web/public/icons/icon-512.png'));
  const frame = parent.getByRole('img', { name: /Кадр фото/ });
  await frame.waitFor();
  await parent.getByLabel('Масштаб').fill('2');
  await frame.focus();
  await frame.press('ArrowRight');
  await check(parent, 'settings-photo-crop');
  await parent.getByRole('button', { name: 'Сохранить фото' }).click();
  await parent.locator('.profile-photo img.avatar').waitFor();
  await parent.getByRole('button', { name: 'Удалить фото' }).waitFor();

  // Working hours.
  await parent.getByLabel('Включить рабочие часы').check();
  await parent.getByLabel('С', { exact: true }).fill('09:00');
  await parent.locator('section', { hasText: 'Рабочие часы' }).getByRole('button', { name: 'Сохранить' }).click();
  await parent.locator('section', { hasText: 'Рабочие часы' }).getByRole('status').filter({ hasText: 'Сохранено' }).waitFor();

  // Language: English at once, then back.
  await parent.getByRole('radio', { name: 'English' }).check();
  await parent.getByRole('heading', { name: 'Settings' }).waitFor();
  await parent.getByRole('radio', { name: 'Русский' }).check();
  await parent.getByRole('heading', { name: 'Настройки' }).waitFor();
  await parent.context().close();

  if (process.env.PARTA_README_SHOTS === '1') {
    const dir = path.join(repoRoot, 'docs/screenshots');
    fs.mkdirSync(dir, { recursive: true });
    await open(page, '/chats', '.chatrow');
    await page.getByRole('link', { name: /5А — родители/ }).click();
    await page.locator('article', { hasText: 'Спасибо' }).waitFor();
    await page.screenshot({ path: path.join(dir, 'chat-desktop.png') });
    await page.setViewportSize(PHONE);
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(dir, 'chat-phone.png') });
  }
  await page.context().close();
});

test('school admin: classes, people, guardians, invitations, join requests', async () => {
  const page = await (await newContext(suite.browser)).newPage();
  await signIn(page, server, PHONES.admin);
  for (const [tab, ready] of [
    ['classes', 'table'],
    ['people', 'table tbody tr'],
    ['guardians', 'table tbody tr'],
  ] as const) {
    await open(page, `/admin/${tab}`, ready);
    await check(page, `admin-${tab}`);
  }
  await open(page, '/admin/invitations', 'form');
  await page.getByLabel('Найти по фамилии или имени').fill('Смирнов');
  await page.getByLabel('Человек', { exact: true }).selectOption({ index: 1 });
  await page.getByRole('button', { name: 'Создать приглашение' }).click();
  const code = (await page.locator('.invite-code').innerText()).trim();
  assert.ok(code.length >= 4);
  await check(page, 'admin-invitations');

  await open(page, '/admin/requests', 'main h1');
  await page.locator('.card', { hasText: 'Новикова Ирина' }).waitFor();
  await check(page, 'admin-requests');
  await page.context().close();
});

/** Presses Tab until the focused element matches `selector` (and holds `text`); fails after `max` presses. */
async function tabTo(page: Page, selector: string, text = '', max = 80): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const hit = await page.evaluate(
      ([sel, txt]) => {
        const el = document.activeElement;
        return !!el && el.matches(sel!) && (el.textContent ?? '').includes(txt!);
      },
      [selector, text],
    );
    if (hit) return;
  }
  throw new Error(`no ${selector} "${text}" within ${max} Tab presses`);
}

test('from the keyboard alone: sign in, open a chat, write, react, change the language', async () => {
  const page = await (await newContext(suite.browser)).newPage();
  await page.goto(server.url + '/');
  // The phone field has the focus; Enter submits each step.
  await page.getByLabel('Номер телефона').waitFor();
  await page.keyboard.type(PHONES.teacher);
  await page.keyboard.press('Enter');
  await page.getByLabel('Код из СМС').waitFor();
  await page.keyboard.type(await server.code(PHONES.teacher));
  await page.keyboard.press('Enter');
  await waitLive(page);

  await tabTo(page, 'a', '5А — родители');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: '5А — родители' }).waitFor();
  await tabTo(page, 'textarea[id^="composer-"]');
  await page.keyboard.type('Написано без мыши');
  await page.keyboard.press('Enter');
  const article = page.locator('article[data-message-id]', { hasText: 'Написано без мыши' });
  await article.waitFor();

  // The message's actions are reachable with Tab, and the reaction picker with Enter.
  await article.focus().catch(() => {});
  await tabTo(page, 'button[aria-label="Реакция"]');
  await page.keyboard.press('Enter');
  await tabTo(page, 'button', '👍', 10);
  await page.keyboard.press('Enter');
  await article.locator('.reaction', { hasText: '👍 1' }).waitFor();

  await tabTo(page, 'a', 'Настройки');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Настройки' }).waitFor();
  await tabTo(page, 'input[type="radio"]', '', 80);
  // Arrow keys move within the language radio group.
  for (let i = 0; i < 3 && !(await page.getByRole('heading', { name: 'Settings' }).count()); i++) await page.keyboard.press('ArrowDown');
  await page.getByRole('heading', { name: 'Settings' }).waitFor();
  await page.getByRole('radio', { name: 'Русский' }).check();
  await page.context().close();
});
