/**
 * Fairness: one abusive WebSocket connection must not raise other users' p99 of
 * `GET /api/v1/chats` above twice its quiet value (issue 15, item 1).
 *
 *   npm run bench:fairness                          # 3 s quiet, 3 s under a flood, on PGlite
 *   npm run bench:fairness -- --seconds 10 --users 8
 *   DATABASE_URL=postgres://… npm run bench:fairness  # on PostgreSQL (a scratch database)
 *
 * The demo school's app listens on a loopback port. `--users` signed-in members each ask for their
 * chat list over HTTP, one request after another, first with nothing else going on, then while an
 * attacker in a process of its own (apps/server/src/testing/flooder.ts) sends `typing` frames
 * naming random chats at full speed, opening a new connection whenever one is closed. It prints
 * both p99s, their ratio, and whether the second is within 2x of the first. `--strict` makes a
 * miss exit with status 1.
 */
import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { DEMO_PHONES } from '../apps/server/src/demo/seed.ts';
import { createTestApp } from '../apps/server/src/testing/harness.ts';
import { runFlooder, type FloodReport } from '../apps/server/src/testing/flooder.ts';
import { args, Histogram, sleep } from './lib.ts';

const opt = args(process.argv.slice(2));
const SECONDS = Number(opt.seconds ?? 3);
const USERS = Number(opt.users ?? 4);
const STRICT = 'strict' in opt;

const t = await createTestApp({ demo: true });
try {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const port = (t.app.server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;
  const phones = [
    DEMO_PHONES.classTeacher5A,
    DEMO_PHONES.guardian5A,
    DEMO_PHONES.guardian6B,
    DEMO_PHONES.classTeacher6B,
    DEMO_PHONES.subjectTeacher,
    DEMO_PHONES.admin,
  ];
  const users: { token: string }[] = [];
  for (let i = 0; i < USERS; i++) users.push(await t.signIn(phones[i % phones.length]!));
  const attacker = await t.signIn(DEMO_PHONES.student5A);

  /** Every user asks for their chat list, one request after another, for `seconds`. */
  const measure = async (seconds: number) => {
    const h = new Histogram();
    const until = performance.now() + seconds * 1000;
    await Promise.all(
      users.map(async (u) => {
        while (performance.now() < until) {
          const t0 = performance.now();
          const res = await fetch(`${base}/api/v1/chats`, { headers: { authorization: `Bearer ${u.token}` } });
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`chat list: ${res.status}`);
          h.add(performance.now() - t0);
        }
      }),
    );
    return h;
  };

  await measure(1); // warm-up
  const quiet = await measure(SECONDS);
  // The attacker's process takes a moment to start: measure once it floods, and flood for longer than the measurement.
  let flooding!: () => void;
  const started = new Promise<void>((resolve) => (flooding = resolve));
  const stop = new AbortController();
  const flood: Promise<FloodReport> = runFlooder(base.replace('http', 'ws') + '/api/v1/ws', attacker.token, SECONDS + 60, true, () => flooding(), stop.signal);
  await started;
  await sleep(500);
  const abused = await measure(SECONDS);
  stop.abort();
  const report = await flood;

  const q = quiet.percentile(99);
  const a = abused.percentile(99);
  const ratio = a / q;
  console.log(`fairness: ${USERS} users asking for their chat list, ${SECONDS} s quiet, ${SECONDS} s while one connection floods (${t.runtime.ctx.dbKind})`);
  console.log(`  quiet:   ${quiet.count} requests, p50 ${quiet.percentile(50).toFixed(1)} ms, p99 ${q.toFixed(1)} ms`);
  console.log(`  flooded: ${abused.count} requests, p50 ${abused.percentile(50).toFixed(1)} ms, p99 ${a.toFixed(1)} ms`);
  console.log(
    `  attacker: ${report.sent} frames written, ${report.connections} connections, closes ${JSON.stringify(report.closes)}, answers ${JSON.stringify(report.errors)}`,
  );
  console.log(`  p99 flooded / quiet = ${ratio.toFixed(2)}: ${ratio <= 2 ? 'within 2x' : 'NOT within 2x'}`);
  if (STRICT && ratio > 2) process.exitCode = 1;
} finally {
  await t.close();
}
