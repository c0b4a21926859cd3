import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { PHONES, TestServer, axe, newContext, screenshot, signIn, useServerAndBrowser } from './harness.ts';

/**
 * The diary in Chromium against a real server with the demo school's diary: a teacher fills a
 * column with the keyboard only, a parent sees the grade live, a parent reports an absence and the
 * class teacher sees it, a student ticks homework done. Every screen passes axe.
 */
const MATHS = '+79000000007';
const server = new TestServer();

const suite = useServerAndBrowser(server);

async function api(page: Page, path: string, init: { method?: string; body?: unknown } = {}) {
  return page.evaluate(
    async ({ path, init }) => {
      const res = await fetch(path, {
        method: init.method ?? 'GET',
        headers: { authorization: `Bearer ${localStorage.getItem('parta.token')}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
        body: init.body ? JSON.stringify(init.body) : undefined,
      });
      return { status: res.status, body: res.status === 204 ? null : await res.json() };
    },
    { path, init },
  );
}

async function openDiary(page: Page) {
  await page.getByRole('link', { name: 'Дневник' }).click();
  await page.locator('.diary-screen').waitFor();
}

async function noSeriousAxe(page: Page, where: string) {
  const v = await axe(page);
  assert.deepEqual(v, [], `${where}: ${JSON.stringify(v, null, 1)}`);
}

test('a teacher fills a column of grades and attendance with the keyboard only; the parent sees the grade live', async () => {
  const teacher = await (await newContext(suite.browser)).newPage();
  const parent = await (await newContext(suite.browser)).newPage();
  await signIn(teacher, server, MATHS);
  await signIn(parent, server, PHONES.parent);
  const me = (await api(parent, '/api/v1/me')).body;
  const schoolId = me.schools[0].school.id as string;
  const childId = me.schools[0].children[0].personId as string;

  await openDiary(teacher);
  await teacher.getByLabel('Класс и предмет').selectOption({ label: '5А · Математика' });
  const cell = teacher.locator('[role="gridcell"][tabindex="0"]');
  await cell.waitFor({ timeout: 30_000 });
  await noSeriousAxe(teacher, 'journal');
  // Where the child's row and the current lesson are, as the grid has them.
  const rows = await teacher.locator('tbody th[scope="row"]').allTextContents();
  const week = (await api(parent, `/api/v1/schools/${schoolId}/diary/students/${childId}/week`)).body;
  const childName = `${week.student.lastName} ${week.student.firstName}`;
  const childRow = rows.indexOf(childName);
  assert.ok(childRow >= 0, `${childName} in ${rows.join(', ')}`);

  await openDiary(parent);
  await parent.locator('.diary-lesson').first().waitFor({ timeout: 30_000 });
  await noSeriousAxe(parent, 'diary week');

  // Keyboard only: to the first row, then a column of grades typed as in a spreadsheet.
  await cell.focus();
  for (let i = 0; i < 30; i++) await teacher.keyboard.press('ArrowUp');
  const current = await teacher.locator('[role="gridcell"][tabindex="0"]').getAttribute('data-cell');
  const col = current!.split(':')[1]!;
  const values = ['5', '4', '3'];
  for (const v of values) {
    await teacher.keyboard.type(v);
    await teacher.keyboard.press('Enter');
  }
  // Two students marked absent at once: Shift+↓ selects, «н» (or «a» on a Latin layout) + Enter marks both.
  // The browser's keyboard here is a Latin one: Cyrillic would arrive as text without key presses.
  await teacher.keyboard.press('Shift+ArrowDown');
  await teacher.keyboard.press('a');
  await teacher.keyboard.press('Enter');
  await teacher.getByRole('status').filter({ hasText: 'Сохранено' }).waitFor({ timeout: 30_000 });
  for (const [i, v] of values.entries()) await teacher.locator(`[data-cell="${i}:${col}"] .grade`).filter({ hasText: v }).waitFor();
  await teacher.locator(`[data-cell="3:${col}"] .att`).waitFor();
  await teacher.locator(`[data-cell="4:${col}"] .att`).waitFor();

  // The child's cell: cleared, then a 5; the parent's open diary follows both, live.
  await teacher.locator(`[data-cell="0:${col}"]`).focus();
  for (let i = 0; i < childRow; i++) await teacher.keyboard.press('ArrowDown');
  await teacher.keyboard.press('Delete');
  const journal = (await api(teacher, `/api/v1/schools/${schoolId}/diary/teaching`)).body.teaching.find(
    (x: { className: string; subjectName: string }) => x.className === '5А' && x.subjectName === 'Математика',
  );
  const j = (await api(teacher, `/api/v1/schools/${schoolId}/diary/journal?classId=${journal.classId}&subjectId=${journal.subjectId}`)).body;
  const lessonId = j.lessons[Number(col)].id as string;
  const lessonWeek = (await api(parent, `/api/v1/schools/${schoolId}/diary/students/${childId}/week?date=${j.lessons[Number(col)].date}`)).body;
  if (lessonWeek.weekStart !== week.weekStart) {
    await parent.getByRole('button', { name: /Предыдущая неделя/ }).click();
  }
  const li = parent.locator(`[data-lesson-id="${lessonId}"]`);
  await li.waitFor({ timeout: 30_000 });
  await li.locator('.grade-chip').waitFor({ state: 'detached', timeout: 30_000 });
  await teacher.keyboard.type('5');
  await teacher.keyboard.press('Enter');
  await li.locator('.grade-chip', { hasText: '5' }).waitFor({ timeout: 30_000 });
  await screenshot(teacher, 'diary-journal');
  await screenshot(parent, 'diary-week');
});

test('a parent reports an absence and the class teacher sees it', async () => {
  const classTeacher = await (await newContext(suite.browser)).newPage();
  const parent = await (await newContext(suite.browser)).newPage();
  await signIn(classTeacher, server, PHONES.teacher);
  await signIn(parent, server, PHONES.parent);
  await openDiary(classTeacher);
  await classTeacher.getByLabel('Класс и предмет').selectOption({ label: '5А · Русский язык' });
  await classTeacher.getByRole('heading', { name: 'Сообщения об отсутствии' }).waitFor({ timeout: 30_000 });
  await noSeriousAxe(classTeacher, 'class teacher overview');

  await openDiary(parent);
  await parent.getByRole('tab', { name: 'Сообщить об отсутствии' }).click();
  await noSeriousAxe(parent, 'absence form');
  await parent.getByLabel('Комментарий для классного руководителя').fill('Температура, завтра к врачу');
  await parent.getByRole('button', { name: 'Сообщить' }).click();
  await parent.getByRole('status').filter({ hasText: 'Классный руководитель получил сообщение' }).waitFor();
  await classTeacher.locator('.absence-list').getByText('Температура, завтра к врачу', { exact: false }).waitFor({ timeout: 30_000 });
});

test('a student ticks homework done', async () => {
  const student = await (await newContext(suite.browser)).newPage();
  await signIn(student, server, PHONES.student);
  await openDiary(student);
  await student.getByRole('tab', { name: 'Домашние задания' }).click();
  const first = student.locator('.diary-hwlist li').first();
  await first.waitFor({ timeout: 30_000 });
  await noSeriousAxe(student, 'homework list');
  const id = await first.getAttribute('data-homework-id');
  const box = first.getByRole('checkbox', { name: 'Сделано' });
  await box.check();
  await student.locator(`[data-homework-id="${id}"].is-done`).waitFor();
  await student.reload();
  await openDiary(student);
  await student.getByRole('tab', { name: 'Домашние задания' }).click();
  assert.equal(await student.locator(`[data-homework-id="${id}"]`).getByRole('checkbox', { name: 'Сделано' }).isChecked(), true);
});

test('a teacher attaches a file to homework; the student downloads it from the homework list', async () => {
  const teacher = await (await newContext(suite.browser)).newPage();
  await signIn(teacher, server, MATHS);
  await openDiary(teacher);
  await teacher.getByLabel('Класс и предмет').selectOption({ label: '5А · Математика' });
  await teacher.locator('[role="gridcell"][tabindex="0"]').waitFor({ timeout: 30_000 });
  // The last lesson shown: its homework is due later, so it is in the student's list.
  await teacher.locator('button.journal-head').last().click();
  const dialog = teacher.getByRole('dialog');
  await dialog.getByLabel('Домашнее задание').fill('Задачи из файла, № 1–5');
  await dialog
    .locator('input[type="file"]')
    .setInputFiles({ name: 'задачи.txt', mimeType: 'text/plain', buffer: Buffer.from('1) 1/2 + 1/3\n2) 3/4 - 1/8\n', 'utf8') });
  await dialog.getByRole('button', { name: /Скачать задачи\.txt/ }).waitFor();
  await noSeriousAxe(teacher, 'lesson editor with a file');
  await dialog.getByRole('button', { name: 'Сохранить' }).click();
  await dialog.waitFor({ state: 'detached' });

  const student = await (await newContext(suite.browser)).newPage();
  await signIn(student, server, PHONES.student);
  await openDiary(student);
  await student.getByRole('tab', { name: 'Домашние задания' }).click();
  const item = student.locator('.diary-hwlist li', { hasText: 'Задачи из файла' });
  await item.waitFor({ timeout: 30_000 });
  const [download] = await Promise.all([student.waitForEvent('download'), item.getByRole('button', { name: /Скачать задачи\.txt/ }).click()]);
  assert.equal(download.suggestedFilename(), 'задачи.txt');
  const body = fs.readFileSync((await download.path())!, 'utf8');
  assert.match(body, /1\/2 \+ 1\/3/);
});
