import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import sharp from 'sharp';
import { StickerPack } from '@parta/protocol';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { DEMO_PHONES } from '../demo/seed.ts';
import { actor, chatOf, send, type Actor } from '../messaging/test-helpers.ts';
import { loadStickerPack, STICKERS_DIR } from './stickers.ts';

describe('the sticker pack as shipped', () => {
  const pack = loadStickerPack();
  const svgs = [...pack.byId.values()].map((s) => ({ id: s.id, text: s.svg.toString('utf8') }));

  test('at least 16 stickers, each with Russian and English names and keywords, and no stray files', () => {
    assert.ok(pack.pack.stickers.length >= 16, `${pack.pack.stickers.length} stickers`);
    for (const s of pack.pack.stickers) {
      assert.ok(s.name.ru && s.name.en, s.id);
      assert.match(s.name.ru, /[а-яё]/i, s.id);
      assert.ok(s.keywords.ru.length > 0 && s.keywords.en.length > 0, s.id);
    }
    const onDisk = fs
      .readdirSync(STICKERS_DIR)
      .filter((f) => f.endsWith('.svg'))
      .map((f) => f.replace(/\.svg$/, ''))
      .sort();
    assert.deepEqual(onDisk, [...pack.byId.keys()].sort());
    assert.equal(new Set(pack.pack.stickers.map((s) => s.id)).size, pack.pack.stickers.length);
  });

  test('no sticker carries script, event handlers, or references outside itself', () => {
    for (const { id, text } of svgs) {
      assert.doesNotMatch(text, /<script/i, id);
      assert.doesNotMatch(text, /\son[a-z]+\s*=/i, id);
      assert.doesNotMatch(text, /<(foreignObject|image|iframe|object|embed|use|a)\b/i, id);
      assert.doesNotMatch(text, /javascript:|data:|@import/i, id);
      // The only URL allowed is the SVG namespace itself; href and url() may point only inside.
      assert.deepEqual(text.match(/https?:\/\/[^"'\s)]+/g), ['http://www.w3.org/2000/svg'], id);
      for (const m of text.matchAll(/(?:xlink:)?href\s*=\s*["']([^"']*)["']/gi)) assert.match(m[1]!, /^#/, id);
      for (const m of text.matchAll(/url\(\s*([^)]*)\)/gi)) assert.match(m[1]!, /^['"]?#/, id);
      assert.doesNotMatch(text, /<!DOCTYPE|<!ENTITY/i, id);
    }
  });

  test('every sticker is a well-formed 128×128 SVG that renders', async () => {
    for (const { id } of svgs) {
      const svg = pack.byId.get(id)!.svg;
      const meta = await sharp(svg).metadata();
      assert.equal(meta.format, 'svg', id);
      assert.deepEqual([meta.width, meta.height], [128, 128], id);
      const { data } = await sharp(svg).resize(32, 32).raw().toBuffer({ resolveWithObject: true });
      assert.ok(
        data.some((b) => b !== 0),
        `${id} draws something`,
      );
    }
  });

  test('the manifest file matches the protocol schema', () => {
    const raw = JSON.parse(fs.readFileSync(path.join(STICKERS_DIR, 'manifest.json'), 'utf8'));
    assert.equal(raw.stickers.length, pack.pack.stickers.length);
    assert.ok(StickerPack.safeParse(pack.pack).success);
  });
});

describe('stickers over the API', () => {
  let t: TestApp;
  let teacher: Actor, student: Actor;
  let classChat: string;
  before(async () => {
    t = await createTestApp({ demo: true });
    teacher = await actor(t, DEMO_PHONES.classTeacher5A);
    student = await actor(t, DEMO_PHONES.student5A);
    classChat = (await chatOf(t, teacher, 'class', '5А')).id;
  });
  after(() => t.close());

  test('the pack is listed to signed-in people only', async () => {
    const res = await t.request('GET', '/api/v1/stickers', { token: student.token });
    assert.equal(res.statusCode, 200);
    const pack = res.json();
    assert.ok(pack.stickers.length >= 16);
    const owl = pack.stickers.find((s: { id: string }) => s.id === 'owl');
    assert.deepEqual(owl.name, { ru: 'Сова', en: 'Owl' });
    assert.equal(owl.url, '/api/v1/stickers/owl.svg');
    assert.equal((await t.request('GET', '/api/v1/stickers')).statusCode, 401);
  });

  test('a sticker is served as SVG under a CSP that forbids scripts, with nosniff', async () => {
    const res = await t.request('GET', '/api/v1/stickers/owl.svg', { token: student.token });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'image/svg+xml');
    assert.equal(res.headers['content-security-policy'], "default-src 'none'; style-src 'unsafe-inline'");
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.ok(res.rawPayload.equals(fs.readFileSync(path.join(STICKERS_DIR, 'owl.svg'))));
    for (const bad of ['nope.svg', 'owl', 'owl.png', '..%2Fmanifest.json', 'manifest.json']) {
      const r = await t.request('GET', `/api/v1/stickers/${bad}`, { token: student.token });
      assert.equal(r.statusCode, 404, bad);
    }
  });

  test('sending a sticker: it arrives as a sticker attachment; unknown ids and stickers with text are refused', async () => {
    const sent = await send(t, student, classChat, '', { sticker: 'thumbs-up' });
    assert.equal(sent.text, '');
    assert.equal(sent.attachments.length, 1);
    assert.deepEqual(
      { ...sent.attachments[0], size: undefined },
      {
        id: 'thumbs-up',
        kind: 'sticker',
        name: 'Молодец',
        contentType: 'image/svg+xml',
        size: undefined,
        width: 128,
        height: 128,
        url: '/api/v1/stickers/thumbs-up.svg',
        thumbnailUrl: null,
      },
    );
    const history = await t.request('GET', `/api/v1/chats/${classChat}/messages`, { token: teacher.token });
    assert.equal(history.json().messages.find((m: { id: string }) => m.id === sent.id).attachments[0].id, 'thumbs-up');

    const unknown = await t.request('POST', `/api/v1/chats/${classChat}/messages`, {
      token: student.token,
      body: { clientId: crypto.randomUUID(), sticker: 'unicorn' },
    });
    assert.equal(unknown.statusCode, 400);
    assert.equal(unknown.json().error.code, 'sticker_not_found');
    const withText = await t.request('POST', `/api/v1/chats/${classChat}/messages`, {
      token: student.token,
      body: { clientId: crypto.randomUUID(), text: 'привет', sticker: 'owl' },
    });
    assert.equal(withText.statusCode, 400);
    assert.equal(withText.json().error.code, 'sticker_must_be_alone');
    const badId = await t.request('POST', `/api/v1/chats/${classChat}/messages`, {
      token: student.token,
      body: { clientId: crypto.randomUUID(), sticker: '../owl' },
    });
    assert.equal(badId.statusCode, 400);
    assert.equal(badId.json().error.code, 'validation_failed');
  });
});
