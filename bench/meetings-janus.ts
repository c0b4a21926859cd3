/**
 * A class on one Janus, through Parta's own signalling: how many participants one media server
 * carries on this machine, and what each browser pays for it.
 *
 * Every participant is a member of «5А — родители» signed in to a real Parta app (in-process,
 * PGlite, the same routes the web client calls: join, publish, PUT /streams, answers). Each
 * publishes what the product publishes: the microphone (Opus) and a 640×480 camera in the web
 * client's three simulcast layers (apps/web/src/meetings/layers.ts); the teacher also shares a
 * screen. Each receives as the product does: ONE multistream subscription with the audio of every
 * feed and the video of a page of tiles (9) at the layer the client would ask for
 * (visible.ts `layerCeiling`). Publishers and subscribers are synthetic: PeerConnections in
 * headless Chromium pages with fake devices, several participants per page.
 *
 *   npm run bench:meetings -- [--steps 2,4,6,8,12,16,24,31] [--seconds 8] [--page 9] [--per-page 4] [--no-screen]
 *
 * Per step: forwarded tracks (audio and video streams Janus sends), received Mbit/s, loss and
 * jitter (audio jitter: video jitter is the sender's pacing), decoded fps per video, Janus and
 * Chromium CPU, and the browser-side cost (PeerConnections and decoded videos per participant).
 * The ramp stops at the first step with loss over 1 % or jitter over 50 ms, or when the Chromium
 * that generates the load (on the same machine) saturates the CPU: then the generator is the limit.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createTestApp, type TestApp } from '../apps/server/src/testing/harness.ts';
import { startTestJanus, testMediaRuntime } from '../apps/server/src/media/testing.ts';
import type { JanusInstance } from '../apps/server/src/media/janus-process.ts';
import { SIMULCAST_ENCODINGS } from '../apps/web/src/meetings/layers.ts';
import { layerCeiling } from '../apps/web/src/meetings/visible.ts';
import { procUsage } from './lib.ts';

const USAGE = `Usage: npm run bench:meetings -- [options]

Ramps the participants of one meeting on a local Janus, through Parta's signalling, each
publishing audio and a 640×480 simulcast camera (the teacher also a screen) and receiving on one
multistream subscription; prints forwarded tracks, loss, jitter, CPU and per-browser cost.

Options:
  --steps LIST     participants per step, comma-separated (default 2,4,6,8,12,16,24,31)
  --seconds N      measuring window per step (default 8)
  --page N         video tiles each participant receives, a grid page (default 9)
  --per-page N     participants simulated in one Chromium page (default 4)
  --no-screen      the teacher shares no screen
  --help           print this and exit
`;
const KNOWN = new Set(['steps', 'seconds', 'page', 'per-page', 'no-screen']);
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}
for (const a of process.argv.slice(2)) {
  if (a.startsWith('-') && !KNOWN.has(a.replace(/^--/, ''))) {
    process.stderr.write(`unknown option ${a}\n\n${USAGE}`);
    process.exit(2);
  }
}
const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : def;
};
const STEPS = arg('steps', '2,4,6,8,12,16,24,31').split(',').map(Number);
const SECONDS = Number(arg('seconds', '8'));
const PAGE = Number(arg('page', '9'));
const PER_PAGE = Number(arg('per-page', '4'));
const SCREEN = !process.argv.includes('--no-screen');

/** The 5А parents' chat: the class teacher, then mothers and fathers of the demo roster (demo/seed.ts). */
const PHONES = [
  '+79000000002',
  '+79000000003',
  ...Array.from({ length: 24 }, (_, i) => `+790021${String(i + 2).padStart(5, '0')}`),
  ...[1, 4, 7, 10, 13, 16, 19, 22, 25].map((n) => `+790031${String(n).padStart(5, '0')}`),
];

interface Participant {
  n: number;
  token: string;
  page: Page;
  feedIds: number[];
  /** Streams on this participant's subscription, as Parta last reported them. */
  streams: number;
}

function chromiumPids(): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('parta-bench-chromium');
      } catch {
        return false;
      }
    });
}
const cpuOf = (pids: number[]) =>
  pids.reduce((s, p) => {
    try {
      return s + procUsage(p).cpuSeconds;
    } catch {
      return s;
    }
  }, 0);

/** Page-side helpers: publish and subscribe with the offers and answers Parta relays. */
const PAGE_LIB = () => {
  const w = window as unknown as Record<string, unknown>;
  const gathered = (pc: RTCPeerConnection) =>
    new Promise<void>((r) => {
      if (pc.iceGatheringState === 'complete') return r();
      pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r());
      setTimeout(r, 3000);
    });
  w.benchPublish = async (n: number, kind: 'camera' | 'screen', encodings: RTCRtpEncodingParameters[]) => {
    const pc = new RTCPeerConnection({ iceServers: [], bundlePolicy: 'max-bundle' });
    if (kind === 'camera') {
      const s = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });
      pc.addTransceiver(s.getAudioTracks()[0]!, { direction: 'sendonly', streams: [s] });
      pc.addTransceiver(s.getVideoTracks()[0]!, { direction: 'sendonly', streams: [s], sendEncodings: encodings });
    } else {
      const c = document.createElement('canvas');
      c.width = 1280;
      c.height = 720;
      const g = c.getContext('2d')!;
      setInterval(() => {
        g.fillStyle = `hsl(${Date.now() % 360} 60% 50%)`;
        g.fillRect(0, 0, 1280, 720);
        g.fillStyle = '#fff';
        g.font = '64px sans-serif';
        g.fillText(new Date().toISOString(), 40, 360);
      }, 200);
      pc.addTransceiver(c.captureStream(5).getVideoTracks()[0]!, { direction: 'sendonly' });
    }
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    const pubs = ((w.pubs as Record<string, RTCPeerConnection>) ??= {});
    pubs[`${n}:${kind}`] = pc;
    return pc.localDescription!.sdp;
  };
  w.benchPublished = async (n: number, kind: string, sdp: string) =>
    (w.pubs as Record<string, RTCPeerConnection>)[`${n}:${kind}`]!.setRemoteDescription({ type: 'answer', sdp });
  w.benchAnswer = async (n: number, offer: string) => {
    const subs = ((w.subs as Record<number, RTCPeerConnection>) ??= {});
    const first = !subs[n];
    const pc = (subs[n] ??= new RTCPeerConnection({ iceServers: [], bundlePolicy: 'max-bundle' }));
    if (first)
      pc.ontrack = (e) => {
        // Decoding needs a sink: a muted video element per received video.
        if (e.track.kind !== 'video') return;
        const v = document.createElement('video');
        v.muted = true;
        v.autoplay = true;
        v.srcObject = new MediaStream([e.track]);
        document.body.append(v);
      };
    await pc.setRemoteDescription({ type: 'offer', sdp: offer });
    await pc.setLocalDescription(await pc.createAnswer());
    if (first) await gathered(pc);
    return pc.localDescription!.sdp;
  };
  /** Cumulative inbound counters per participant (its subscription), and its open PeerConnections. */
  w.benchStats = async () => {
    const subs = (w.subs as Record<number, RTCPeerConnection>) ?? {};
    const pubs = (w.pubs as Record<string, RTCPeerConnection>) ?? {};
    const out: Record<
      number,
      {
        pcs: number;
        vBytes: number;
        aBytes: number;
        vLost: number;
        vRecv: number;
        aLost: number;
        aRecv: number;
        aJitter: number[];
        vJitter: number[];
        frames: Record<string, number>;
      }
    > = {};
    for (const [n, pc] of Object.entries(subs)) {
      const o = (out[Number(n)] = {
        pcs: 1 + Object.keys(pubs).filter((k) => k.startsWith(`${n}:`)).length,
        vBytes: 0,
        aBytes: 0,
        vLost: 0,
        vRecv: 0,
        aLost: 0,
        aRecv: 0,
        aJitter: [] as number[],
        vJitter: [] as number[],
        frames: {} as Record<string, number>,
      });
      (await pc.getStats()).forEach(
        (r: {
          type: string;
          kind?: string;
          id: string;
          bytesReceived?: number;
          packetsLost?: number;
          packetsReceived?: number;
          jitter?: number;
          framesDecoded?: number;
        }) => {
          if (r.type !== 'inbound-rtp') return;
          if (r.kind === 'video') {
            o.vBytes += r.bytesReceived ?? 0;
            o.vLost += r.packetsLost ?? 0;
            o.vRecv += r.packetsReceived ?? 0;
            o.vJitter.push(r.jitter ?? 0);
            o.frames[r.id] = r.framesDecoded ?? 0;
          } else {
            o.aBytes += r.bytesReceived ?? 0;
            o.aLost += r.packetsLost ?? 0;
            o.aRecv += r.packetsReceived ?? 0;
            if ((r.packetsReceived ?? 0) > 0) o.aJitter.push(r.jitter ?? 0);
          }
        },
      );
    }
    return out;
  };
};

type Stats = Record<
  number,
  {
    pcs: number;
    vBytes: number;
    aBytes: number;
    vLost: number;
    vRecv: number;
    aLost: number;
    aRecv: number;
    aJitter: number[];
    vJitter: number[];
    frames: Record<string, number>;
  }
>;

async function main() {
  const started = await startTestJanus();
  if ('skip' in started) throw new Error(started.skip);
  const { janus, dir } = started as { janus: JanusInstance; dir: string };
  const media = testMediaRuntime(janus);
  // Say why the media server refused, in the bench's output (the app's log is silent here).
  const adapter = media.adapter!;
  const publishVia = adapter.publish.bind(adapter);
  adapter.publish = async (o) => {
    try {
      return await publishVia(o);
    } catch (err) {
      console.error(`# Janus refused a publication: ${(err as Error).message}`);
      throw err;
    }
  };
  let t: TestApp | null = null;
  let browser: Browser | null = null;
  const blank = http.createServer((_req, res) => res.end('<!doctype html><title>bench</title>'));
  await new Promise<void>((r) => blank.listen(0, '127.0.0.1', r));
  const blankUrl = `http://127.0.0.1:${(blank.address() as { port: number }).port}/`;
  let keepalive: NodeJS.Timeout | null = null;
  try {
    t = await createTestApp({ demo: true, overrides: { media } });
    const app = t;
    const call = async (token: string, method: string, path: string, body?: object) => {
      const res = await app.request(method, path, { token, ...(body ? { body } : {}) });
      if (res.statusCode >= 400) throw new Error(`${method} ${path}: ${res.statusCode} ${res.body}`);
      return res.body ? (res.json() as Record<string, unknown>) : {};
    };
    const teacher = await app.signIn(PHONES[0]!);
    const chats = (await call(teacher.token, 'GET', '/api/v1/chats')).chats as { id: string; kind: string }[];
    const chatId = chats.find((c) => c.kind === 'parents')!.id;
    const meeting = (await call(teacher.token, 'POST', `/api/v1/chats/${chatId}/meetings`, {
      title: 'Нагрузка',
      startsAt: new Date(Date.now() + 60_000).toISOString(),
      durationMinutes: 600,
    })) as { id: string };
    const m = (p: string) => `/api/v1/meetings/${meeting.id}${p}`;

    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-dev-shm-usage',
        '--autoplay-policy=no-user-gesture-required',
        '--user-agent=parta-bench-chromium',
      ],
    });
    const ctx: BrowserContext = await browser.newContext({ permissions: ['camera', 'microphone'] });
    // tsx keeps function names with a `__name` helper that pages do not have.
    await ctx.addInitScript({ content: 'window.__name = (f) => f;' });
    await ctx.addInitScript(PAGE_LIB);
    const pages: Page[] = [];
    const people: Participant[] = [];
    // Presence: a real client polls /live every 1.5 s; without it the sweep would end the bench's participants.
    keepalive = setInterval(() => {
      for (const p of people) void app.request('GET', m('/live'), { token: p.token }).catch(() => {});
    }, 3000);

    const addParticipant = async (n: number) => {
      const s = await app.signIn(PHONES[n]!);
      await call(s.token, 'POST', m('/join'), {});
      if (!pages[Math.floor(n / PER_PAGE)]) {
        const pg = await ctx.newPage();
        await pg.goto(blankUrl);
        pages[Math.floor(n / PER_PAGE)] = pg;
      }
      const page = pages[Math.floor(n / PER_PAGE)]!;
      const p: Participant = { n, token: s.token, page, feedIds: [], streams: 0 };
      for (const kind of n === 0 && SCREEN ? (['camera', 'screen'] as const) : (['camera'] as const)) {
        const offer = await page.evaluate(
          ([n, kind, enc]) => (window as unknown as { benchPublish: (n: number, k: string, e: unknown) => Promise<string> }).benchPublish(n, kind, enc),
          [n, kind, SIMULCAST_ENCODINGS] as const,
        );
        const pub = (await call(s.token, 'POST', m('/publish'), { kind, sdp: offer })) as { feedId: number; sdp: string };
        await page.evaluate(
          ([n, kind, sdp]) => (window as unknown as { benchPublished: (n: number, k: string, s: string) => Promise<void> }).benchPublished(n, kind, sdp),
          [n, kind, pub.sdp] as const,
        );
        p.feedIds.push(pub.feedId);
      }
      people.push(p);
    };

    /** Brings one participant's subscription to what the web client would ask for now. */
    const resubscribe = async (p: Participant) => {
      const live = (await call(p.token, 'GET', m('/live'))) as { participants: { feeds: { feedId: number; kind: string }[] }[] };
      const feeds = live.participants.flatMap((x) => x.feeds).filter((f) => !p.feedIds.includes(f.feedId));
      // Screens first, then cameras in order of arrival: the first page gets video (visible.ts).
      feeds.sort((a, b) => (a.kind === 'screen' ? 0 : 1) - (b.kind === 'screen' ? 0 : 1));
      const shown = feeds.slice(0, PAGE).map((f) => f.feedId);
      const substream = layerCeiling(shown.length, false);
      const res = (await call(p.token, 'PUT', m('/streams'), {
        feeds: feeds.map((f) => ({ feedId: f.feedId, video: shown.includes(f.feedId), substream })),
      })) as { sdp: string | null; streams: unknown[] };
      p.streams = res.streams.length;
      if (res.sdp) {
        const answer = await p.page.evaluate(
          ([n, sdp]) => (window as unknown as { benchAnswer: (n: number, s: string) => Promise<string> }).benchAnswer(n, sdp),
          [p.n, res.sdp] as const,
        );
        await call(p.token, 'POST', m('/streams/answer'), { sdp: answer });
      }
      return feeds.length;
    };

    const sample = async (): Promise<Stats> => {
      const all: Stats = {};
      for (const pg of pages) Object.assign(all, await pg.evaluate(() => (window as unknown as { benchStats: () => Promise<Stats> }).benchStats()));
      return all;
    };

    console.log(
      `Janus ${janus.pid}; Parta in-process (PGlite); ${os.cpus().length} cores (${os.cpus()[0]?.model ?? ''}); load average ${os.loadavg()[0]!.toFixed(1)}`,
    );
    console.log(
      `each participant: Opus + VP8 640×480 in ${SIMULCAST_ENCODINGS.length} simulcast layers${SCREEN ? '; the teacher also a 1280×720 screen' : ''}; receives audio of all and video of ${PAGE} tiles on one subscription`,
    );
    console.log(
      'people | fwd tracks (a+v) | Mbit/s in | loss % a/v | jitter ms a/v | fps/video | Janus CPU % | Chromium CPU % | per browser: PCs, decoded videos | verdict',
    );
    let limit = 0;
    let stopReason = `the last step (${STEPS.at(-1)})`;
    for (const target of STEPS) {
      if (target > PHONES.length) break;
      try {
        while (people.length < target) await addParticipant(people.length);
      } catch (err) {
        // On a starved machine Janus or the pages stop answering in time: that is the end of the ramp.
        stopReason = `joining participant ${people.length + 1} failed (${(err as Error).message.slice(0, 160)})`;
        break;
      }
      // Feeds are offered once Janus says their media is up: subscribe until each sees all others.
      const wantFeeds = (p: Participant) => people.reduce((s, q) => s + (q === p ? 0 : q.feedIds.length), 0);
      for (let round = 0; round < 20; round++) {
        let complete = true;
        for (const p of people) if ((await resubscribe(p)) < wantFeeds(p)) complete = false;
        if (complete) break;
        await new Promise((r) => setTimeout(r, 1000));
      }
      for (const p of people) await resubscribe(p);
      await new Promise((r) => setTimeout(r, 4000)); // settle: keyframes, layers
      const a = await sample();
      const j0 = procUsage(janus.pid).cpuSeconds;
      const c0 = cpuOf(chromiumPids());
      const t0 = Date.now();
      await new Promise((r) => setTimeout(r, SECONDS * 1000));
      const b = await sample();
      const secs = (Date.now() - t0) / 1000;
      const janusCpu = ((procUsage(janus.pid).cpuSeconds - j0) / secs) * 100;
      const chromeCpu = ((cpuOf(chromiumPids()) - c0) / secs) * 100;
      let vLost = 0,
        vRecv = 0,
        aLost = 0,
        aRecv = 0,
        bytes = 0,
        frames = 0,
        videos = 0;
      const aJ: number[] = [],
        vJ: number[] = [],
        pcs: number[] = [],
        decoded: number[] = [];
      for (const [n, s] of Object.entries(b)) {
        const s0 = a[Number(n)];
        if (!s0) continue;
        vLost += s.vLost - s0.vLost;
        vRecv += s.vRecv - s0.vRecv;
        aLost += s.aLost - s0.aLost;
        aRecv += s.aRecv - s0.aRecv;
        bytes += s.vBytes - s0.vBytes + s.aBytes - s0.aBytes;
        aJ.push(...s.aJitter);
        vJ.push(...s.vJitter);
        let dec = 0;
        for (const [id, f] of Object.entries(s.frames)) {
          const d = f - (s0.frames[id] ?? f);
          frames += d;
          videos++;
          if (d > 0) dec++;
        }
        pcs.push(s.pcs);
        decoded.push(dec);
      }
      const pct = (lost: number, recv: number) => (lost / Math.max(1, lost + recv)) * 100;
      const mean = (xs: number[]) => (xs.length ? xs.reduce((x, y) => x + y, 0) / xs.length : 0);
      const aLoss = pct(aLost, aRecv),
        vLoss = pct(vLost, vRecv);
      const aJit = mean(aJ) * 1000,
        vJit = mean(vJ) * 1000;
      const tracks = people.reduce((s, p) => s + p.streams, 0);
      const audioTracks = people.length * (people.length - 1);
      const degraded = Math.max(aLoss, vLoss) > 1 || aJit > 50;
      const saturated = chromeCpu > 0.9 * os.cpus().length * 100;
      if (!degraded) limit = target;
      const cost = `${Math.max(...pcs)} PCs, ${Math.min(...decoded)}–${Math.max(...decoded)} videos`;
      console.log(
        `${String(target).padStart(6)} | ${`${tracks} (${audioTracks}+${tracks - audioTracks})`.padStart(16)} | ${((bytes * 8) / secs / 1e6).toFixed(1).padStart(9)} | ${`${aLoss.toFixed(2)}/${vLoss.toFixed(2)}`.padStart(10)} | ${`${aJit.toFixed(0)}/${vJit.toFixed(0)}`.padStart(13)} | ${(frames / secs / Math.max(1, videos)).toFixed(1).padStart(9)} | ${janusCpu.toFixed(1).padStart(11)} | ${chromeCpu.toFixed(0).padStart(14)} | ${cost.padStart(33)} | ${degraded ? 'degraded' : saturated ? 'ok (generator saturated)' : 'ok'}`,
      );
      if (degraded) {
        stopReason = `loss or jitter over the bound at ${target}`;
        break;
      }
      if (saturated) {
        stopReason = `the load generator (Chromium on this machine) saturated the CPU at ${target}`;
        break;
      }
    }
    console.log(
      `RESULT: ${limit} participants (each publishing audio and a simulcast camera, receiving everyone's audio and a page of video) with loss ≤ 1 % and jitter ≤ 50 ms; stopped by ${stopReason}`,
    );
    await call(teacher.token, 'POST', m('/host'), { action: 'end' }).catch(() => {});
  } finally {
    if (keepalive) clearInterval(keepalive);
    await browser?.close().catch(() => {});
    blank.close();
    await t?.close().catch(() => {});
    await media.close();
    await janus.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
