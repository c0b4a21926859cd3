import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { WebSocket } from 'ws';

/** Latency samples in milliseconds. */
export class Histogram {
  private values: number[] = [];
  add(ms: number): void {
    this.values.push(ms);
  }
  get count(): number {
    return this.values.length;
  }
  percentile(p: number): number {
    if (this.values.length === 0) return NaN;
    const sorted = Float64Array.from(this.values).sort();
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
  }
}

const CLK_TCK = 100;

/** CPU time (seconds, user + system) and RSS (bytes) of a process, from /proc. */
export function procUsage(pid: number): { cpuSeconds: number; rssBytes: number } {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuSeconds, rssBytes: rssKb * 1024 };
}

/** CPU seconds of each PostgreSQL process on this machine, by pid (the database server shares the CPUs). */
export function postgresCpu(): Map<number, number> {
  const out = new Map<number, number>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(name), (Number(fields[11]) + Number(fields[12])) / CLK_TCK);
    } catch {
      // The process ended while we read.
    }
  }
  return out;
}

/** CPU seconds PostgreSQL spent between two readings (processes that ended in between are not counted). */
export function postgresCpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, s] of after) total += s - (before.get(pid) ?? 0);
  return total;
}

export const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

/** Runs `task` over `items` with at most `limit` at a time. */
export async function pool<T>(items: T[], limit: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await task(items[i]!, i);
      }
    }),
  );
}

export function openSocket(url: string, timeoutMs = 30_000): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('connect timeout'));
    }, timeoutMs);
    ws.once('open', () => {
      clearTimeout(timer);
      resolve(ws);
    });
    ws.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function args(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) continue;
    const [k, v] = a.slice(2).split('=', 2) as [string, string | undefined];
    if (v !== undefined) out[k] = v;
    else if (argv[i + 1] && !argv[i + 1]!.startsWith('--')) out[k] = argv[++i]!;
    else out[k] = 'true';
  }
  return out;
}

export interface StepResult {
  rate: number;
  sent: number;
  failed: number;
  expected: number;
  received: number;
  loss: number;
  p50: number;
  p95: number;
  p99: number;
  deliveriesPerSecond: number;
  /** Time from the send request to its answer, where measured (Parta's HTTP POST). */
  sendP50?: number;
  sendP99?: number;
  cpuPercent?: number;
  rssBytes?: number;
  /** CPU of PostgreSQL's processes and of this load generator over the step, in % of one CPU. */
  postgresCpuPercent?: number;
  generatorCpuPercent?: number;
  /** The disk's fdatasync latency over the step (DiskProbe): the wait every durable commit may meet. */
  diskSyncP99?: number;
  diskSyncMax?: number;
}

export function printStep(label: string, r: StepResult): void {
  const f = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-');
  const send = r.sendP50 !== undefined ? `  send answered p50 ${f(r.sendP50)} p99 ${f(r.sendP99 ?? NaN)} ms` : '';
  const server = r.cpuPercent !== undefined ? `  server CPU ${r.cpuPercent.toFixed(0)}%  RSS ${mib(r.rssBytes ?? 0)}` : '';
  const others =
    (r.postgresCpuPercent !== undefined ? `  PostgreSQL CPU ${r.postgresCpuPercent.toFixed(0)}%` : '') +
    (r.generatorCpuPercent !== undefined ? `  generator CPU ${r.generatorCpuPercent.toFixed(0)}%` : '') +
    (r.diskSyncMax !== undefined ? `  disk fdatasync p99 ${f(r.diskSyncP99 ?? NaN)} max ${f(r.diskSyncMax)} ms` : '');
  console.log(
    `${label.padEnd(6)} S=${String(r.rate).padStart(5)}/s  sent ${r.sent}${r.failed ? ` (failed ${r.failed})` : ''}  deliveries expected ${r.expected} received ${r.received} loss ${r.loss}  ` +
      `latency p50 ${f(r.p50)} p95 ${f(r.p95)} p99 ${f(r.p99)} ms  ${r.deliveriesPerSecond.toFixed(0)} deliveries/s${send}${server}${others}`,
  );
}

/** Passing step: no loss, no failed sends, p99 within the bound. */
export const passes = (r: StepResult, p99BoundMs: number) => r.loss === 0 && r.failed === 0 && r.p99 <= p99BoundMs;

/**
 * Writes 8 KiB to a file and flushes it to the disk (fdatasync) every 50 ms, off the event loop,
 * and keeps the latencies: a stall of the disk makes every commit of the database wait as long,
 * which shows in Parta's latency and not in the bare server's. Put it on the database's disk.
 */
export class DiskProbe {
  private latencies: number[] = [];
  private running = false;
  private done: Promise<void> = Promise.resolve();

  constructor(private readonly dir: string) {}

  start(): void {
    this.running = true;
    this.done = (async () => {
      const file = path.join(this.dir, `parta-bench-fsync-${process.pid}`);
      const handle = await fs.promises.open(file, 'w');
      const block = Buffer.alloc(8192, 1);
      try {
        while (this.running) {
          await handle.write(block, 0, block.length, 0);
          const t0 = performance.now();
          await handle.datasync();
          this.latencies.push(performance.now() - t0);
          await sleep(50);
        }
      } finally {
        await handle.close();
        await fs.promises.rm(file, { force: true });
      }
    })();
  }

  /** The latencies since the last call. */
  take(): { p99: number; max: number } {
    const l = this.latencies.sort((a, b) => a - b);
    this.latencies = [];
    return { p99: l.length ? l[Math.min(l.length - 1, Math.floor(l.length * 0.99))]! : NaN, max: l.length ? l[l.length - 1]! : NaN };
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}
