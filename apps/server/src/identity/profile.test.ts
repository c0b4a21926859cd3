import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { multipart } from '../testing/multipart.ts';
import { DEMO_PHONES } from '../demo/seed.ts';

describe('profile and photo', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ demo: true, env: { PARTA_MAX_PHOTO_BYTES: String(2 * 1024 * 1024) } });
  });
  after(() => t.close());

  const upload = (token: string, file: Buffer, contentType = 'image/jpeg', fields: Record<string, string> = {}) => {
    const mp = multipart(fields, { name: 'file', filename: 'me.jpg', contentType, data: file });
    return t.app.inject({ method: 'PUT', url: '/api/v1/me/photo', payload: mp.body, headers: { ...mp.headers, authorization: `Bearer ${token}` } });
  };

  test('a photo is re-encoded to avatar sizes without EXIF, and shown to schoolmates only', async () => {
    const { token } = await t.signIn(DEMO_PHONES.classTeacher5A);
    const jpeg = await sharp({ create: { width: 900, height: 600, channels: 3, background: '#3a7' } })
      .withExif({ IFD0: { Copyright: 'secret place', Artist: 'somebody' } })
      .jpeg()
      .toBuffer();
    assert.ok((await sharp(jpeg).metadata()).exif, 'the input carries EXIF');
    const res = await upload(token, jpeg, 'image/jpeg', { cropLeft: '100', cropTop: '50', cropSize: '500' });
    assert.equal(res.statusCode, 200, res.body);
    const photo = res.json().photo;
    assert.deepEqual(photo.sizes, [64, 128, 256, 512]);

    const img = await t.request('GET', photo.url.replace('{size}', '256'), { token });
    assert.equal(img.statusCode, 200);
    assert.equal(img.headers['content-type'], 'image/webp');
    const meta = await sharp(img.rawPayload).metadata();
    assert.equal(meta.width, 256);
    assert.equal(meta.height, 256);
    assert.equal(meta.exif, undefined);

    const parent = (await t.signIn(DEMO_PHONES.guardian5A)).token;
    assert.equal((await t.request('GET', photo.url.replace('{size}', '64'), { token: parent })).statusCode, 200);
    const outsider = (await t.signIn('+79167770000')).token;
    assert.equal((await t.request('GET', photo.url.replace('{size}', '64'), { token: outsider })).statusCode, 404);
    assert.equal((await t.request('GET', photo.url.replace('{size}', '99'), { token })).statusCode, 404);

    // Replacing the photo removes the old one.
    const png = await sharp({ create: { width: 300, height: 300, channels: 4, background: '#fff' } })
      .png()
      .toBuffer();
    const second = (await upload(token, png, 'image/png')).json().photo;
    assert.notEqual(second.id, photo.id);
    assert.equal((await t.request('GET', photo.url.replace('{size}', '64'), { token })).statusCode, 404);
    assert.equal((await t.request('DELETE', '/api/v1/me/photo', { token })).statusCode, 204);
    assert.equal((await t.request('GET', '/api/v1/me', { token })).json().user.photo, null);
  });

  test('non-images, oversized files and bad crops are refused, and the old photo stays', async () => {
    const { token } = await t.signIn(DEMO_PHONES.classTeacher6B);
    const good = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#00f' } })
      .jpeg()
      .toBuffer();
    const kept = (await upload(token, good)).json().photo;

    const text = await upload(token, Buffer.from('<script>alert(1)</script>'), 'image/jpeg');
    assert.equal(text.statusCode, 400);
    assert.equal(text.json().error.code, 'photo_invalid');

    const svg = await upload(token, Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'), 'image/svg+xml');
    assert.equal(svg.statusCode, 415);
    assert.equal(svg.json().error.code, 'unsupported_media_type');

    const big = await sharp({ create: { width: 3000, height: 3000, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 60 } } })
      .png()
      .toBuffer();
    assert.ok(big.length > 2 * 1024 * 1024);
    const tooBig = await upload(token, big, 'image/png');
    assert.equal(tooBig.statusCode, 413);
    assert.equal(tooBig.json().error.code, 'payload_too_large');

    const crop = await upload(token, good, 'image/jpeg', { cropLeft: '190', cropTop: '190', cropSize: '100' });
    assert.equal(crop.statusCode, 400);

    assert.equal((await t.request('GET', '/api/v1/me', { token })).json().user.photo.id, kept.id);
  });

  test('name and language can be changed; bad input is refused', async () => {
    const { token } = await t.signIn('+79167770001');
    const res = await t.request('PATCH', '/api/v1/me', { token, body: { lastName: 'Новикова', firstName: 'Ольга', locale: 'en' } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().locale, 'en');
    const bad = await t.request('PATCH', '/api/v1/me', { token, body: { locale: 'fr' } });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'validation_failed');
    // The next code arrives in the chosen language.
    await t.request('POST', '/api/v1/auth/code', { body: { phone: '+79167770001' } });
    const sms = (await t.request('GET', '/api/v1/dev/sms?phone=%2B79167770001')).json().messages[0];
    assert.match(sms.text, /sign-in code/);
  });
});
