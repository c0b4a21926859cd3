import fs from 'node:fs';
import { performance, PerformanceObserver } from 'node:perf_hooks';
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
  /** How many values are above `bound`. */
  countOver(bound: number): number {
    let n = 0;
    for (const v of this.values) if (v > bound) n++;
    return n;
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

/** The machine's CPU time so far (`/proc/stat`, jiffies): all of it, and what the hypervisor took from this guest (steal). */
export function hostCpu(): { total: number; steal: number } {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  return { total: f.reduce((a, b) => a + b, 0), steal: f[7] ?? 0 };
}

/** Steal between two readings of `hostCpu`, in per cent of the machine's CPU time. */
export function stealPercentBetween(a: { total: number; steal: number }, b: { total: number; steal: number }): number {
  return b.total > a.total ? ((b.steal - a.steal) / (b.total - a.total)) * 100 : 0;
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
  /** The generator's own event-loop delay (p99, max, ms) and its GC pauses (total, longest): time its receipts are late by. */
  generatorLoop?: { p99: number; max: number; gcMs: number; gcMaxMs: number };
  /** CPU time the hypervisor took from this machine during the step (steal), per cent. */
  stealPercent?: number;
  /** Waits for a CPU of the server's and the generator's main threads (RunQueueProbe). */
  serverRunQueue?: { percent: number; worst: number };
  generatorRunQueue?: { percent: number; worst: number };
  /** The disk's fdatasync latency over the step (DiskProbe): the wait every durable commit may meet. */
  diskSyncP99?: number;
  diskSyncMax?: number;
}

export function printStep(label: string, r: StepResult): void {
  const f = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-');
  const send = r.sendP50 !== undefined ? `  send answered p50 ${f(r.sendP50)} p99 ${f(r.sendP99 ?? NaN)} ms` : '';
  const waitedFor = (q: { percent: number; worst: number } | undefined) =>
    q ? `waited for a CPU ${q.percent.toFixed(0)}%, worst ${q.worst.toFixed(0)} ms in 100` : '';
  const server =
    r.cpuPercent !== undefined
      ? `  server CPU ${r.cpuPercent.toFixed(0)}%${r.serverRunQueue ? ` (${waitedFor(r.serverRunQueue)})` : ''}  RSS ${mib(r.rssBytes ?? 0)}`
      : '';
  const others =
    (r.postgresCpuPercent !== undefined ? `  PostgreSQL CPU ${r.postgresCpuPercent.toFixed(0)}%` : '') +
    (r.stealPercent !== undefined ? `  steal ${r.stealPercent.toFixed(1)}%` : '') +
    (r.generatorCpuPercent !== undefined ? `  generator CPU ${r.generatorCpuPercent.toFixed(0)}%` : '') +
    (r.generatorRunQueue || r.generatorLoop
      ? ` (${[waitedFor(r.generatorRunQueue), r.generatorLoop ? `loop delay p99 ${f(r.generatorLoop.p99)} max ${f(r.generatorLoop.max)} ms, GC ${r.generatorLoop.gcMs.toFixed(0)} ms, longest ${f(r.generatorLoop.gcMaxMs)}` : ''].filter(Boolean).join('; ')})`
      : '') +
    (r.diskSyncMax !== undefined ? `  disk fdatasync p99 ${f(r.diskSyncP99 ?? NaN)} max ${f(r.diskSyncMax)} ms` : '');
  console.log(
    `${label.padEnd(6)} S=${String(r.rate).padStart(5)}/s  sent ${r.sent}${r.failed ? ` (failed ${r.failed})` : ''}  deliveries expected ${r.expected} received ${r.received} loss ${r.loss}  ` +
      `latency p50 ${f(r.p50)} p95 ${f(r.p95)} p99 ${f(r.p99)} ms  ${r.deliveriesPerSecond.toFixed(0)} deliveries/s${send}${server}${others}`,
  );
}

/** Passing step: no loss, no failed sends, p99 within the bound. */
export const passes = (r: StepResult, p99BoundMs: number) => r.loss === 0 && r.failed === 0 && r.p99 <= p99BoundMs;

/**
 * How long a process's main thread waited for a CPU (the kernel's run-queue delay,
 * `/proc/<pid>/task/<pid>/schedstat`), sampled every 100 ms: the event loop of a process that
 * waits there stalls although its own code blocks nothing. The servers, PostgreSQL and the
 * generator share the machine's CPUs, so each waits while the others run.
 */
export class RunQueueProbe {
  private samples: number[] = [];
  private last: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private startedAt = 0;
  constructor(private readonly pid: number) {}
  private read(): number | null {
    try {
      return Number(fs.readFileSync(`/proc/${this.pid}/task/${this.pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6;
    } catch {
      return null;
    }
  }
  start(): void {
    this.samples = [];
    this.last = this.read();
    this.startedAt = performance.now();
    this.timer ??= setInterval(() => {
      const now = this.read();
      if (now !== null && this.last !== null) this.samples.push(now - this.last);
      this.last = now;
    }, 100).unref();
  }
  /** Per cent of the time waited, and the most waited in one 100 ms (ms); undefined where the kernel does not say. */
  take(): { percent: number; worst: number } | undefined {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const wall = performance.now() - this.startedAt;
    if (this.samples.length === 0 || wall <= 0) return undefined;
    const waited = this.samples.reduce((a, b) => a + b, 0);
    return { percent: (waited / wall) * 100, worst: Math.max(...this.samples) };
  }
}

const LOOP_TICK_MS = 5;

/**
 * This process's event-loop delay and garbage-collection pauses over a step: the generator shares
 * the CPUs with what it measures, and a receipt handled late by its own loop counts as latency.
 * A 5 ms interval timer's lateness is the delay (`monitorEventLoopDelay` of Node 20 did not show
 * a 40 ms block of the loop here).
 */
export class LoopMonitor {
  private late = new Histogram();
  private last = performance.now();
  private gcMs = 0;
  private gcMaxMs = 0;
  constructor() {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        this.gcMs += e.duration;
        this.gcMaxMs = Math.max(this.gcMaxMs, e.duration);
      }
    }).observe({ entryTypes: ['gc'] });
    setInterval(() => {
      const now = performance.now();
      this.late.add(Math.max(0, now - this.last - LOOP_TICK_MS));
      this.last = now;
    }, LOOP_TICK_MS).unref();
  }
  start(): void {
    this.late = new Histogram();
    this.gcMs = this.gcMaxMs = 0;
  }
  take(): { p99: number; max: number; gcMs: number; gcMaxMs: number } {
    return { p99: this.late.percentile(99), max: this.late.percentile(100), gcMs: this.gcMs, gcMaxMs: this.gcMaxMs };
  }
}

/** A disk probe's flushes over a while: how many, their latencies in ms, and how many were slower than a bound. */
export interface DiskSyncs {
  n: number;
  p50: number;
  p99: number;
  max: number;
  /** Flushes slower than the bound given to `take`. */
  over: number;
}

/** One line of a disk probe's figures, in ms. */
export function formatDiskSyncs(d: DiskSyncs, boundMs: number): string {
  return `fdatasync of 8 KiB x ${d.n}: p50 ${d.p50.toFixed(2)} p99 ${d.p99.toFixed(1)} max ${d.max.toFixed(1)} ms; ${d.over} over ${boundMs} ms (${d.n ? ((100 * d.over) / d.n).toFixed(1) : '0'} %)`;
}

/**
 * Writes 8 KiB to a file and flushes it to the disk (fdatasync) every 50 ms, off the event loop,
 * and keeps the latencies: a stall of the disk makes every commit of the database wait as long,
 * which shows in Parta's latency and not in the bare server's. Put it on the database's disk.
 */
export class DiskProbe {
  private latencies = new Histogram();
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
          this.latencies.add(performance.now() - t0);
          await sleep(50);
        }
      } finally {
        await handle.close();
        await fs.promises.rm(file, { force: true });
      }
    })();
  }

  /** The latencies since the last call: how many, quantiles, and how many took longer than `boundMs`. */
  take(boundMs = Infinity): DiskSyncs {
    const l = this.latencies;
    this.latencies = new Histogram();
    return { n: l.count, p50: l.percentile(50), p99: l.percentile(99), max: l.percentile(100), over: l.countOver(boundMs) };
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

/**
 * What a step measures of the machine around its messages: the server's CPU and RSS, PostgreSQL's
 * and this generator's CPU, the main threads' waits for a CPU, the generator's loop, steal, and
 * the disk probe's flushes. `start` before the step's first send, `take` when it has settled.
 */
export class StepMeters {
  private readonly loop = new LoopMonitor();
  private readonly generatorQueue = new RunQueueProbe(process.pid);
  private serverQueue: RunQueueProbe | null = null;
  private pid: number | null = null;
  private startedAt = 0;
  private usage0: ReturnType<typeof procUsage> | null = null;
  private pg0 = new Map<number, number>();
  private gen0 = process.cpuUsage();
  private host0 = hostCpu();

  constructor(private readonly probe: DiskProbe) {}

  start(pid: number | null): void {
    this.pid = pid;
    this.usage0 = pid ? procUsage(pid) : null;
    this.probe.take();
    this.pg0 = postgresCpu();
    this.gen0 = process.cpuUsage();
    this.host0 = hostCpu();
    this.loop.start();
    this.serverQueue = pid ? new RunQueueProbe(pid) : null;
    this.serverQueue?.start();
    this.generatorQueue.start();
    this.startedAt = performance.now();
  }

  take(): Pick<
    StepResult,
    | 'cpuPercent'
    | 'rssBytes'
    | 'postgresCpuPercent'
    | 'generatorCpuPercent'
    | 'generatorLoop'
    | 'stealPercent'
    | 'serverRunQueue'
    | 'generatorRunQueue'
    | 'diskSyncP99'
    | 'diskSyncMax'
  > {
    const usage1 = this.pid ? procUsage(this.pid) : null;
    const pg1 = postgresCpu();
    const gen = process.cpuUsage(this.gen0);
    const wall = (performance.now() - this.startedAt) / 1000;
    const disk = this.probe.take();
    return {
      ...(this.usage0 && usage1 ? { cpuPercent: ((usage1.cpuSeconds - this.usage0.cpuSeconds) / wall) * 100, rssBytes: usage1.rssBytes } : {}),
      postgresCpuPercent: (postgresCpuBetween(this.pg0, pg1) / wall) * 100,
      generatorCpuPercent: ((gen.user + gen.system) / 1e6 / wall) * 100,
      generatorLoop: this.loop.take(),
      stealPercent: stealPercentBetween(this.host0, hostCpu()),
      serverRunQueue: this.serverQueue?.take(),
      generatorRunQueue: this.generatorQueue.take(),
      diskSyncP99: disk.p99,
      diskSyncMax: disk.max,
    };
  }
}
