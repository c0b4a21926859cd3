import { Redis } from 'ioredis';
import type { PubSub, PubSubHandler } from './pubsub.ts';

export interface RedisPubSubOptions {
  /** Prefixed to every topic on the wire, so several instances (or tests) can share one Redis. */
  prefix?: string;
  /** A publish that Redis has not taken within this fails (default 1 s). */
  publishTimeoutMs?: number;
  /** `subscribe` resolves after this even if Redis has not confirmed (default 1 s): ioredis subscribes when it is back. */
  subscribeWaitMs?: number;
}

/** Rejects when `promise` has not settled within `ms`. */
function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer from Redis within ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

interface TopicState {
  handlers: Set<PubSubHandler>;
  /** Resolves once Redis has confirmed the subscription. */
  ready: Promise<unknown>;
}

/**
 * Fan-out through Redis PUBLISH/SUBSCRIBE: one connection publishes, one subscribes to every topic
 * this process has handlers for. Redis pub/sub is at-most-once: a subscriber that loses its
 * connection misses what was published meanwhile, so `onReconnect` lets the gateway catch its
 * clients up from the durable stream.
 *
 * Redis being down never holds a caller: `publish` fails at once while the connection is not up
 * (nothing is queued to be sent later) and after a timeout when Redis does not answer; what it
 * would have woken is read from the stream by the tailers (their own wake-up, and the one when the
 * subscriber connection comes back). `subscribe` does not wait for Redis longer than a moment.
 */
export class RedisPubSub implements PubSub {
  readonly name = 'redis';
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly prefix: string;
  private readonly topics = new Map<string, TopicState>();
  private closed = false;
  private readonly reconnectListeners = new Set<() => void>();
  private readonly publishTimeoutMs: number;
  private readonly subscribeWaitMs: number;

  constructor(url: string, options: RedisPubSubOptions = {}) {
    this.prefix = options.prefix ?? 'parta:';
    this.publishTimeoutMs = options.publishTimeoutMs ?? 1_000;
    this.subscribeWaitMs = options.subscribeWaitMs ?? 1_000;
    const common = { lazyConnect: false, maxRetriesPerRequest: null, enableAutoPipelining: true } as const;
    this.pub = new Redis(url, { ...common, connectionName: 'parta-pub' });
    // No ready check (INFO) on the subscriber: when SUBSCRIBE was queued before the connection was
    // up, ioredis would send INFO in subscriber mode and throw ("only subscriber commands may be used").
    this.sub = new Redis(url, { ...common, connectionName: 'parta-sub', enableAutoPipelining: false, enableReadyCheck: false });
    // Errors are retried by ioredis; without a listener they would be thrown as unhandled.
    this.pub.on('error', () => {});
    this.sub.on('error', () => {});
    let connectedOnce = false;
    this.sub.on('ready', () => {
      if (connectedOnce) for (const l of this.reconnectListeners) l();
      connectedOnce = true;
    });
    this.sub.on('message', (channel: string, message: string) => {
      if (!channel.startsWith(this.prefix)) return;
      const topic = channel.slice(this.prefix.length);
      const state = this.topics.get(topic);
      if (!state) return;
      for (const h of state.handlers) {
        try {
          h(topic, message);
        } catch {
          // One subscriber's failure must not keep the message from the others.
        }
      }
    });
  }

  /** Called after the subscriber connection came back from a loss: messages may have been missed meanwhile. */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  /** Both connections are up. Commands issued earlier are queued by ioredis anyway. */
  async ready(): Promise<void> {
    await Promise.all([this.pub.ping(), this.sub.ping()]);
  }

  async publish(topic: string, message: string): Promise<void> {
    if (this.closed) throw new Error('pub/sub is closed');
    if (this.pub.status !== 'ready') throw new Error(`Redis is ${this.pub.status}: not published`);
    await bounded(this.pub.publish(this.prefix + topic, message), this.publishTimeoutMs, 'publish');
  }

  async subscribe(topic: string, handler: PubSubHandler): Promise<() => Promise<void>> {
    if (this.closed) throw new Error('pub/sub is closed');
    let state = this.topics.get(topic);
    if (!state) {
      state = { handlers: new Set(), ready: this.sub.subscribe(this.prefix + topic) };
      this.topics.set(topic, state);
    }
    state.handlers.add(handler);
    const own = state;
    try {
      // While Redis is down the subscription waits in ioredis's queue and is made when it is back.
      await Promise.race([
        own.ready,
        new Promise((resolve) => setTimeout(resolve, this.sub.status === 'ready' ? 10 * this.subscribeWaitMs : this.subscribeWaitMs).unref()),
      ]);
    } catch (err) {
      own.handlers.delete(handler);
      if (own.handlers.size === 0 && this.topics.get(topic) === own) this.topics.delete(topic);
      throw err;
    }
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      own.handlers.delete(handler);
      if (own.handlers.size === 0 && this.topics.get(topic) === own) {
        this.topics.delete(topic);
        if (!this.closed) await this.sub.unsubscribe(this.prefix + topic).catch(() => {});
      }
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.topics.clear();
    await Promise.allSettled([this.pub.quit(), this.sub.quit()]);
  }
}
