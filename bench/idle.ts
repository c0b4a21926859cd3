/**
 * Idle authenticated connections on one Parta process (issue 3: 10,000 under 1.5 GiB RSS):
 * `npm run bench:messaging -- --idle 10000`. Seeds enough classes of M members, signs each member
 * in and opens their WebSocket, waits 10 s, and prints the server's RSS before and after.
 */
import { performance } from 'node:perf_hooks';
import { mib, procUsage, sleep } from './lib.ts';
import { connectAll, interleaved, seed, startParta, type PartaOptions } from './school.ts';

export interface IdleOptions {
  /** Members per class. */
  members: number;
  seedConcurrency: number;
  signInConcurrency: number;
  parta: PartaOptions;
}

export async function benchIdle(databaseUrl: string, count: number, opts: IdleOptions): Promise<void> {
  const { members: M } = opts;
  const classes = Math.ceil(count / M);
  console.log(`seeding ${classes} classes x ${M} members (${classes * M} accounts)…`);
  const t0 = performance.now();
  const memberRooms = await seed(databaseUrl, classes, M, opts.seedConcurrency);
  console.log(`  seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const server = await startParta(databaseUrl, opts.parta);
  const all = interleaved(memberRooms).slice(0, count);
  try {
    const before = procUsage(server.child.pid!);
    console.log(`server RSS before connections: ${mib(before.rssBytes)}`);
    await connectAll(server, all, () => {}, opts.signInConcurrency);
    await sleep(10_000);
    const after = procUsage(server.child.pid!);
    const open = all.filter((m) => m.ws && m.ws.readyState === m.ws.OPEN).length;
    console.log(
      `idle: ${open} authenticated connections open on one process; server RSS ${mib(after.rssBytes)} (${((after.rssBytes - before.rssBytes) / open / 1024).toFixed(1)} KiB per connection over the baseline); target < 1536 MiB`,
    );
  } finally {
    for (const m of all) m.ws?.terminate();
    await server.stop();
  }
}
