import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PHONES, TestServer, axe, newContext, screenshot, signIn, useServerAndBrowser } from './harness.ts';

/**
 * Roster import in Chromium against the demo school: the admin downloads the template, uploads
 * the Russian template filled in (a new student of 5А and her mother), reads the dry run's table,
 * applies it; the newly imported mother signs in by SMS and lands in 5А's chats.
 */
const server = new TestServer();
const suite = useServerAndBrowser(server);
const MOTHER = '+79000000301';

function templateCsv(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parta-import-'));
  const file = path.join(dir, 'ученики.csv');
  const rows = [
    [
      'Фамилия',
      'Имя',
      'Отчество',
      'Дата рождения',
      'Класс',
      'Телефон ученика',
      'Родитель 1: ФИО',
      'Родитель 1: телефон',
      'Родитель 1: кем приходится',
      'Родитель 2: ФИО',
      'Родитель 2: телефон',
      'Родитель 2: кем приходится',
    ],
    ['Новикова', 'Алиса', 'Игоревна', '12.04.2015', '5А', '', 'Новикова Ольга Петровна', MOTHER, 'мать', '', '', ''],
  ];
  fs.writeFileSync(file, '\uFEFF' + rows.map((r) => r.join(';')).join('\r\n') + '\r\n');
  return file;
}

test('an admin uploads the template, reads the dry run, applies it; the imported guardian signs in and lands in the class chats', async () => {
  const admin = await (await newContext(suite.browser)).newPage();
  await signIn(admin, server, PHONES.admin);
  await admin.goto(server.url + '/admin/import');
  await admin.getByRole('heading', { name: 'Импорт из электронного журнала' }).waitFor();

  // The template downloads, with its example row.
  const [download] = await Promise.all([admin.waitForEvent('download'), admin.getByRole('button', { name: 'Скачать шаблон (XLSX)' }).click()]);
  assert.match(download.suggestedFilename(), /\.xlsx$/);

  await admin.getByLabel('Файл').setInputFiles(templateCsv());
  await admin.getByRole('button', { name: 'Проверить' }).click();
  const table = admin.getByRole('table', { name: 'Что изменится' });
  await table.waitFor();
  const text = await table.innerText();
  assert.match(text, /Новикова Алиса Игоревна/);
  assert.match(text, /Новикова Ольга Петровна/);
  assert.match(text, /родитель ученика Новикова Алиса Игоревна \(мать\)/);
  assert.doesNotMatch(text, /Отклонено|В архив/, 'a template that is not "the whole school" archives nobody');
  await admin.getByRole('status').filter({ hasText: 'Будет создано' }).waitFor();
  const violations = await axe(admin);
  assert.deepEqual(violations, [], JSON.stringify(violations, null, 1));
  await screenshot(admin, 'import-dry-run');

  await admin.getByRole('button', { name: 'Применить' }).click();
  await admin.getByRole('status').filter({ hasText: 'Готово' }).waitFor();

  // The mother signs in for the first time: her account links to the roster by phone.
  const mother = await (await newContext(suite.browser)).newPage();
  await signIn(mother, server, MOTHER);
  await mother
    .getByRole('link', { name: /5А — родители/ })
    .first()
    .waitFor();
  await mother
    .getByRole('link', { name: /5А — родители/ })
    .first()
    .click();
  await mother.getByRole('heading', { name: '5А — родители' }).waitFor();
  await screenshot(mother, 'import-guardian-chats');
});
