import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSize } from './size.ts';

test('file sizes in Russian and English units, with the language’s decimal mark', () => {
  assert.equal(formatSize(596, 'ru'), '596\u00a0Б');
  assert.equal(formatSize(1.2 * 1024 * 1024, 'ru'), '1,2\u00a0МБ');
  assert.equal(formatSize(1.2 * 1024 * 1024, 'en'), '1.2\u00a0MB');
  assert.equal(formatSize(20 * 1024, 'ru'), '20\u00a0КБ');
  assert.equal(formatSize(3 * 1024 ** 3, 'ru'), '3\u00a0ГБ');
  assert.equal(formatSize(0, 'en'), '0\u00a0B');
});
