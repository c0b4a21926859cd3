import crypto from 'node:crypto';
import type { PubSub } from '../realtime/pubsub.ts';
import type { Presence } from './expand.ts';

/** Where processes tell each other who has a live connection to them. */
export const PRESENCE_TOPIC = 'presence';

interface Announcement {
  node: string;
  /** A full list of the sender's connected accounts, or changes since its last announcement. */
  full?: string[];
  add?: string[];
  del?: string[];
  /** The sender is shutting down: forget its accounts now. */
  gone?: true;
  /** The sender has just started: everyone announces a full list at once rather than at their next turn. */
  hello?: true;
}

export interface SharedPresenceOptions {
  /** How often the local gateway is looked at for changes, which are announced at once. */
  checkMs: number;
  /** A full list is announced this often, and corrects any change that was lost. */
  fullMs: number;
  /** A process not heard from for this long is forgotten (it died without saying so). */
  ttlMs: number;
}

/**
 * "No push while the account is active elsewhere" across processes: each process announces the
 * accounts connected to its own gateway over pub/sub (Redis with several processes), as changes
 * when they happen and as a full list every few seconds; every process answers `activeUsers()`
 * with its own and everyone else's. At-most-once pub/sub is enough: a lost change is mended by the
 * next full list, a dead process is forgotten after `ttlMs`. At worst a push goes (or is held back)
 * for a few seconds after someone connects or leaves.
 */
export class SharedPresence implements Presence {
  readonly node = crypto.randomUUID();
  private readonly remote = new Map<string, { users: Set<string>; seen: number }>();
  private last = new Set<string>();
  private lastFull = 0;
  private timer: NodeJS.Timeout | null = null;
  private off: (() => Promise<void>) | null = null;

  private constructor(
    private readonly pubsub: PubSub,
    private readonly local: Presence,
    private readonly o: SharedPresenceOptions,
  ) {}

  static async start(pubsub: PubSub, local: Presence, o: Partial<SharedPresenceOptions> = {}): Promise<SharedPresence> {
    const p = new SharedPresence(pubsub, local, { checkMs: 250, fullMs: 5_000, ttlMs: 15_000, ...o });
    p.off = await pubsub.subscribe(PRESENCE_TOPIC, (_topic, message) => p.receive(message));
    // Full lists come every `fullMs`: a process started a moment ago asks for them now, or it would
    // push to accounts connected elsewhere until the next round.
    await pubsub.publish(PRESENCE_TOPIC, JSON.stringify({ node: p.node, hello: true } satisfies Announcement)).catch(() => {});
    p.tick();
    p.timer = setInterval(() => p.tick(), p.o.checkMs).unref();
    return p;
  }

  activeUsers(): Set<string> {
    const users = new Set(this.local.activeUsers());
    const now = Date.now();
    for (const [node, r] of this.remote) {
      if (now - r.seen > this.o.ttlMs) this.remote.delete(node);
      else for (const u of r.users) users.add(u);
    }
    return users;
  }

  private receive(message: string): void {
    let a: Announcement;
    try {
      a = JSON.parse(message) as Announcement;
    } catch {
      return;
    }
    if (!a.node || a.node === this.node) return;
    if (a.gone) {
      this.remote.delete(a.node);
      return;
    }
    if (a.hello) {
      this.lastFull = 0;
      this.tick();
      return;
    }
    if (a.full) {
      this.remote.set(a.node, { users: new Set(a.full), seen: Date.now() });
      return;
    }
    // A change from a process whose full list has not come yet still counts: its adds are known to
    // be connected now, and the full list, when it comes, replaces the rest.
    const r = this.remote.get(a.node) ?? { users: new Set<string>(), seen: 0 };
    for (const u of a.add ?? []) r.users.add(u);
    for (const u of a.del ?? []) r.users.delete(u);
    r.seen = Date.now();
    this.remote.set(a.node, r);
  }

  /** Announces what changed on this process's gateway, or everything every `fullMs`. */
  private tick(): void {
    const now = this.local.activeUsers();
    const full = Date.now() - this.lastFull >= this.o.fullMs;
    let a: Announcement | null = null;
    if (full) {
      a = { node: this.node, full: [...now] };
      this.lastFull = Date.now();
    } else {
      const add = [...now].filter((u) => !this.last.has(u));
      const del = [...this.last].filter((u) => !now.has(u));
      if (add.length || del.length) a = { node: this.node, add, del };
    }
    this.last = now;
    if (a) this.pubsub.publish(PRESENCE_TOPIC, JSON.stringify(a)).catch(() => {});
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.pubsub.publish(PRESENCE_TOPIC, JSON.stringify({ node: this.node, gone: true } satisfies Announcement)).catch(() => {});
    await this.off?.();
  }
}
