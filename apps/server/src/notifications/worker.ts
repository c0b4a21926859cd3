import type { Agent } from 'node:https';
import type { AppContext } from '../context.ts';
import { SESSIONS_REVOKED_TOPIC } from '../identity/service.ts';
import { expandOnce, noPresence, type Presence } from './expand.ts';
import { claimDue, push, settle, type Outcome, type SenderOptions } from './sender.ts';
import { deleteDeadSubscriptions, unreadCounts } from './store.ts';
import { vapidKeys, vapidSubject } from './vapid.ts';
import { planDigests, sendDigests } from './digest.ts';
import { createMailer, type Mailer } from './mail.ts';
import { SharedPresence } from './presence.ts';

/** Wakes the delivery worker of every process: deliveries were written outside the stream (urgent messages). */
export const NOTIFY_TOPIC = 'notifications.due';

export interface WorkerOptions {
  presence: Presence;
  /** The clock: tests move it to the end of quiet hours. */
  now: () => Date;
  /** A wake-up without pub/sub, and the check for held deliveries whose time has come. */
  pollMs: number;
  timeoutMs: number;
  leaseMs: number;
  maxAttempts: number;
  concurrency: number;
  agent?: Agent;
  /** E-mail digests: the SMTP mailer (default: from the config; null: none), and how often to look for digests due. */
  mailer?: Mailer | null;
  digestEveryMs: number;
}

type Result = { d: Awaited<ReturnType<typeof claimDue>>[number]; outcome: Outcome; error?: string };

/**
 * The delivery worker (docs/subsystems/notifications.md): follows the update stream, turns
 * events into deliveries (expand.ts), and pushes what is due, at most `concurrency` at a time,
 * away from any request. Started once at boot (main.ts), stopped at shutdown.
 */
export class NotificationWorker {
  private sender!: SenderOptions;
  private closed = false;
  /** Set at shutdown: no more claims, pushes in flight are still recorded. */
  private stopping = false;
  private readonly offs: (() => unknown)[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private inFlight = 0;
  private results: Result[] = [];
  private readonly runners = new Map<string, { running: boolean; again: boolean; done: Promise<void> }>();
  /** Counters for stats and tests. */
  readonly stats = { expanded: 0, sent: 0, gone: 0, retried: 0, failed: 0, mailed: 0 };
  private mailer: Mailer | null = null;
  /** This process's connections and those of every other process (presence.ts). */
  private presence!: SharedPresence;
  private ownMailer = false;

  constructor(
    private readonly ctx: AppContext,
    private readonly o: WorkerOptions,
  ) {}

  static async start(ctx: AppContext, o: Partial<WorkerOptions> = {}): Promise<NotificationWorker> {
    const w = new NotificationWorker(ctx, {
      presence: noPresence,
      now: () => new Date(),
      pollMs: 1_000,
      timeoutMs: 10_000,
      leaseMs: 60_000,
      maxAttempts: 8,
      concurrency: 64,
      digestEveryMs: 5 * 60_000,
      ...o,
    });
    await w.init();
    return w;
  }

  private async init(): Promise<void> {
    const vapid = await vapidKeys(this.ctx.db);
    this.sender = {
      vapid,
      subject: vapidSubject(this.ctx.config.publicUrl, this.ctx.config.notifications.vapidSubject),
      timeoutMs: this.o.timeoutMs,
      leaseMs: this.o.leaseMs,
      maxAttempts: this.o.maxAttempts,
      concurrency: this.o.concurrency,
      perOrigin: this.o.concurrency,
      agent: this.o.agent,
    };
    this.presence = await SharedPresence.start(this.ctx.pubsub, this.o.presence);
    const wake = () => this.wake();
    this.offs.push(await this.ctx.stream.wakeups(wake));
    this.offs.push(await this.ctx.pubsub.subscribe(NOTIFY_TOPIC, () => this.run('send', () => this.fill())));
    // A send hands its events over before its answer is written: the worker starts after that turn.
    this.offs.push(this.ctx.stream.onCommitted(() => setImmediate(wake)));
    // A signed-out device (one session, or "sign out everywhere") stops getting pushes at once.
    this.offs.push(await this.ctx.pubsub.subscribe(SESSIONS_REVOKED_TOPIC, (_topic, message) => void this.forgetSessions(message)));
    if (this.o.pollMs > 0) this.timers.push(setInterval(wake, this.o.pollMs).unref());
    this.timers.push(setInterval(() => void this.cleanup(), 3_600_000).unref());
    this.ownMailer = this.o.mailer === undefined;
    this.mailer = this.o.mailer === undefined ? createMailer(this.ctx.config) : this.o.mailer;
    if (this.mailer && this.o.digestEveryMs > 0) this.timers.push(setInterval(() => void this.digests(), this.o.digestEveryMs).unref());
    await this.cleanup();
    this.wake();
  }

  /** Something may have been committed, or come due. */
  wake(): void {
    void this.run('expand', () => this.expand());
    void this.run('send', () => this.fill());
  }

  /** One runner per kind of work; a wake-up while it runs makes it run once more. */
  private run(name: string, work: () => Promise<void>): Promise<void> {
    let r = this.runners.get(name);
    if (!r) this.runners.set(name, (r = { running: false, again: false, done: Promise.resolve() }));
    const runner = r;
    if (this.closed) return runner.done;
    if (runner.running) {
      runner.again = true;
      return runner.done;
    }
    runner.running = true;
    runner.done = (async () => {
      try {
        do {
          runner.again = false;
          await work();
        } while (runner.again && !this.closed);
      } catch (err) {
        this.ctx.log.warn({ err, work: name }, 'notification worker pass failed; retrying');
        if (!this.closed) this.timers.push(setTimeout(() => this.wake(), 1_000).unref());
      } finally {
        runner.running = false;
      }
    })();
    return runner.done;
  }

  private async expand(): Promise<void> {
    for (let i = 0; i < 100 && !this.stopping; i++) {
      const r = await expandOnce(this.ctx.db, { now: this.o.now(), presence: this.presence });
      this.stats.expanded += r.deliveries;
      if (r.deliveries > 0) void this.run('send', () => this.fill());
      if (r.events === 0) break;
    }
  }

  /** Claims as many due deliveries as there are free slots and pushes them; each finished push frees a slot and asks for more. */
  private async fill(): Promise<void> {
    while (!this.stopping) {
      const free = this.o.concurrency - this.inFlight;
      // Claims go in chunks (a quarter of the slots at least while pushes are in flight), not one
      // query per finished push: on a busy database the worker's queries stay few.
      if (free <= 0 || (this.inFlight > 0 && free < Math.ceil(this.o.concurrency / 4))) return;
      const batch = await claimDue(this.ctx.db, this.o.now(), free, this.o.leaseMs);
      if (batch.length === 0) return;
      const unread = await unreadCounts(this.ctx.db, [...new Set(batch.map((d) => d.user_id))]);
      for (const d of batch) {
        this.inFlight++;
        void push(this.sender, d, unread.get(d.user_id) ?? 0).then((r) => {
          this.inFlight--;
          this.results.push({ d, ...r });
          void this.run('settle', () => this.settle());
          void this.run('send', () => this.fill());
        });
      }
    }
  }

  private async settle(): Promise<void> {
    while (this.results.length > 0) {
      const batch = this.results.splice(0);
      await settle(this.ctx.db, batch, this.o.now(), this.o.maxAttempts);
      for (const r of batch) {
        if (r.outcome === 'sent') this.stats.sent++;
        else if (r.outcome === 'gone') this.stats.gone++;
        else if (r.outcome === 'failed' || r.d.attempts >= this.o.maxAttempts) this.stats.failed++;
        else this.stats.retried++;
      }
    }
  }

  /** Plans the e-mail digests due now and sends what is due (digest.ts). */
  digests(): Promise<void> {
    const mailer = this.mailer;
    if (!mailer) return Promise.resolve();
    return this.run('digest', async () => {
      const now = this.o.now();
      await planDigests(this.ctx, now, this.ctx.config.notifications.digestAfterHours);
      while (!this.stopping) {
        const n = await sendDigests(this.ctx, mailer, now);
        this.stats.mailed += n;
        if (n === 0) break;
      }
    });
  }

  private async forgetSessions(message: string): Promise<void> {
    try {
      const ids = (JSON.parse(message) as { sessionIds?: unknown }).sessionIds;
      if (!Array.isArray(ids) || ids.length === 0) return;
      await this.ctx.db
        .deleteFrom('push_subscriptions')
        .where(
          'session_id',
          'in',
          ids.filter((x): x is string => typeof x === 'string'),
        )
        .execute();
    } catch (err) {
      this.ctx.log.warn({ err }, 'removing the push subscriptions of ended sessions failed');
    }
  }

  private async cleanup(): Promise<void> {
    try {
      const n = await deleteDeadSubscriptions(this.ctx.db, this.o.now());
      if (n > 0) this.ctx.log.info({ removed: n }, 'expired push subscriptions removed');
    } catch (err) {
      this.ctx.log.warn({ err }, 'removing expired push subscriptions failed');
    }
  }

  /** Resolves when nothing is being read, pushed or recorded (tests, bench). */
  async idle(): Promise<void> {
    for (;;) {
      await Promise.all([...this.runners.values()].map((r) => r.done));
      if (this.inFlight === 0 && this.results.length === 0 && ![...this.runners.values()].some((r) => r.running)) return;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Everything that is due now, read and pushed (tests and bench). */
  async drain(): Promise<void> {
    await this.run('expand', () => this.expand());
    await this.run('send', () => this.fill());
    await this.idle();
  }

  /**
   * Stops taking work and waits (at most a push's time-out) for pushes in flight to be recorded.
   * One still in flight after that keeps its lease and is taken again after it (at-least-once).
   */
  async stop(): Promise<void> {
    this.stopping = true;
    const deadline = Date.now() + this.o.timeoutMs + 1_000;
    await Promise.all([...this.runners.values()].map((r) => r.done));
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await Promise.all([...this.runners.values()].map((r) => r.done));
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    await Promise.all([...this.runners.values()].map((r) => r.done));
    if (this.results.length)
      await settle(this.ctx.db, this.results.splice(0), this.o.now(), this.o.maxAttempts).catch((err) =>
        this.ctx.log.warn({ err }, 'recording pushes failed at shutdown'),
      );
    for (const off of this.offs) await off();
    await this.presence.stop();
    if (this.ownMailer) this.mailer?.close();
  }
}
