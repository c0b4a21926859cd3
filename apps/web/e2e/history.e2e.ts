import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { PHONES, TestServer, launch, newContext, screenshot, signIn } from './harness.ts';

/** A chat with 10,000 messages: scrolling back loads all of them while the page keeps a few dozen rows. */
const COUNT = Number(process.env.PARTA_E2E_HISTORY ?? 10_000);
const server = new TestServer();
let browser: Browser;

before(async () => {
  await server.start();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server.dispose();
});

async function apiSession(phone: string): Promise<string> {
  await fetch(`${server.url}/api/v1/auth/code`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phone }) });
  const res = await fetch(`${server.url}/api/v1/auth/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phone, code: await server.code(phone) }) });
  return ((await res.json()) as { token: string }).token;
}

test(`history of ${COUNT} messages stays smooth`, async () => {
  const token = await apiSession(PHONES.teacher);
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const list = (await (await fetch(`${server.url}/api/v1/chats`, { headers })).json()) as { chats: { id: string; kind: string }[] };
  const chatId = list.chats.find((c) => c.kind === 'class')!.id;

  const started = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = next++; i < COUNT; i = next++) {
        const res = await fetch(`${server.url}/api/v1/chats/${chatId}/messages`, { method: 'POST', headers, body: JSON.stringify({ clientId: `seed-${i}`, text: `Сообщение ${i + 1}: ${'текст '.repeat(1 + (i % 12))}` }) });
        assert.ok(res.ok, `send ${i}: ${res.status}`);
      }
    }),
  );
  console.log(`seeded ${COUNT} messages in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const page = await (await newContext(browser)).newPage();
  await signIn(page, server, PHONES.teacher);
  await page.goto(`${server.url}/chats/${chatId}`);
  await page.locator('article[data-message-id]').first().waitFor();
  const history = page.locator('.history');

  // Scroll to the top again and again: each time an older page loads, until the start is reached.
  const loadStarted = Date.now();
  for (;;) {
    const done = await page.locator('.history-top', { hasText: 'Начало переписки' }).count();
    if (done) break;
    await history.evaluate((el) => (el.scrollTop = 0));
    await page.waitForTimeout(50);
    assert.ok(Date.now() - loadStarted < 240_000, 'history loads within 4 minutes');
  }
  const size = Number(await page.locator('.vrow').first().getAttribute('aria-setsize'));
  assert.ok(size >= COUNT, `all ${COUNT} messages are in the list (${size} rows)`);
  console.log(`loaded ${COUNT} messages by scrolling back in ${((Date.now() - loadStarted) / 1000).toFixed(1)} s`);

  // The page holds only the rows in view and a margin, whatever the length of the history.
  const rendered = await page.locator('.vrow').count();
  assert.ok(rendered < 120, `rendered rows: ${rendered}`);

  // Scroll through the whole history frame by frame and measure the frames.
  const frames = await history.evaluate(async (el) => {
    const gaps: number[] = [];
    const steps = 300;
    let last = performance.now();
    for (let i = 0; i <= steps; i++) {
      el.scrollTop = ((el.scrollHeight - el.clientHeight) * i) / steps;
      await new Promise((r) => requestAnimationFrame(() => r(null)));
      const now = performance.now();
      gaps.push(now - last);
      last = now;
    }
    return gaps.sort((a, b) => a - b);
  });
  const p50 = frames[Math.floor(frames.length * 0.5)]!;
  const p95 = frames[Math.floor(frames.length * 0.95)]!;
  console.log(`scrolling ${COUNT} messages: frame p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${frames.at(-1)!.toFixed(1)} ms; ${rendered} rows in the page`);
  assert.ok(p95 < 100, `p95 frame ${p95.toFixed(1)} ms`);
  assert.ok((await page.locator('.vrow').count()) < 120);
  await screenshot(page, 'history-10000-desktop');
});
