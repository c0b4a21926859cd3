import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nameInCase, peerLine, whoseParent } from './names.ts';

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
  assert.equal(
    whoseParent(
      {
        name: 'Волков Сергей Петрович',
        children: [
          { name: 'Волкова Анна', relation: null },
          { name: 'Волков Егор', relation: null },
        ],
      },
      'ru',
    ),
    'папа Анны и Егора',
  );
  assert.equal(whoseParent({ name: 'Иванова Мария', children: [{ name: 'Иванов Пётр', relation: 'бабушка' }] }, 'ru'), 'бабушка Петра');
  assert.equal(whoseParent({ name: 'Волкова Ирина Олеговна', children: [{ name: 'Волков Егор', relation: null }] }, 'en'), 'parent of Егор');
  assert.equal(whoseParent({ name: 'Смирнова Елена Петровна' }, 'ru'), null);
});

test('a direct chat says who the other person is: whose parent and the class, or the classes a teacher teaches', () => {
  const t = ((k: string) => ({ 'peer.teacher': 'учитель', 'peer.student': 'ученик', 'peer.admin': 'администратор школы' })[k] ?? k) as Parameters<
    typeof peerLine
  >[2];
  assert.equal(
    peerLine(
      { roles: ['guardian'], classes: [], children: [{ name: 'Волков Егор Сергеевич', relation: null, classes: ['5А'] }] },
      'Волкова Ирина Олеговна',
      t,
      'ru',
    ),
    'мама Егора, 5А',
  );
  assert.equal(peerLine({ roles: ['teacher'], classes: ['5А', '6Б'], children: [] }, 'Смирнова Елена Викторовна', t, 'ru'), 'учитель, 5А, 6Б');
  assert.equal(peerLine({ roles: ['student'], classes: ['5А'], children: [] }, 'Волков Егор', t, 'ru'), 'ученик, 5А');
  assert.equal(peerLine(undefined, 'Кто-то', t, 'ru'), null);
});
