import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { PHONES, TestServer, apiAs, axe, newContext, signIn, useServerAndBrowser } from './harness.ts';

/**
 * The parent meeting from agenda to confirmed minutes, in Chromium against a real server: the
 * teacher edits the agenda and records a decision on the meeting's card, publishes the minutes,
 * a parent confirms «Ознакомлен(а)» with one tap and the teacher sees it for that family; and a
 * parent books, swaps and cancels a consultation slot.
 */
const server = new TestServer();
const suite = useServerAndBrowser(server);

const token = (page: Page) => page.evaluate(() => localStorage.getItem('parta.token')!);

async function parentsChatOf(page: Page): Promise<string> {
  const res = await apiAs(server, await token(page), 'GET', '/api/v1/chats');
  return res.body.chats.find((c: { kind: string }) => c.kind === 'parents').id as string;
}

async function noSeriousAxe(page: Page, where: string) {
  const v = await axe(page);
  assert.deepEqual(v, [], `${where}: ${JSON.stringify(v, null, 1)}`);
}

test('the teacher writes the agenda and a decision and publishes the minutes; a parent confirms with one tap; the teacher sees it per family', async () => {
  const teacher = await (await newContext(suite.browser)).newPage();
  const parent = await (await newContext(suite.browser)).newPage();
  await signIn(teacher, server, PHONES.teacher);
  await signIn(parent, server, PHONES.parent);
  const chatId = await parentsChatOf(teacher);
  const startsAt = new Date(Date.now() + 2 * 3600_000).toISOString();
  const scheduled = await apiAs(server, await token(teacher), 'POST', `/api/v1/chats/${chatId}/meetings`, {
    title: 'Итоги четверти',
    agenda: ['Успеваемость'],
    startsAt,
    durationMinutes: 45,
  });
  assert.equal(scheduled.status, 201);
  const meetingId = scheduled.body.id as string;

  await teacher.goto(`${server.url}/meetings/chat/${chatId}`);
  const card = teacher.locator(`[data-meeting="${meetingId}"]`);
  await card.locator('[data-agenda-edit]').click();
  await card.getByLabel('Докладчик').first().fill('Смирнова Е. П.');
  await card.getByRole('button', { name: 'Добавить вопрос' }).click();
  await card.locator('input[name="title-1"]').fill('Экскурсия в Кремль');
  await card.locator('[data-agenda-save]').click();
  await card.getByRole('status').filter({ hasText: 'Сохранено' }).waitFor();
  await card.locator('[data-agenda-item]').nth(1).filter({ hasText: 'Экскурсия в Кремль' }).waitFor();
  const record = card.locator('form[data-record]').filter({ hasText: 'Экскурсия в Кремль' });
  await record.getByLabel('Решение').fill('Провести экскурсию 15 декабря');
  await record.getByRole('button', { name: 'Сохранить запись' }).click();
  await record.getByRole('status').waitFor();
  await card.getByText('Решили: Провести экскурсию 15 декабря').waitFor();
  await noSeriousAxe(teacher, 'agenda editor');
  await card.locator('[data-publish]').click();
  await teacher.locator('dialog [data-confirm]').click();
  await card.locator('[data-minutes-published]').waitFor();

  // The parent: the minutes are in the parents' chat with both files, and one tap confirms.
  await parent.goto(`${server.url}/chats/${chatId}`);
  const message = parent.locator('article').filter({ hasText: 'Протокол родительского собрания «Итоги четверти»' });
  await message.waitFor({ timeout: 20_000 });
  await message.getByText(/\.pdf/).first().waitFor();
  await message
    .getByText(/\.docx/)
    .first()
    .waitFor();
  // The card of the meeting shows the decision to parents too.
  await parent.locator(`[data-meeting="${meetingId}"]`).getByText('Решили: Провести экскурсию 15 декабря').waitFor();
  await noSeriousAxe(parent, 'chat with minutes');
  await message.locator('[data-ack-button]').click();
  await message.locator('[data-ack-done]').waitFor();

  // The teacher sees it, per family, live.
  await teacher.goto(`${server.url}/chats/${chatId}`);
  const own = teacher.locator('article').filter({ hasText: 'Протокол родительского собрания «Итоги четверти»' });
  const count = own.locator('[data-ack-count="1/25"]');
  await count.waitFor({ timeout: 20_000 });
  await count.click();
  const me = await apiAs(server, await token(parent), 'GET', '/api/v1/me');
  const child = me.body.schools[0].children[0];
  const childName = [child.lastName, child.firstName].filter(Boolean).join(' ');
  await own.locator('[data-ack-unit="yes"]').filter({ hasText: childName }).waitFor();
  assert.equal(await own.locator('[data-ack-unit="no"]').count(), 24);
  await own.locator('[data-ack-nudge]').waitFor();

  // Any message, asked at send: the composer's switch.
  await teacher.locator('[data-ack-toggle]').check();
  await teacher.locator(`#composer-${chatId}`).fill('Согласие на экскурсию сдать до пятницы');
  await teacher.locator('.composer .send').click();
  const notice = teacher.locator('article').filter({ hasText: 'Согласие на экскурсию сдать до пятницы' });
  await notice.locator('[data-ack-count="0/25"]').waitFor({ timeout: 20_000 });
  assert.equal(await teacher.locator('[data-ack-toggle]').isChecked(), false, 'the switch is for one message');
  const seen = parent.locator('article').filter({ hasText: 'Согласие на экскурсию сдать до пятницы' });
  await seen.locator('[data-ack-button]').click();
  await seen.locator('[data-ack-done]').waitFor();
  await notice.locator('[data-ack-count="1/25"]').waitFor({ timeout: 20_000 });
});

test('a parent books a consultation slot, swaps it and cancels it; the teacher sees the booking', async () => {
  const teacher = await (await newContext(suite.browser)).newPage();
  const parent = await (await newContext(suite.browser)).newPage();
  await signIn(teacher, server, PHONES.teacher);
  await signIn(parent, server, PHONES.parent);
  const chatId = await parentsChatOf(teacher);

  await teacher.goto(`${server.url}/meetings/chat/${chatId}`);
  const section = teacher.locator('[data-consultations]');
  await section.getByText('Открыть запись на консультации').click();
  const form = section.locator('[data-consultation-form]');
  await form.locator('input[name="date"]').fill(new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10));
  await form.locator('input[name="from"]').fill('17:00');
  await form.locator('input[name="to"]').fill('18:00');
  await form.getByRole('button', { name: 'Открыть запись' }).click();
  const mine = section.locator('[data-consultation]').first();
  await mine.locator('[data-slot]').nth(5).waitFor();
  assert.equal(await mine.locator('[data-slot]').count(), 6);

  await parent.goto(`${server.url}/meetings/chat/${chatId}`);
  const c = parent.locator('[data-consultation]').first();
  await c.locator('[data-slot]').first().locator('[data-book]').click();
  await c.locator('[data-slot-state="mine"]').first().waitFor();
  await c.getByRole('status').filter({ hasText: 'Сейчас ваша очередь' }).waitFor();
  await noSeriousAxe(parent, 'consultations');
  // Swap to the third slot.
  await c.locator('[data-slot]').nth(2).getByRole('button', { name: 'Перейти на это время' }).click();
  await c.locator('[data-slot]').nth(2).and(c.locator('[data-slot-state="mine"]')).waitFor();
  assert.equal(await c.locator('[data-slot]').first().getAttribute('data-slot-state'), 'free');

  // The teacher sees the family in that slot.
  const slot = mine.locator('[data-slot]').nth(2);
  await slot.and(mine.locator('[data-slot-state="booked"]')).waitFor({ timeout: 30_000 });
  const booked = await slot.textContent();
  assert.ok(booked && /\(.+\)/.test(booked), `the family and who booked: ${booked}`);

  await c.locator('[data-cancel]').click();
  await c.locator('[data-slot-state="mine"]').waitFor({ state: 'detached' });
});
