/**
 * What a durable commit waits for on this machine: the disk probe of the messaging benchmark
 * (bench/lib.ts, DiskProbe) alone, with nothing else running. Every commit of PostgreSQL waits for
 * a flush like these (synchronous_commit on), and a stall holds every commit made during it. So
 * where more than 1 % of these flushes take longer than the messaging benchmark's p99 bound
 * (100 ms), more than 1 % of messages wait that long for their commit: expect a p99 over the
 * bound at any rate from a server that stores each message before it answers, however fast it is.
 *
 *   npm run bench:disk                                           # 60 s in the OS temp folder
 *   npm run bench:disk -- --dir /var/lib/postgresql --seconds 120   # on the database's disk
 *
 * Prints one line per 10 s and one for the whole run.
 */
import os from 'node:os';
import { args, DiskProbe, formatDiskSyncs, sleep } from './lib.ts';

const opt = args(process.argv.slice(2));
const DIR = String(opt.dir ?? os.tmpdir());
const SECONDS = Number(opt.seconds ?? 60);
const BOUND = Number(opt.p99 ?? 100);

const probe = new DiskProbe(DIR);
let n = 0;
let over = 0;
console.log(`disk probe in ${DIR}: 8 KiB written and flushed every 50 ms for ${SECONDS} s`);
probe.start();
try {
  for (let t = 0; t < SECONDS; t += 10) {
    const window = Math.min(10, SECONDS - t);
    await sleep(window * 1000);
    const d = probe.take(BOUND);
    n += d.n;
    over += d.over;
    console.log(`  ${String(t + window).padStart(4)} s  ${formatDiskSyncs(d, BOUND)}`);
  }
} finally {
  await probe.stop();
}
console.log(
  `all: ${over} of ${n} flushes over ${BOUND} ms (${n ? ((100 * over) / n).toFixed(1) : '0'} %)${n && over / n > 0.01 ? `: more than 1 %, so expect a p99 over ${BOUND} ms at any rate from a server that commits each message before it answers` : ''}`,
);
