/**
 * Messaging benchmark (issue 3). Uses only the public protocol against a real Parta process on
 * PostgreSQL: HTTP sign-in through the development outbox, one WebSocket per member, sends as
 * `send` frames on the sender's socket (or, with --send http, as HTTP POSTs).
 *
 *   npm run bench:messaging                      # ramps of Parta and of the bare ws reference, taking turns: R=100 chats x M=30 members
 *   npm run bench:messaging -- --sequential      # Parta's ramp, then the bare server's
 *   npm run bench:messaging -- --rate 200        # one step at S=200 messages/s
 *   npm run bench:messaging -- --send http       # sends over POST /api/v1/chats/:id/messages instead
 *   npm run bench:messaging -- --idle 10000      # 10,000 idle authenticated connections: server RSS
 *
 * Options: --chats R --members M --start S0 --factor F --steps N --step-seconds D --p99 MS --tries N --refine N --skip-bare --skip-parta --sequential --send ws|http --batch-ms N --batches N
 *          --seed-concurrency C (classes seeded at once, default 8) --signin-concurrency C (default 32)
 *          --profile DIR (the server writes a V8 CPU profile into DIR when it stops)
 *          --probe-dir DIR (where the disk probe flushes 8 KiB every 50 ms; put it on the database's disk)
 *          --disk-seconds N (the probe alone before anything starts, default 30; 0: none)
 * DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres): a scratch database is created next to it and dropped.
 *
 * The school and the Parta process: bench/school.ts.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { WebSocket } from 'ws';
import { createPostgresDatabase, freePort, repoRoot } from '../apps/server/src/testing/processes.ts';
import { args, DiskProbe, formatDiskSyncs, Histogram, mib, openSocket, passes, pool, printStep, procUsage, sleep, StepMeters, type StepResult } from './lib.ts';
import { connectAll, interleaved, postJson, seed, settleWrites, startParta, type Member, type PartaOptions } from './school.ts';
import { benchIdle } from './idle.ts';
import { Turns } from './turns.ts';

const opt = args(process.argv.slice(2));
const R = Number(opt.chats ?? 100);
const M = Number(opt.members ?? 30);
const STEP_SECONDS = Number(opt['step-seconds'] ?? 10);
const P99_BOUND = Number(opt.p99 ?? 100);
const TRIES = Math.max(1, Number(opt.tries ?? 1));
const SEED_CONCURRENCY = Number(opt['seed-concurrency'] ?? 8);
const SIGNIN_CONCURRENCY = Number(opt['signin-concurrency'] ?? 32);
const SEND_OVER = String(opt.send ?? 'ws');
const PARTA: PartaOptions = {
  ...(opt['batch-ms'] !== undefined ? { batchMs: Number(opt['batch-ms']) } : {}),
  ...(opt.batches !== undefined ? { batches: Number(opt.batches) } : {}),
  ...(opt.profile ? { profileDir: String(opt.profile) } : {}),
};
/** Where the disk probe writes: the database's disk (default: the OS temp folder). */
const PROBE_DIR = String(opt['probe-dir'] ?? os.tmpdir());
/** Seconds of the disk probe alone before anything else starts (0: none): what every commit will wait for, without load. */
const DISK_SECONDS = Number(opt['disk-seconds'] ?? 30);
const probe = new DiskProbe(PROBE_DIR);
const meters = new StepMeters(probe);
if (SEND_OVER !== 'ws' && SEND_OVER !== 'http') throw new Error(`--send ws|http, not ${SEND_OVER}`);
const baseDb = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

interface Room {
  chatId: string;
  members: Member[];
}

const TEXT = 'Родительское собрание в четверг в 18:00, кабинет 21.';

/**
 * The id of a benchmark message in a frame (its text starts with `b:<id> `), read off the bytes:
 * the generator shares the CPUs with the servers it measures, so it does not decode every frame.
 */
const MARK = Buffer.from('"text":"b:');
function benchId(frame: Buffer): number | null {
  const i = frame.indexOf(MARK);
  if (i < 0) return null;
  const end = frame.indexOf(0x20, i + MARK.length);
  return end < 0 ? null : Number(frame.toString('latin1', i + MARK.length, end));
}

/** One open-loop step: `rate` messages per second for `seconds`, then waits for deliveries to settle. */
async function runStep(
  rate: number,
  seconds: number,
  rooms: number,
  sendOne: (room: number, id: number) => Promise<boolean>,
  counters: Counters,
  pid: number | null,
): Promise<StepResult> {
  counters.received = 0;
  counters.latency = new Histogram();
  counters.send = new Histogram();
  meters.start(pid);
  const start = performance.now();
  let due = 0;
  let sent = 0;
  let failed = 0;
  let ok = 0;
  const inFlight = new Set<Promise<void>>();
  while (performance.now() - start < seconds * 1000) {
    due = Math.floor(((performance.now() - start) / 1000) * rate);
    while (sent < due) {
      const id = nextId++;
      sent++;
      const p = sendOne(Math.floor(Math.random() * rooms), id)
        .then((success) => {
          if (success) ok++;
          else failed++;
        })
        .catch(() => {
          failed++;
        })
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await sleep(5);
  }
  const sendEnd = performance.now();
  await Promise.race([Promise.all(inFlight), sleep(60_000)]);
  // Deliveries settle: stop when all arrived, or nothing arrived for 3 s (bounded at 60 s).
  const expected = () => ok * M;
  let last = counters.received;
  let quietSince = performance.now();
  const settleStart = performance.now();
  while (counters.received < expected() && performance.now() - quietSince < 3_000 && performance.now() - settleStart < 60_000) {
    await sleep(50);
    if (counters.received !== last) {
      last = counters.received;
      quietSince = performance.now();
    }
  }
  const elapsed = (Math.max(sendEnd, performance.now() - (performance.now() - quietSince)) - start) / 1000;
  return {
    rate,
    sent,
    failed,
    expected: expected(),
    received: counters.received,
    loss: Math.max(0, expected() - counters.received),
    p50: counters.latency.percentile(50),
    p95: counters.latency.percentile(95),
    p99: counters.latency.percentile(99),
    deliveriesPerSecond: counters.received / Math.max(seconds, elapsed),
    ...(counters.send.count ? { sendP50: counters.send.percentile(50), sendP99: counters.send.percentile(99) } : {}),
    ...meters.take(),
  };
}

let nextId = 1;
let failures = 0;

interface Counters {
  received: number;
  /** Send to delivery, per delivery. */
  latency: Histogram;
  /** Send request to its answer (Parta: the `sent` frame or the HTTP answer, both after commit). */
  send: Histogram;
}

/** Whose try it is (bench/turns.ts): one party when one server is measured, two when both ramps run. */
let turns = new Turns(1);

/**
 * One message per room, not measured: the first sends of a fresh process pay for JIT compilation,
 * query planning and connection set-up, and a step of a few hundred messages would count them in its tail.
 */
async function warmUp(sendOne: (room: number, id: number) => Promise<boolean>, counters: Counters): Promise<void> {
  counters.received = 0;
  const rooms = Array.from({ length: R }, (_, r) => r);
  await pool(rooms, 4, async (r) => {
    await sendOne(r, nextId++);
  });
  const start = performance.now();
  while (counters.received < R * M && performance.now() - start < 30_000) await sleep(50);
}

async function ramp(
  label: string,
  sendOne: (room: number, id: number) => Promise<boolean>,
  counters: Counters,
  pid: number | null,
): Promise<StepResult | null> {
  await turns.ready();
  await turns.run(() => warmUp(sendOne, counters));
  // From 100 messages/s up by a quarter per step; then --refine N steps between the last rate
  // that passed and the first that failed (geometric midpoints), so the ratio of the two servers'
  // rates is not only a power of the factor (0.41, 0.51, 0.64 with 1.25).
  let rate = Number(opt.rate ?? opt.start ?? 100);
  const factor = Number(opt.factor ?? 1.25);
  const steps = opt.rate ? 1 : Number(opt.steps ?? 16);
  const refine = opt.rate ? 0 : Number(opt.refine ?? 2);
  // Three seconds at the first rate, not counted: the pool's connections open, and each prepares
  // its statements, under load; otherwise the first try of the first step pays for it.
  await turns.run(() => runStep(Math.round(rate), 3, R, sendOne, counters, pid));
  // --tries N: each step is run N times; it passes when most tries pass, and its figures are the
  // median try's (by p99), so one pause of a shared host does not end the ramp, nor make it;
  // any loss or failed send in any try ends it.
  const step = async (at: number): Promise<{ median: StepResult; passed: boolean; lossy: boolean }> => {
    const tries: StepResult[] = [];
    for (let k = 0; k < TRIES; k++) {
      const r = await turns.run(() => runStep(at, STEP_SECONDS, R, sendOne, counters, pid));
      if (TRIES > 1) printStep(`${label}.${k + 1}`, r);
      tries.push(r);
    }
    const median = [...tries].sort((a, b) => a.p99 - b.p99)[Math.floor((tries.length - 1) / 2)]!;
    printStep(label, median);
    const lossy = tries.some((r) => r.loss > 0 || r.failed > 0);
    return { median, passed: !lossy && tries.filter((r) => passes(r, P99_BOUND)).length * 2 > TRIES, lossy };
  };
  let best: StepResult | null = null;
  let failedAt: number | null = null;
  for (let i = 0; i < steps; i++) {
    const r = await step(Math.round(rate));
    if (r.lossy) return best;
    if (!r.passed) {
      failedAt = Math.round(rate);
      break;
    }
    best = r.median;
    rate *= factor;
  }
  for (let i = 0; i < refine && best && failedAt !== null; i++) {
    const mid = Math.round(Math.sqrt(best.rate * failedAt));
    if (mid <= best.rate || mid >= failedAt) break;
    const r = await step(mid);
    if (r.lossy) break;
    if (r.passed) best = r.median;
    else failedAt = mid;
  }
  return best;
}

async function benchParta(databaseUrl: string): Promise<StepResult | null> {
  console.log(`seeding ${R} classes x ${M} members through the directory services…`);
  const t0 = performance.now();
  const memberRooms = await seed(databaseUrl, R, M, SEED_CONCURRENCY);
  console.log(`  seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const server = await startParta(databaseUrl, PARTA);
  const sockets: WebSocket[] = [];
  try {
    const counters: Counters = { received: 0, latency: new Histogram(), send: new Histogram() };
    const sentAt = new Map<number, number>();
    // Answers to `send` frames, by ref (the benchmark id): `{"type":"sent","ref":"<id>",…}` or an error.
    const answers = new Map<number, (ok: boolean, frame: Buffer) => void>();
    const SENT = Buffer.from('{"type":"sent","ref":"');
    const onFrame = (data: Buffer) => {
      if (data[9] !== 0x75 /* u: an update */) {
        const sent = data.subarray(0, SENT.length).equals(SENT);
        const ref = sent
          ? Number(data.toString('latin1', SENT.length, data.indexOf(0x22, SENT.length)))
          : Number((JSON.parse(data.toString()) as { ref?: string }).ref);
        answers.get(ref)?.(sent, data);
        answers.delete(ref);
        return;
      }
      const id = benchId(data);
      const t = id === null ? undefined : sentAt.get(id);
      if (t === undefined) return;
      counters.received++;
      counters.latency.add(performance.now() - t);
    };
    const all = interleaved(memberRooms);
    console.log(`signing in and connecting ${all.length} members to Parta…`);
    await connectAll(server, all, onFrame, SIGNIN_CONCURRENCY);
    for (const m of all) sockets.push(m.ws!);
    const rooms: Room[] = [];
    for (const members of memberRooms) {
      const res = await fetch(`${server.baseUrl}/api/v1/chats`, { headers: { authorization: `Bearer ${members[0]!.token}` } });
      const list = ((await res.json()) as { chats: { id: string; kind: string; memberCount?: number }[] }).chats;
      const chat = list.find((c) => c.kind === 'class');
      if (!chat) throw new Error(`class chat missing: is the messaging core provisioning chats? (${JSON.stringify(list.map((c) => c.kind))})`);
      rooms.push({ chatId: chat.id, members });
    }
    await settleWrites(databaseUrl);
    const base = procUsage(server.child.pid!);
    console.log(`Parta: ${all.length} connections open, server RSS ${mib(base.rssBytes)}`);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
    const sendOverSocket = (room: number, id: number) => {
      const r = rooms[room]!;
      const sender = r.members[Math.floor(Math.random() * r.members.length)]!;
      const t0 = performance.now();
      sentAt.set(id, t0);
      return new Promise<boolean>((resolve) => {
        answers.set(id, (ok, frame) => {
          counters.send.add(performance.now() - t0);
          if (!ok && failures++ < 3) console.log(`  send failed: ${frame.toString().slice(0, 200)}`);
          resolve(ok);
        });
        sender.ws!.send(
          JSON.stringify({ type: 'send', ref: String(id), chatId: r.chatId, message: { clientId: crypto.randomUUID(), text: `b:${id} ${TEXT}` } }),
        );
      });
    };
    const sendOverHttp = async (room: number, id: number) => {
      const r = rooms[room]!;
      const sender = r.members[Math.floor(Math.random() * r.members.length)]!;
      const t0 = performance.now();
      sentAt.set(id, t0);
      const res = await postJson(agent, `${server.baseUrl}/api/v1/chats/${r.chatId}/messages`, sender.token!, {
        clientId: crypto.randomUUID(),
        text: `b:${id} ${TEXT}`,
      });
      counters.send.add(performance.now() - t0);
      const ok = res.status === 200 || res.status === 201;
      if (!ok && failures++ < 3) console.log(`  send failed: ${res.status} ${res.body.slice(0, 200)}`);
      return ok;
    };
    console.log(`Parta: sending over ${SEND_OVER === 'ws' ? "the sender's WebSocket (send frames)" : 'HTTP POST'}`);
    return await ramp('parta', SEND_OVER === 'ws' ? sendOverSocket : sendOverHttp, counters, server.child.pid!);
  } finally {
    // In its own turn: stopping 3,000 connections is not part of the other server's try.
    await turns.run(async () => {
      for (const ws of sockets) ws.terminate();
      await server.stop();
    });
  }
}

async function benchBare(): Promise<StepResult | null> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'bench/bare-server.ts'), String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`bare server exited ${code}`)));
  });
  const sockets: WebSocket[][] = [];
  try {
    const counters: Counters = { received: 0, latency: new Histogram(), send: new Histogram() };
    const sentAt = new Map<number, number>();
    console.log(`connecting ${R * M} sockets to the bare ws fan-out…`);
    await pool(
      Array.from({ length: R }, (_, r) => r),
      8,
      async (r) => {
        const room: WebSocket[] = [];
        for (let i = 0; i < M; i++) {
          const ws = await openSocket(`ws://127.0.0.1:${port}`);
          await new Promise<void>((resolve) => {
            ws.once('message', () => resolve());
            ws.send(JSON.stringify({ join: String(r) }));
          });
          ws.on('message', (data: Buffer) => {
            const id = benchId(data);
            const t = id === null ? undefined : sentAt.get(id);
            if (t === undefined) return;
            counters.received++;
            counters.latency.add(performance.now() - t);
          });
          room.push(ws);
        }
        sockets[r] = room;
      },
    );
    const sendOne = async (room: number, id: number) => {
      const members = sockets[room]!;
      sentAt.set(id, performance.now());
      members[Math.floor(Math.random() * members.length)]!.send(JSON.stringify({ room: String(room), text: `b:${id} ${TEXT}` }));
      return true;
    };
    return await ramp('bare', sendOne, counters, child.pid!);
  } finally {
    await turns.run(async () => {
      for (const room of sockets) for (const ws of room ?? []) ws.terminate();
      child.kill('SIGTERM');
    });
  }
}

async function main() {
  const db = await createPostgresDatabase(baseDb, 'parta_bench');
  console.log(`database: ${new URL(db.url).pathname.slice(1)} (PostgreSQL), ${os.cpus().length} CPUs, Node ${process.version}; disk probe in ${PROBE_DIR}`);
  probe.start();
  try {
    if (DISK_SECONDS > 0 && !opt.idle) {
      await sleep(DISK_SECONDS * 1000);
      const d = probe.take(P99_BOUND);
      console.log(`disk alone, before anything starts (${DISK_SECONDS} s): ${formatDiskSyncs(d, P99_BOUND)}`);
      if (d.n > 0 && d.over / d.n > 0.01)
        console.log(
          `  over 1 % of idle flushes take longer than the p99 bound: expect Parta, which commits each message before it answers, to fail its steps by that alone (npm run bench:disk)`,
        );
    }
    if (opt.idle) {
      await benchIdle(db.url, Number(opt.idle === 'true' ? 10_000 : opt.idle), {
        members: M,
        seedConcurrency: SEED_CONCURRENCY,
        signInConcurrency: SIGNIN_CONCURRENCY,
        parta: PARTA,
      });
      return;
    }
    let parta: StepResult | null = null;
    let bare: StepResult | null = null;
    if (opt['skip-parta'] || opt['skip-bare'] || opt.sequential) {
      parta = opt['skip-parta'] ? null : await benchParta(db.url);
      if (opt['skip-bare']) return;
      bare = await benchBare();
    } else {
      // Both servers up at once, their ramps taking turns (bench/turns.ts).
      turns = new Turns(2);
      const failed = (err: unknown) => {
        turns.abort(err);
        throw err;
      };
      [parta, bare] = await Promise.all([benchParta(db.url).catch(failed), benchBare().catch(failed)]);
    }
    console.log('');
    console.log(`highest passing step (p99 <= ${P99_BOUND} ms, no loss):`);
    console.log(`  Parta: ${parta ? `S=${parta.rate}/s, ${parta.deliveriesPerSecond.toFixed(0)} deliveries/s` : 'none'}`);
    console.log(`  bare ws fan-out: ${bare ? `S=${bare.rate}/s, ${bare.deliveriesPerSecond.toFixed(0)} deliveries/s` : 'none'}`);
    if (parta && bare) console.log(`  ratio Parta / bare deliveries/s: ${(parta.deliveriesPerSecond / bare.deliveriesPerSecond).toFixed(2)}`);
  } finally {
    await probe.stop();
    await db.drop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
