import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deviceName } from './device-name.ts';

const ANDROID_CHROME = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36';
const WINDOWS_YANDEX = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 YaBrowser/24.12 Safari/537.36';
const IPHONE_SAFARI = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1';

test('device names in the language of the app', () => {
  assert.equal(deviceName(ANDROID_CHROME, 'ru'), 'Chrome на Android');
  assert.equal(deviceName(WINDOWS_YANDEX, 'ru'), 'Яндекс Браузер на Windows');
  assert.equal(deviceName(IPHONE_SAFARI, 'ru'), 'Safari на iPhone');
  assert.equal(deviceName(WINDOWS_YANDEX, 'en'), 'Yandex Browser on Windows');
  assert.equal(deviceName('curl/8', 'ru'), 'Браузер');
});
