import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import { TestServer, screenshot, signIn } from './harness.ts';

/**
 * A parent meeting in three headless Chromiums with fake camera and microphone, through the web
 * app, a real Parta server and the Janus it starts. Proven from RTCPeerConnection.getStats():
 * everyone decodes everyone's video and receives their audio; the host's mute stops one person's
 * audio for the others; a screen share is received; a non-member is refused; attendance and
 * poll results are recorded.
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
  const res = await fetch(server.url + path, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {}, text };
}

async function tokenFor(phone: string): Promise<string> {
  await fetch(server.url + '/api/v1/auth/code', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phone }) });
  const res = await fetch(server.url + '/api/v1/auth/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phone, code: await server.code(phone) }) });
  return ((await res.json()) as { token: string }).token;
}

/** Collects every RTCPeerConnection the page makes, for getStats(). */
const TRACK_PCS = () => {
  const Native = window.RTCPeerConnection;
  const all: RTCPeerConnection[] = [];
  (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs = all;
  window.RTCPeerConnection = class extends Native {
    constructor(config?: RTCConfiguration) {
      super(config);
      all.push(this);
    }
  } as typeof RTCPeerConnection;
};

interface TileStats {
  name: string;
  screen: boolean;
  framesDecoded: number;
  audioPackets: number;
  audioSamples: number;
}

/** Per remote tile (named by its caption): decoded video frames and received audio, from getStats(). */
async function tileStats(page: Page): Promise<TileStats[]> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.filter((pc) => pc.connectionState !== 'closed');
    const out: { name: string; screen: boolean; framesDecoded: number; audioPackets: number; audioSamples: number }[] = [];
    for (const fig of Array.from(document.querySelectorAll('figure.tile'))) {
      const video = fig.querySelector('video') as HTMLVideoElement;
      const stream = video.srcObject as MediaStream | null;
      if (!stream || video.muted) continue;
      // By identity: the SFU gives every subscription the same track ids.
      const tracks = stream.getTracks();
      const pc = pcs.find((p) => p.getReceivers().some((r) => tracks.includes(r.track)));
      if (!pc) continue;
      let framesDecoded = 0;
      let audioPackets = 0;
      let audioSamples = 0;
      (await pc.getStats()).forEach((r: { type: string; kind?: string; framesDecoded?: number; packetsReceived?: number; totalSamplesReceived?: number }) => {
        if (r.type !== 'inbound-rtp') return;
        if (r.kind === 'video') framesDecoded += r.framesDecoded ?? 0;
        if (r.kind === 'audio') {
          audioPackets += r.packetsReceived ?? 0;
          audioSamples += r.totalSamplesReceived ?? 0;
        }
      });
      out.push({ name: fig.querySelector('figcaption')?.textContent ?? '', screen: fig.classList.contains('tile-screen'), framesDecoded, audioPackets, audioSamples });
    }
    return out;
  });
}

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const byName = (stats: TileStats[], part: string, screen = false) => stats.find((s) => s.name.includes(part) && s.screen === screen);

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
  const res = await apiAs(teacherToken, 'POST', `/api/v1/chats/${chatId}/meetings`, { title: 'Родительское собрание 5А', agenda: ['Итоги четверти'], startsAt: new Date(Date.now() + 60_000).toISOString(), durationMinutes: 45 });
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
    const ctx = await browser.newContext({ viewport: { width: 1100, height: 800 }, locale: 'ru-RU', timezoneId: 'Europe/Moscow', permissions: ['camera', 'microphone'] });
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
  for (const who of ['mother', 'father'] as const) await pages[who].goto(`${server.url}/meetings/${meetingId}`);
  for (const who of ['teacher', 'mother', 'father'] as const) await pages[who].locator('main.meeting[data-phase="live"]').waitFor({ timeout: 30_000 });
});

test('everyone decodes video and receives audio from the two others (getStats)', async () => {
  for (const who of ['teacher', 'mother', 'father'] as const) {
    const page = pages[who];
    const first = await waitFor(`${who} sees two remote cameras decoding`, async () => {
      const s = (await tileStats(page)).filter((x) => !x.screen);
      return s.length === 2 && s.every((x) => x.framesDecoded > 0 && x.audioPackets > 0) ? s : null;
    }, 45_000);
    await new Promise((r) => setTimeout(r, 3000));
    const second = (await tileStats(page)).filter((x) => !x.screen);
    for (const a of first) {
      const b = second.find((x) => x.name === a.name)!;
      assert.ok(b.framesDecoded > a.framesDecoded, `${who}: video from ${a.name} keeps decoding (${a.framesDecoded} → ${b.framesDecoded})`);
      assert.ok(b.audioPackets > a.audioPackets, `${who}: audio from ${a.name} keeps arriving (${a.audioPackets} → ${b.audioPackets})`);
      assert.ok(b.audioSamples > a.audioSamples || b.audioPackets > a.audioPackets);
    }
    console.log(`# ${who}: ${second.map((s) => `${s.name}: ${s.framesDecoded} frames, ${s.audioPackets} audio packets`).join('; ')}`);
  }
  await screenshot(pages.mother, 'meeting-grid');
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

test('a screen share starts and is received', async () => {
  await pages.teacher.locator('[data-screen]').click();
  for (const who of ['mother', 'father'] as const) {
    const first = await waitFor(`${who} receives the screen share`, async () => {
      const s = (await tileStats(pages[who])).find((x) => x.screen);
      return s && s.framesDecoded > 0 ? s : null;
    }, 30_000);
    await new Promise((r) => setTimeout(r, 2000));
    const again = (await tileStats(pages[who])).find((x) => x.screen)!;
    assert.ok(again.framesDecoded > first.framesDecoded, `${who}: screen frames keep decoding`);
  }
  await screenshot(pages.father, 'meeting-screen-share');
});

test('a poll in the meeting: one vote per family; results recorded', async () => {
  const created = await apiAs(teacherToken, 'POST', `/api/v1/meetings/${meetingId}/polls`, { question: 'Экскурсия в субботу?', options: ['Да', 'Нет'], perFamily: true });
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
  assert.deepEqual(results.options.map((o) => o.votes), [1, 0]);
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
  await screenshot(pages.teacher, 'meeting-chat');
  const history = (await apiAs(teacherToken, 'GET', `/api/v1/chats/${chatId}/messages`)).json as { messages: { text: string }[] };
  assert.ok(history.messages.some((m) => m.text === 'Слышно хорошо, спасибо!'));
  const a = (await apiAs(teacherToken, 'GET', `/api/v1/meetings/${meetingId}/attendance`)).json as { attended: { name: string; lastLeftAt: string | null }[] };
  assert.ok(a.attended.every((r) => r.lastLeftAt === null), 'writing in the meeting chat leaves nobody out of the call');
  await mother.getByRole('button', { name: 'Чат встречи' }).click();
});

test('attendance rows are recorded, with absent families and a CSV export', async () => {
  await pages.father.getByRole('button', { name: 'Выйти' }).last().click();
  await waitFor('the father has left', async () => {
    const a = (await apiAs(teacherToken, 'GET', `/api/v1/meetings/${meetingId}/attendance`)).json as { attended: { lastLeftAt: string | null; name: string }[] };
    return a.attended.some((r) => r.lastLeftAt !== null) ? a : null;
  });
  const res = await apiAs(teacherToken, 'POST', `/api/v1/meetings/${meetingId}/host`, { action: 'end' });
  assert.equal(res.status, 200);
  await pages.mother.getByText('Встреча завершена.').waitFor();
  const a = (await apiAs(teacherToken, 'GET', `/api/v1/meetings/${meetingId}/attendance`)).json as { attended: { seconds: number; lastLeftAt: string | null }[]; absentFamilies: unknown[] };
  assert.equal(a.attended.length, 3);
  assert.ok(a.attended.every((r) => r.seconds > 0 && r.lastLeftAt !== null));
  assert.equal(a.absentFamilies.length, 24);
  const csv = await fetch(`${server.url}/api/v1/meetings/${meetingId}/attendance.csv`, { headers: { authorization: `Bearer ${teacherToken}` } });
  const text = await csv.text();
  assert.equal(text.trim().split('\r\n').length, 1 + 3 + 24);
});
