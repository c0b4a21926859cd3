import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nameInCase } from './names.ts';

test('names in the cases a sentence needs: «Ответ на сообщение Елены Смирновой», «мама Егора»', () => {
  assert.equal(nameInCase('Смирнова Елена Петровна', 'genitive'), 'Елены Смирновой');
  assert.equal(nameInCase('Смирнова Елена Петровна', 'dative'), 'Елене Смирновой');
  assert.equal(nameInCase('Кузнецов Андрей Игоревич', 'genitive'), 'Андрея Кузнецова');
  assert.equal(nameInCase('Волков Егор', 'genitive'), 'Егора Волкова');
  assert.equal(nameInCase('Волкова Анна', 'genitive'), 'Анны Волковой');
  assert.equal(nameInCase('Плюх', 'genitive'), 'Плюх');
});
