import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import { TestServer, screenshot, signIn } from './harness.ts';
import { TRACK_PCS, byName, micEnabled, outboundLayers, receiveCost, tileStats, waitFor, type TileStats } from './meeting-stats.ts';

/**
 * A parent meeting in three headless Chromiums with fake camera and microphone, through the web
 * app, a real Parta server and the Janus it starts. Proven from RTCPeerConnection.getStats():
 * everyone decodes everyone's video and receives their audio; the received frame size follows the
 * quality mode (full ≥ 640×480 from the 640×480 fake camera, «Экономить трафик» ≤ 320×240, audio
 * only no video) and the layer moves the right way; the host's mute stops one person's audio for
 * the others and survives leaving, rejoining and a network drop; a dead browser's tile goes within
 * seconds; a screen share is received; a non-member is refused; attendance and poll results are
 * recorded; the waiting room lets people in one by one; ending asks first.
 */
const PHONES = { teacher: '+79000000002', mother: '+79000000003', father: '+79003100001', stranger: '+79000000005' } as const;

const server = new TestServer();
let browser: Browser;
const contexts: BrowserContext[] = [];
const pages: Record<'teacher' | 'mother' | 'father', Page> = {} as never;
let meetingId = '';
let chatId = '';
let teacherToken = '';

async function apiAs(token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(server.url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {}, text };
}

async function tokenFor(phone: string): Promise<string> {
  await fetch(server.url + '/api/v1/auth/code', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phone }) });
  const res = await fetch(server.url + '/api/v1/auth/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ phone, code: await server.code(phone) }),
  });
  return ((await res.json()) as { token: string }).token;
}

before(async () => {
  await server.start();
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) throw new Error(`Chromium not found at ${executablePath}`);
  browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      '--auto-select-desktop-capture-source=Entire screen',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-dev-shm-usage',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
});

after(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close().catch(() => {});
  await server.dispose();
});

test('a teacher schedules a parent meeting; the card is in the chat', async () => {
  teacherToken = await tokenFor(PHONES.teacher);
  const chats = (await apiAs(teacherToken, 'GET', '/api/v1/chats')).json.chats as { id: string; kind: string }[];
  chatId = chats.find((c) => c.kind === 'parents')!.id;
  const res = await apiAs(teacherToken, 'POST', `/api/v1/chats/${chatId}/meetings`, {
    title: 'Родительское собрание 5А',
    agenda: ['Итоги четверти'],
    startsAt: new Date(Date.now() + 60_000).toISOString(),
    durationMinutes: 45,
  });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.json.videoConfigured, true, 'the server started its Janus');
  meetingId = res.json.id as string;
});

test('a non-member is refused', async () => {
  const stranger = await tokenFor(PHONES.stranger);
  const res = await apiAs(stranger, 'POST', `/api/v1/meetings/${meetingId}/join`, {});
  assert.equal(res.status, 404);
  assert.equal((res.json.error as { code: string }).code, 'meeting_not_found');
});

test('three participants join through the web app', async () => {
  for (const who of ['teacher', 'mother', 'father'] as const) {
    const ctx = await browser.newContext({
      viewport: { width: 1100, height: 800 },
      locale: 'ru-RU',
      timezoneId: 'Europe/Moscow',
      permissions: ['camera', 'microphone'],
    });
    ctx.setDefaultTimeout(20_000);
    await ctx.addInitScript(TRACK_PCS);
    contexts.push(ctx);
    const page = await ctx.newPage();
    pages[who] = page;
    await signIn(page, server, PHONES[who]);
  }
  // The teacher goes through the chat: the meetings link, then the card's join button.
  const teacher = pages.teacher;
  await teacher.goto(`${server.url}/chats/${chatId}`);
  await teacher.locator('[data-meetings-link]').click();
  await teacher.locator(`[data-join="${meetingId}"]`).first().click();
  // The parents open the meeting's address.
  // `adapt=0`: each camera keeps the layer asked for (the link adaptation is layers.test.ts's), so
  // the sizes measured below are those the quality modes ask Janus for.
  for (const who of ['mother', 'father'] as const) await pages[who].goto(`${server.url}/meetings/${meetingId}?adapt=0`);
  for (const who of ['teacher', 'mother', 'father'] as const) await pages[who].locator('main.meeting[data-phase="live"]').waitFor({ timeout: 30_000 });
});

test('everyone decodes video and receives audio from the two others (getStats)', async () => {
  for (const who of ['teacher', 'mother', 'father'] as const) {
    const page = pages[who];
    const first = await waitFor(
      `${who} sees two remote cameras decoding`,
      async () => {
        const s = (await tileStats(page)).filter((x) => !x.screen);
        return s.length === 2 && s.every((x) => x.framesDecoded > 0 && x.audioPackets > 0) ? s : null;
      },
      120_000,
    );
    await new Promise((r) => setTimeout(r, 3000));
    const second = (await tileStats(page)).filter((x) => !x.screen);
    for (const a of first) {
      const b = second.find((x) => x.name === a.name)!;
      assert.ok(b.framesDecoded > a.framesDecoded, `${who}: video from ${a.name} keeps decoding (${a.framesDecoded} → ${b.framesDecoded})`);
      assert.ok(b.audioPackets > a.audioPackets, `${who}: audio from ${a.name} keeps arriving (${a.audioPackets} → ${b.audioPackets})`);
      assert.ok(b.audioSamples > a.audioSamples || b.audioPackets > a.audioPackets);
    }
    console.log(`# ${who}: ${second.map((s) => `${s.name}: ${s.framesDecoded} frames, ${s.audioPackets} audio packets`).join('; ')}`);
    // Multistream: both remote cameras arrive on ONE receiving PeerConnection (plus the one sending).
    const cost = await receiveCost(page);
    console.log(`# ${who}: ${cost.peerConnections} PeerConnections (${cost.receivingPcs} receiving), ${cost.decodedVideos} decoded videos`);
    assert.equal(cost.receivingPcs, 1, `${who}: one subscriber PeerConnection for all feeds`);
    assert.equal(cost.peerConnections, 2, `${who}: the camera's and the subscription's`);
    assert.equal(cost.decodedVideos, 2);
  }
  await picture(pages.mother, 'meeting-grid');
});

/** A screenshot for the artifacts; on a starved machine it may time out, which proves nothing about the call. */
async function picture(page: Page, name: string) {
  await screenshot(page, name).catch((err: Error) => console.log(`# screenshot ${name} skipped: ${err.message.split('\n')[0]}`));
}

/** The remote camera tiles of a page with their received frame sizes, for the report. */
const sizes = (stats: TileStats[]) =>
  stats
    .filter((x) => !x.screen)
    .map((x) => `${x.name.split(' ').slice(0, 2).join(' ')} ${x.frameWidth}×${x.frameHeight}`)
    .join(', ');

/**
 * Waits until each remote camera on the page has decoded frames that pass `ok` (each at its own
 * moment: a starved test machine may send the top layer at a frame or two a second, so Janus
 * switches to it on a keyframe and can fall back between them). With `settle`, it then also
 * requires every frame decoded over the next samples to pass.
 */
async function camerasWhere(page: Page, what: string, ok: (t: TileStats) => boolean, o: { timeoutMs?: number; settle?: number } = {}): Promise<TileStats[]> {
  let before: TileStats[] = [];
  const seen = new Map<string, TileStats>();
  try {
    const got = await waitFor(
      what,
      async () => {
        const now = (await tileStats(page)).filter((x) => !x.screen);
        for (const t of now) if (ok(t) && t.framesDecoded > (before.find((b) => b.name === t.name)?.framesDecoded ?? Infinity)) seen.set(t.name, t);
        before = now;
        return now.length === 2 && now.every((t) => seen.has(t.name)) ? now.map((t) => seen.get(t.name)!) : null;
      },
      o.timeoutMs ?? 120_000,
      700,
    );
    for (let i = 0; i < (o.settle ?? 0); i++) {
      await new Promise((r) => setTimeout(r, 1500));
      const now = (await tileStats(page)).filter((x) => !x.screen);
      for (const t of now) assert.ok(ok(t), `${what}: ${sizes([t])} later`);
    }
    return got;
  } catch (err) {
    const sent = await Promise.all((['teacher', 'mother', 'father'] as const).map(async (w) => `${w} sends ${JSON.stringify(await outboundLayers(pages[w]))}`));
    const link = before.map((t) => `video jitter ${Math.round(t.jitter * 1000)} ms, audio ${Math.round(t.audioJitter * 1000)} ms, lost ${t.lost}`).join(', ');
    throw new Error(`${(err as Error).message}; last received: ${sizes(before)} (${link}); ${sent.join('; ')}`);
  }
}

const full = (t: TileStats) => t.frameWidth >= 640 && t.frameHeight >= 480;
const small = (t: TileStats) => t.frameWidth > 0 && t.frameWidth <= 320 && t.frameHeight <= 240;

test('the received frame size follows the quality mode, and a forced layer change moves the right way (getStats)', async () => {
  const mother = pages.mother;
  const figures: string[] = [];
  // Full quality: the 640×480 layer of each 640×480 fake camera arrives (simulcast rid `h` = substream 2).
  figures.push(`full: ${sizes(await camerasWhere(mother, 'the full 640×480 picture from both cameras', full))}`);
  // «Экономить трафик»: the layer goes down, to at most 320×240.
  await mother.getByLabel('Экономить трафик').check({ timeout: 60_000 });
  figures.push(`save data: ${sizes(await camerasWhere(mother, 'at most 320×240 with «Экономить трафик»', small, { settle: 4 }))}`);
  // Off again: the layer goes back up.
  await mother.getByLabel('Экономить трафик').uncheck({ timeout: 60_000 });
  figures.push(`full again: ${sizes(await camerasWhere(mother, 'the full picture again', full))}`);
  // Audio only (the father): no video arrives at all, audio does.
  const father = pages.father;
  await father.getByLabel('Только звук').check({ timeout: 60_000 });
  let audioBefore = 0;
  await waitFor(
    'audio only: no video streams, audio arriving',
    async () => {
      const s = (await tileStats(father)).filter((x) => !x.screen);
      const audio = s.reduce((n, x) => n + x.audioPackets, 0);
      const ok = s.length === 2 && s.every((x) => x.videoStreams === 0) && audio > audioBefore && audioBefore > 0;
      audioBefore = audio;
      return ok;
    },
    60_000,
    1500,
  );
  figures.push('audio only: no video inbound streams');
  await father.getByLabel('Только звук').uncheck({ timeout: 60_000 });
  await camerasWhere(father, 'video again after audio only', (t) => t.frameWidth > 0);
  await camerasWhere(pages.teacher, "the teacher decodes the father's camera again", (t) => t.frameWidth > 0);
  console.log(`# received frame sizes (mother's view): ${figures.join('; ')}`);
});

test('the host mutes the mother: the others stop receiving her audio, still receive the father', async () => {
  const me = (await apiAs(await tokenFor(PHONES.mother), 'GET', '/api/v1/me')).json as { schools: { personId: string }[] };
  const motherPersonId = me.schools[0]!.personId;
  const res = await apiAs(teacherToken, 'POST', `/api/v1/meetings/${meetingId}/host`, { action: 'mute', personId: motherPersonId });
  assert.equal(res.status, 200, res.text);
  await pages.mother.getByText('Ведущий выключил ваш микрофон').waitFor();
  await new Promise((r) => setTimeout(r, 1500)); // packets already in flight drain
  const motherName = 'Ирина'; // her first name on the demo roster (Волкова Ирина …)
  for (const who of ['teacher', 'father'] as const) {
    const a = await tileStats(pages[who]);
    await new Promise((r) => setTimeout(r, 3000));
    const b = await tileStats(pages[who]);
    const muted = [byName(a, motherName), byName(b, motherName)];
    assert.ok(muted[0] && muted[1], `${who} has the mother's tile: ${b.map((x) => x.name).join(', ')}`);
    assert.equal(muted[1]!.audioPackets, muted[0]!.audioPackets, `${who}: no more audio from the mother`);
    assert.ok(muted[1]!.framesDecoded > muted[0]!.framesDecoded, `${who}: her video continues`);
    const others = b.filter((x) => !x.name.includes(motherName) && !x.screen);
    for (const o of others) assert.ok(o.audioPackets > (a.find((x) => x.name === o.name)?.audioPackets ?? 0), `${who}: audio from ${o.name} continues`);
  }
});

/** The mother's person id and everyone's names, from the teacher's view of the call. */
async function people(): Promise<{ motherId: string; fatherId: string; names: Map<string, string> }> {
  const motherId = ((await apiAs(await tokenFor(PHONES.mother), 'GET', '/api/v1/me')).json as { schools: { personId: string }[] }).schools[0]!.personId;
  const fatherId = ((await apiAs(await tokenFor(PHONES.father), 'GET', '/api/v1/me')).json as { schools: { personId: string }[] }).schools[0]!.personId;
  const live = (await apiAs(teacherToken, 'GET', `/api/v1/meetings/${meetingId}/live`)).json as { participants: { personId: string; name: string }[] };
  return { motherId, fatherId, names: new Map(live.participants.map((p) => [p.personId, p.name])) };
}

/** The teacher receives the mother's video but none of her audio over a few seconds. */
async function motherSilentForTeacher(motherName: string) {
  // Flowing: more frames decoded than at the last look (after she comes back, the tile of the feed
  // she left may still show its last frames for a moment).
  let before = -1;
  const a = await waitFor(
    "the teacher decodes the mother's camera",
    async () => {
      const t = byName(await tileStats(pages.teacher), motherName);
      const flowing = t && before >= 0 && t.framesDecoded > before;
      before = t?.framesDecoded ?? -1;
      return flowing ? t : null;
    },
    60_000,
  );
  await new Promise((r) => setTimeout(r, 3000));
  const b = byName(await tileStats(pages.teacher), motherName)!;
  assert.ok(b.framesDecoded > a.framesDecoded, 'her video flows');
  assert.equal(b.audioPackets, a.audioPackets, 'no audio from her reaches the teacher');
}

test("the host's mute survives «Выйти» and «Войти», and a network drop over 30 s; so does her raised hand", async () => {
  const { motherId } = await people();
  const motherName = 'Ирина';
  const mother = pages.mother;
  // She leaves and comes back.
  await mother.getByRole('button', { name: 'Выйти' }).last().click();
  await mother.waitForURL(/\/chats\//);
  await mother.goto(`${server.url}/meetings/${meetingId}?adapt=0`);
  await mother.locator('main.meeting[data-phase="live"]').waitFor({ timeout: 30_000 });
  await mother.getByText('Ведущий выключил ваш микрофон').waitFor();
  assert.equal(
    await waitFor('her microphone track', () => micEnabled(mother).then((v) => (v === null ? null : { v }))).then((x) => x.v),
    false,
    'her microphone stays off',
  );
  await motherSilentForTeacher(motherName);

  // She raises her hand; then her network drops for longer than the presence timeout.
  await mother.getByRole('button', { name: 'Поднять руку' }).click();
  await mother.getByRole('button', { name: 'Опустить руку' }).waitFor();
  await mother.route('**/api/v1/**', (route) => route.abort('internetdisconnected'));
  const gone = Date.now();
  await waitFor(
    'the server counts her gone (presence sweep)',
    async () => {
      const live = (await apiAs(teacherToken, 'GET', `/api/v1/meetings/${meetingId}/live`)).json as { participants: { personId: string }[] };
      return !live.participants.some((p) => p.personId === motherId);
    },
    90_000,
    2000,
  );
  console.log(`# the dropped mother was swept after ${Math.round((Date.now() - gone) / 1000)} s`);
  await mother.unroute('**/api/v1/**');
  // Her client joins again by itself: still muted, hand still raised.
  await waitFor(
    'she is back in the call',
    async () => {
      const live = (await apiAs(teacherToken, 'GET', `/api/v1/meetings/${meetingId}/live`)).json as {
        participants: { personId: string; feeds: unknown[] }[];
        hands: { personId: string }[];
      };
      return live.participants.some((p) => p.personId === motherId && p.feeds.length > 0) ? live : null;
    },
    90_000,
    1500,
  ).then((live) =>
    assert.deepEqual(
      live.hands.map((h) => h.personId),
      [motherId],
      'her hand is still raised',
    ),
  );
  await mother.getByText('Ведущий выключил ваш микрофон').waitFor();
  await motherSilentForTeacher(motherName);
  await mother.getByRole('button', { name: 'Опустить руку' }).click();
});

test('a screen share starts and is received', async () => {
  await pages.teacher.locator('[data-screen]').click();
  for (const who of ['mother', 'father'] as const) {
    const first = await waitFor(
      `${who} receives the screen share`,
      async () => {
        const s = (await tileStats(pages[who])).find((x) => x.screen);
        return s && s.framesDecoded > 0 ? s : null;
      },
      30_000,
    );
    await new Promise((r) => setTimeout(r, 2000));
    const again = (await tileStats(pages[who])).find((x) => x.screen)!;
    assert.ok(again.framesDecoded > first.framesDecoded, `${who}: screen frames keep decoding`);
  }
  await picture(pages.father, 'meeting-screen-share');
});

test('a poll in the meeting: one vote per family; results recorded', async () => {
  const created = await apiAs(teacherToken, 'POST', `/api/v1/meetings/${meetingId}/polls`, {
    question: 'Экскурсия в субботу?',
    options: ['Да', 'Нет'],
    perFamily: true,
  });
  assert.equal(created.status, 201, created.text);
  const pollId = created.json.id as string;
  // The mother votes in the app's poll panel.
  const mother = pages.mother;
  await mother.getByRole('button', { name: 'Опросы' }).click();
  const poll = mother.locator(`[data-poll="${pollId}"]`);
  await poll.getByRole('radio').first().check();
  await poll.getByRole('button', { name: 'Голосовать' }).click();
  await poll.getByText('Голосов: 1').waitFor();
  // The father is of the same family: refused.
  const father = await apiAs(await tokenFor(PHONES.father), 'POST', `/api/v1/polls/${pollId}/vote`, { options: [1] });
  assert.equal((father.json.error as { code: string }).code, 'poll_family_voted');
  const results = (await apiAs(teacherToken, 'GET', `/api/v1/polls/${pollId}`)).json as { options: { votes: number }[]; totalVoters: number };
  assert.deepEqual(
    results.options.map((o) => o.votes),
    [1, 0],
  );
  assert.equal(results.totalVoters, 1);
});

test('the meeting chat is the chat itself: written in the call, it lands in the chat history, and nobody leaves', async () => {
  const mother = pages.mother;
  await mother.getByRole('button', { name: 'Чат встречи' }).click();
  const panel = mother.getByRole('complementary', { name: 'Чат встречи' });
  const box = panel.getByLabel('Сообщение', { exact: true });
  await box.fill('Слышно хорошо, спасибо!');
  await box.press('Enter');
  // The teacher, still in the call, sees it in the same panel.
  await pages.teacher.getByRole('button', { name: 'Чат встречи' }).click();
  await pages.teacher.getByRole('complementary', { name: 'Чат встречи' }).locator('article', { hasText: 'Слышно хорошо, спасибо!' }).waitFor();
  await picture(pages.teacher, 'meeting-chat');
  const history = (await apiAs(teacherToken, 'GET', `/api/v1/chats/${chatId}/messages`)).json as { messages: { text: string }[] };
  assert.ok(history.messages.some((m) => m.text === 'Слышно хорошо, спасибо!'));
  const a = (await apiAs(teacherToken, 'GET', `/api/v1/meetings/${meetingId}/attendance`)).json as { attended: { name: string; lastLeftAt: string | null }[] };
  assert.ok(
    a.attended.every((r) => r.lastLeftAt === null),
    'writing in the meeting chat leaves nobody out of the call',
  );
  await mother.getByRole('button', { name: 'Чат встречи' }).click();
});

test('a co-host: the host grants it, the co-host mutes the father and asks him to unmute; he decides; the host revokes it', async () => {
  const { motherId, fatherId } = await people();
  const teacher = pages.teacher;
  const mother = pages.mother;
  const father = pages.father;
  await teacher.locator('[data-people]').click();
  await teacher.locator(`[data-cohost-toggle="${motherId}"]`).click();
  await mother.locator('[data-cohost-me]').waitFor({ timeout: 30_000 });
  await teacher.locator(`[data-cohost="${motherId}"]`).waitFor({ timeout: 30_000 });
  // The co-host has the host's controls in her own people list.
  await mother.locator('[data-people]').click();
  await mother.locator(`[data-mute="${fatherId}"]`).click();
  await father.getByText('Ведущий выключил ваш микрофон').waitFor({ timeout: 30_000 });
  assert.equal(await waitFor('his microphone track', () => micEnabled(father).then((v) => (v === null ? null : { v }))).then((x) => x.v), false);
  // «Попросить включить микрофон»: he is asked, not switched on.
  await mother.locator(`[data-ask-unmute="${fatherId}"]`).click({ timeout: 30_000 });
  const ask = father.locator('[data-unmute-asked]');
  await ask.waitFor({ timeout: 30_000 });
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal(await micEnabled(father), false, 'asking does not turn his microphone on');
  await ask.getByRole('button', { name: 'Включить микрофон' }).click();
  await ask.waitFor({ state: 'detached', timeout: 30_000 });
  assert.equal(await waitFor('his microphone on, by his choice', async () => ((await micEnabled(father)) ? true : null), 30_000), true);
  // The host revokes it: the controls go from her list.
  await teacher.locator(`[data-cohost-toggle="${motherId}"]`).click();
  await mother.locator('[data-cohost-me]').waitFor({ state: 'detached', timeout: 30_000 });
  await mother.locator(`[data-mute="${fatherId}"]`).waitFor({ state: 'detached', timeout: 30_000 });
  await mother.locator('[data-people]').click();
  await teacher.locator('[data-people]').click();
});

test('at 360 px the call fits: no sideways scroll, «Выйти» and the controls on screen without scrolling; «Завершить для всех» asks; poll labels sit against their fields', async () => {
  const teacher = pages.teacher;
  await teacher.setViewportSize({ width: 360, height: 740 });
  try {
    const inView = async (selector: string) =>
      teacher.evaluate((sel) => {
        const el = document.querySelector(sel);
        if (!el) return `${sel} missing`;
        const r = el.getBoundingClientRect();
        return r.width > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= window.innerHeight && r.right <= window.innerWidth
          ? true
          : `${sel} at ${Math.round(r.left)},${Math.round(r.top)}–${Math.round(r.right)},${Math.round(r.bottom)} in ${window.innerWidth}×${window.innerHeight}`;
      }, selector);
    await waitFor('the layout settles at 360 px', async () => (await inView('[data-leave]')) === true, 15_000);
    const overflow = await teacher.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      inner: window.innerWidth,
      pageScroll: document.scrollingElement!.scrollHeight - window.innerHeight,
    }));
    assert.ok(overflow.scroll <= overflow.inner, `no horizontal overflow: ${overflow.scroll} > ${overflow.inner}`);
    for (const sel of ['[data-leave]', '[data-people]', '.meeting-more-toggle', '.meeting-controls button[aria-pressed]'])
      assert.equal(await inView(sel), true);
    await picture(teacher, 'meeting-360');
    await teacher.locator('.meeting-more-toggle').click();
    // «Ещё» opens a panel of its own above the bar; «Завершить для всех» is in it (scrolled within the panel if need be).
    await teacher.evaluate(() => document.querySelector('[data-end]')?.scrollIntoView({ block: 'nearest' }));
    assert.equal(await inView('[data-end]'), true);
    await teacher.locator('[data-end]').dispatchEvent('click');
    await teacher.getByRole('alertdialog').getByRole('button', { name: 'Отмена' }).click();
    // The poll form: each label's text right above its field, nothing wider than the screen.
    await teacher.getByRole('button', { name: 'Опросы' }).click();
    const form = teacher.locator('.poll-form');
    await form.waitFor();
    const q = await form.getByText('Вопрос', { exact: true }).boundingBox();
    const input = await form.locator('input[name="question"]').boundingBox();
    // The label box holds its text and, right under it, the field, aligned on the left.
    assert.ok(
      q && input && input.y - q.y >= 10 && input.y - q.y <= 40 && Math.abs(input.x - q.x) < 4 && Math.abs(q.y + q.height - (input.y + input.height)) < 4,
      `label against its field: ${JSON.stringify({ q, input })}`,
    );
    const wide = await teacher.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wide <= 360, `poll panel: no horizontal overflow (${wide})`);
    await picture(teacher, 'meeting-poll-360');
    await teacher.locator('.meeting-more-toggle').click();
  } finally {
    await teacher.setViewportSize({ width: 1100, height: 800 });
  }
  // The host's desktop grid: tiles as large as the window allows (two remote and her own in 1100×800).
  const widths = await teacher.evaluate(() => Array.from(document.querySelectorAll('.tiles-grid figure.tile')).map((f) => f.getBoundingClientRect().width));
  assert.ok(widths.length >= 2 && widths.every((w) => w >= 300), `large tiles on a desktop: ${widths.map(Math.round).join(', ')}`);
});

test("a participant whose browser dies leaves within seconds (Janus's media events), not after the 30 s sweep", async () => {
  const { fatherId, names } = await people();
  const fatherName = names.get(fatherId)!.split(' ')[1]!;
  await waitFor("the teacher has the father's tile", async () => byName(await tileStats(pages.teacher), fatherName));
  const cdp = await contexts[2]!.newCDPSession(pages.father);
  const t0 = Date.now();
  void cdp.send('Page.crash').catch(() => {});
  await waitFor(
    'the father is gone from the call',
    async () => {
      const live = (await apiAs(teacherToken, 'GET', `/api/v1/meetings/${meetingId}/live`)).json as { participants: { personId: string }[] };
      return !live.participants.some((p) => p.personId === fatherId);
    },
    60_000,
    500,
  );
  const seconds = (Date.now() - t0) / 1000;
  await waitFor("his tile is gone from the teacher's screen", async () => !byName(await tileStats(pages.teacher), fatherName), 15_000);
  console.log(`# a crashed browser left the call after ${seconds.toFixed(1)} s`);
  assert.ok(seconds < 20, `gone in ${seconds.toFixed(1)} s, well before the 30 s presence timeout`);
});

test('the waiting room: with it on, the mother who comes back waits until the host lets her in', async () => {
  const teacher = pages.teacher;
  const mother = pages.mother;
  // The box follows the meeting's state, which the host's action changes on the server first.
  const lobby = teacher.getByLabel('Зал ожидания');
  await lobby.click({ timeout: 60_000 });
  await waitFor('the waiting room is on', () => lobby.isChecked(), 30_000);
  await mother.getByRole('button', { name: 'Выйти' }).last().click();
  await mother.waitForURL(/\/chats\//);
  await mother.goto(`${server.url}/meetings/${meetingId}?adapt=0`);
  await mother.getByText('Вы в зале ожидания').waitFor({ timeout: 30_000 });
  const waiting = teacher.locator('[data-lobby]');
  await waiting.getByText('Ирина').waitFor({ timeout: 30_000 });
  await waiting.getByRole('button', { name: 'Впустить' }).first().click();
  await mother.locator('main.meeting[data-phase="live"]').waitFor({ timeout: 60_000 });
  await lobby.click({ timeout: 60_000 });
  await waitFor('the waiting room is off', async () => !(await lobby.isChecked()), 30_000);
});

test('attendance rows are recorded, with absent families and a CSV export', async () => {
  await waitFor('the father has left', async () => {
    const a = (await apiAs(teacherToken, 'GET', `/api/v1/meetings/${meetingId}/attendance`)).json as {
      attended: { lastLeftAt: string | null; name: string }[];
    };
    return a.attended.some((r) => r.lastLeftAt !== null) ? a : null;
  });
  // «Завершить для всех» asks first: «Отмена» keeps the meeting going.
  const teacher = pages.teacher;
  await teacher.locator('[data-end]').click();
  await teacher.getByRole('alertdialog').getByRole('button', { name: 'Отмена' }).click();
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal(((await apiAs(teacherToken, 'GET', `/api/v1/meetings/${meetingId}`)).json as { status: string }).status, 'live');
  await teacher.locator('[data-end]').click();
  await teacher.getByRole('alertdialog').locator('[data-confirm]').click();
  await pages.mother.getByText('Встреча завершена.').waitFor();
  const a = (await apiAs(teacherToken, 'GET', `/api/v1/meetings/${meetingId}/attendance`)).json as {
    attended: { seconds: number; lastLeftAt: string | null }[];
    absentFamilies: unknown[];
  };
  assert.equal(a.attended.length, 3);
  assert.ok(a.attended.every((r) => r.seconds > 0 && r.lastLeftAt !== null));
  assert.equal(a.absentFamilies.length, 24);
  const csv = await fetch(`${server.url}/api/v1/meetings/${meetingId}/attendance.csv`, { headers: { authorization: `Bearer ${teacherToken}` } });
  const text = await csv.text();
  assert.equal(text.trim().split('\r\n').length, 1 + 3 + 24);
});
