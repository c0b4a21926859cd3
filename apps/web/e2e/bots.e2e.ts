import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { PHONES, TestServer, apiAs, axe, newContext, signIn, useServerAndBrowser } from './harness.ts';

/**
 * «Помощник» and inline keyboards in Chromium: a guardian on whose phone the child is registered
 * asks the assistant, confirms with a button under its message, the school admin handles the
 * request on the queue screen, and the child's invitation exists.
 */
const server = new TestServer({ PARTA_HELPER_BOT: 'inprocess' });
const suite = useServerAndBrowser(server);

const PARENT = '+79005557701';
const CHILD = '+79005557702';

async function token(phone: string): Promise<string> {
  const sent = await fetch(`${server.url}/api/v1/auth/code`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ phone }),
  });
  assert.equal(sent.status, 202);
  const res = await fetch(`${server.url}/api/v1/auth/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ phone, code: await server.code(phone) }),
  });
  return ((await res.json()) as { token: string }).token;
}

async function noSeriousAxe(page: Page, where: string) {
  const v = await axe(page);
  assert.deepEqual(v, [], `${where}: ${JSON.stringify(v, null, 1)}`);
}

async function say(page: Page, text: string) {
  const box = page.getByLabel('Сообщение', { exact: true });
  await box.fill(text);
  await page.getByRole('button', { name: 'Отправить', exact: true }).click();
}

test('a guardian asks «Помощник» about a child on their phone; the admin moves the child to its own phone; the invitation exists', async () => {
  const admin = await token(PHONES.admin);
  const me = (await apiAs(server, admin, 'GET', '/api/v1/me')).body;
  const sid = me.schools[0].school.id as string;
  const classes = (await apiAs(server, admin, 'GET', `/api/v1/schools/${sid}/classes`)).body.classes as { id: string; name: string }[];
  const classId = classes.find((c) => c.name === '5А')!.id;
  const child = await apiAs(server, admin, 'POST', `/api/v1/schools/${sid}/people`, {
    lastName: 'Лебедева',
    firstName: 'Ксения',
    roles: ['student'],
    birthDate: '2014-04-04',
    phone: PARENT,
    classId,
  });
  assert.equal(child.status, 201);
  const mother = await apiAs(server, admin, 'POST', `/api/v1/schools/${sid}/people`, {
    lastName: 'Лебедева',
    firstName: 'Ирина',
    roles: ['guardian'],
    childIds: [child.body.id],
  });
  assert.equal(mother.status, 201);

  const parent = await (await newContext(suite.browser)).newPage();
  await signIn(parent, server, PARENT);
  await parent.locator('.chatrow', { hasText: 'Помощник' }).click();
  await say(parent, 'Ребёнок зарегистрирован на мой номер');
  await parent.locator('.msg-text', { hasText: 'Напишите номер телефона ребёнка' }).waitFor({ timeout: 20_000 });
  await say(parent, '+7 900 555-77-02');
  const confirm = parent.getByRole('button', { name: 'Да, отправить заявку' });
  await confirm.waitFor({ timeout: 20_000 });
  // The bot's badge and its buttons, in a chat that passes axe.
  await parent.locator('.bot-badge').first().waitFor();
  await noSeriousAxe(parent, 'the chat with the assistant');
  await confirm.click();
  await parent.locator('.msg-text', { hasText: 'Заявка отправлена администратору школы' }).waitFor({ timeout: 20_000 });

  const office = await (await newContext(suite.browser)).newPage();
  await signIn(office, server, PHONES.admin);
  await office.goto(`${server.url}/admin/helper`);
  const card = office.locator('li[data-request]', { hasText: 'Ребёнок зарегистрирован на номер родителя' });
  await card.waitFor({ timeout: 20_000 });
  assert.equal(await card.getByLabel('Номер телефона ребёнка').inputValue(), CHILD);
  await noSeriousAxe(office, 'the assistant queue');
  await card.getByRole('button', { name: 'Перенести номер и отправить приглашение' }).click();
  await card.getByText('Готово. Приглашение отправлено', { exact: false }).waitFor({ timeout: 20_000 });

  const invitations = (await apiAs(server, admin, 'GET', `/api/v1/schools/${sid}/invitations`)).body.invitations as {
    personId: string;
    usedAt: string | null;
    revokedAt: string | null;
  }[];
  assert.ok(
    invitations.some((i) => i.personId === child.body.id && !i.usedAt && !i.revokedAt),
    'the child has an open invitation',
  );
  const people = (await apiAs(server, admin, 'GET', `/api/v1/schools/${sid}/people?limit=1000`)).body.people as {
    id: string;
    phone: string | null;
    linked?: boolean;
    userId?: string | null;
  }[];
  assert.equal(people.find((p) => p.id === child.body.id)!.phone, CHILD);
  assert.equal(people.find((p) => p.id === mother.body.id)!.phone, PARENT);
  const sms = await fetch(`${server.url}/api/v1/dev/sms?phone=${encodeURIComponent(CHILD)}`);
  assert.match(((await sms.json()) as { messages: { text: string }[] }).messages[0]!.text, /приглашение/);
});

test('an inline keyboard button of a bot, pressed in the browser, reaches the bot and its edit shows', async () => {
  const admin = await token(PHONES.admin);
  const teacherToken = await token(PHONES.teacher);
  const sid = (await apiAs(server, admin, 'GET', '/api/v1/me')).body.schools[0].school.id as string;
  const chats = (await apiAs(server, teacherToken, 'GET', '/api/v1/chats')).body.chats as { id: string; kind: string; title: string }[];
  const classChat = chats.find((c) => c.kind === 'class' && c.title === '5А')!.id;
  const created = await apiAs(server, admin, 'POST', `/api/v1/schools/${sid}/bots`, { name: 'Олимпиады', username: 'olymp' });
  assert.equal(created.status, 201);
  const botToken = created.body.token as string;
  await apiAs(server, admin, 'PUT', `/api/v1/schools/${sid}/bots/${created.body.bot.id}/chats`, { chatIds: [classChat] });
  const call = async (method: string, body: Record<string, unknown>) => {
    const res = await fetch(`${server.url}/bot${botToken}/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return (await res.json()) as { ok: boolean; result: any }; // eslint-disable-line @typescript-eslint/no-explicit-any -- Bot API JSON
  };
  let offset = 0;
  let chatNum = 0;
  for (let i = 0; i < 50 && !chatNum; i++) {
    for (const u of (await call('getUpdates', { offset, timeout: 1 })).result) {
      offset = u.update_id + 1;
      if (u.my_chat_member) chatNum = u.my_chat_member.chat.id;
    }
  }
  const sent = await call('sendMessage', {
    chat_id: chatNum,
    text: 'Олимпиада по математике в пятницу. Участвуете?',
    reply_markup: {
      inline_keyboard: [
        [
          { text: 'Участвую', callback_data: 'yes' },
          { text: 'Положение', url: 'https://school.example/olymp' },
        ],
      ],
    },
  });
  assert.equal(sent.ok, true);

  const teacher = await (await newContext(suite.browser)).newPage();
  await signIn(teacher, server, PHONES.teacher);
  await teacher.locator('.chatrow', { hasText: 'Олимпиада по математике' }).click();
  const button = teacher.getByRole('button', { name: 'Участвую' });
  await button.waitFor({ timeout: 20_000 });
  assert.equal(await teacher.getByRole('link', { name: /Положение/ }).getAttribute('rel'), 'noopener noreferrer nofollow');
  await button.click();
  let query: { id: string; data: string; message: { message_id: number } } | undefined;
  for (let i = 0; i < 50 && !query; i++) {
    for (const u of (await call('getUpdates', { offset, timeout: 1 })).result) {
      offset = u.update_id + 1;
      if (u.callback_query) query = u.callback_query;
    }
  }
  assert.equal(query?.data, 'yes');
  await call('answerCallbackQuery', { callback_query_id: query!.id, text: 'Записали!' });
  await teacher.getByRole('status').filter({ hasText: 'Записали!' }).waitFor({ timeout: 20_000 });
  await call('editMessageText', { chat_id: chatNum, message_id: query!.message.message_id, text: 'Олимпиада в пятницу: 1 участник.' });
  await teacher.locator('.msg-text', { hasText: 'Олимпиада в пятницу: 1 участник.' }).waitFor({ timeout: 20_000 });
  assert.equal(await teacher.getByRole('button', { name: 'Участвую' }).count(), 0, 'the edit without a keyboard removes it');
});
