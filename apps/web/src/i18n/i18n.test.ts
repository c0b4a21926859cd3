import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ru } from './ru.ts';
import { en } from './en.ts';
import { format, initialLocale, translator } from './index.ts';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('English has exactly the Russian keys, none empty, with the same placeholders', () => {
  assert.deepEqual(Object.keys(en).sort(), Object.keys(ru).sort());
  for (const [key, text] of Object.entries(ru)) {
    const other = en[key as keyof typeof en];
    assert.ok(text.trim(), `ru ${key} is empty`);
    assert.ok(other.trim(), `en ${key} is empty`);
    assert.deepEqual(placeholders(other), placeholders(text), `placeholders of ${key}`);
  }
});

test('every key the app uses exists', () => {
  const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const used = new Set<string>();
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.tsx?$/.test(e.name) && !e.name.endsWith('.test.ts')) {
        for (const m of fs.readFileSync(p, 'utf8').matchAll(/\bt\(\s*'([a-zA-Z0-9_.]+)'/g)) used.add(m[1]!);
        for (const m of fs.readFileSync(p, 'utf8').matchAll(/\bplural\(\s*'([a-zA-Z0-9_.]+)'/g)) used.add(`${m[1]}_other`);
      }
    }
  };
  walk(src);
  assert.ok(used.size > 100);
  const missing = [...used].filter((k) => !(k in ru));
  assert.deepEqual(missing, []);
});

test('Russian plurals pick one, few and many', () => {
  const { plural } = translator('ru');
  assert.equal(plural('chat.members', 1), '1 участник');
  assert.equal(plural('chat.members', 3), '3 участника');
  assert.equal(plural('chat.members', 5), '5 участников');
  assert.equal(plural('chat.members', 21), '21 участник');
  assert.equal(plural('chat.members', 12), '12 участников');
  assert.equal(translator('en').plural('chat.members', 1), '1 member');
  assert.equal(translator('en').plural('chat.members', 2), '2 members');
});

test('error codes of the API are shown in the chosen language; network errors are explained', () => {
  assert.equal(translator('ru').error({ code: 'code_invalid' }), 'Неверный код');
  assert.equal(translator('en').error({ code: 'code_invalid' }), 'Wrong code');
  assert.match(translator('ru').error({ code: 'network' }), /Нет связи/);
  assert.match(translator('en').error(new Error('boom')), /Something went wrong/);
});

test('placeholders are filled; Russian is the default language', () => {
  assert.equal(format('Код: {code}', { code: 'AB12' }), 'Код: AB12');
  assert.equal(format('{a} {b}', { a: 1 }), '1 {b}');
  assert.equal(initialLocale(null, ['de-DE']), 'ru');
  assert.equal(initialLocale(null, ['en-US']), 'en');
  assert.equal(initialLocale(null, ['en-US', 'ru-RU']), 'ru');
  assert.equal(initialLocale('en', ['ru-RU']), 'en');
});

test('the meetings dictionaries (loaded with the meeting view) match too, and hold every key the meeting code uses', async () => {
  const { meetingDictionaries } = await import('../meetings/i18n.ts');
  const { ru: mru, en: men } = meetingDictionaries;
  assert.deepEqual(Object.keys(men).sort(), Object.keys(mru).sort());
  for (const [key, text] of Object.entries(mru)) {
    const other = men[key as keyof typeof men];
    assert.ok(text.trim() && other.trim(), `${key} is empty`);
    assert.deepEqual(placeholders(other), placeholders(text), `placeholders of ${key}`);
  }
  const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../meetings');
  const used = new Set<string>();
  for (const f of fs.readdirSync(dir).filter((f) => /\.tsx?$/.test(f)))
    for (const m of fs.readFileSync(path.join(dir, f), 'utf8').matchAll(/\bmt\(\s*'([a-zA-Z0-9_.]+)'/g)) used.add(m[1]!);
  assert.ok(used.size > 50, `keys used: ${used.size}`);
  assert.deepEqual(
    [...used].filter((k) => !(k in mru)),
    [],
  );
});
