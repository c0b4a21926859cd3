import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nameInCase, whoseParent } from './names.ts';

test('names in the cases a sentence needs: «Ответ на сообщение Елены Смирновой», «мама Егора»', () => {
  assert.equal(nameInCase('Смирнова Елена Петровна', 'genitive'), 'Елены Смирновой');
  assert.equal(nameInCase('Смирнова Елена Петровна', 'dative'), 'Елене Смирновой');
  assert.equal(nameInCase('Кузнецов Андрей Игоревич', 'genitive'), 'Андрея Кузнецова');
  assert.equal(nameInCase('Волков Егор', 'genitive'), 'Егора Волкова');
  assert.equal(nameInCase('Волкова Анна', 'genitive'), 'Анны Волковой');
  assert.equal(nameInCase('Плюх', 'genitive'), 'Плюх');
});

test('whose parent: «мама Егора», «папа Ани и Егора», the roster’s relation first', () => {
  assert.equal(whoseParent({ name: 'Волкова Ирина Олеговна', children: [{ name: 'Волков Егор Сергеевич', relation: null }] }, 'ru'), 'мама Егора');
  assert.equal(whoseParent({ name: 'Волков Сергей Петрович', children: [{ name: 'Волкова Анна', relation: null }, { name: 'Волков Егор', relation: null }] }, 'ru'), 'папа Анны и Егора');
  assert.equal(whoseParent({ name: 'Иванова Мария', children: [{ name: 'Иванов Пётр', relation: 'бабушка' }] }, 'ru'), 'бабушка Петра');
  assert.equal(whoseParent({ name: 'Волкова Ирина Олеговна', children: [{ name: 'Волков Егор', relation: null }] }, 'en'), 'parent of Егор');
  assert.equal(whoseParent({ name: 'Смирнова Елена Петровна' }, 'ru'), null);
});
