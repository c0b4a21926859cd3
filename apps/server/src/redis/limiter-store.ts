import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit';

/**
 * The store of the HTTP rate limits (`@fastify/rate-limit`) when several processes share Redis: the
 * counts live in Redis while it answers, and in this process's memory while it does not, so a
 * Redis outage never fails a request (`POST /api/v1/auth/code` used to answer 500). Limits then
 * hold per process instead of per site, for as long as the outage lasts; the log says when it
 * starts and ends.
 */

type Result = { current: number; ttl: number };
type Callback = (err: Error | null, res: Result | null) => void;
interface Store {
  incr(key: string, cb: Callback, timeWindow: number, max: number): void;
  read?(key: string, cb: Callback, timeWindow: number, max: number): void;
  child(routeOptions: RouteParams): Store;
}
interface RouteParams {
  continueExceeding: boolean;
  exponentialBackoff: boolean;
  routeInfo: { method: string; url: string };
  cache?: number;
}
type StoreClass = new (...args: unknown[]) => Store;

// The plugin's own stores (its package exports neither by name).
const require = createRequire(import.meta.url);
const RedisStore = require('@fastify/rate-limit/store/RedisStore.js') as StoreClass;
const LocalStore = require('@fastify/rate-limit/store/LocalStore.js') as StoreClass;

/** How long a count may take in Redis before this request is counted locally. */
const REDIS_TIMEOUT_MS = 250;
/** How long a request waits for the client's first connection at start-up before it is counted locally. */
const FIRST_CONNECTION_MS = 2000;
const FIRST_CONNECTION = new Set(['wait', 'connecting', 'connect']);

/** A store class for the plugin's `store` option: Redis first, local memory when Redis is down. */
export function fallbackStore(redis: Redis, log: Logger, nameSpace: string): FastifyRateLimitStoreCtor {
  let down = false;
  let everReady = redis.status === 'ready';
  if (!everReady) redis.once('ready', () => (everReady = true));
  const failed = (err: unknown) => {
    if (down) return;
    down = true;
    log.warn({ err: err instanceof Error ? err.message : String(err) }, 'rate limiter: Redis does not answer; counting in this process until it does');
  };
  const answered = () => {
    if (!down) return;
    down = false;
    log.info('rate limiter: Redis answers again; counting there');
  };

  class FallbackStore implements Store {
    private readonly remote: Store;
    private readonly local: Store;

    constructor(params: { continueExceeding: boolean; exponentialBackoff: boolean }, remote?: Store, local?: Store) {
      this.remote = remote ?? new RedisStore(params.continueExceeding, params.exponentialBackoff, redis, nameSpace);
      this.local = local ?? new LocalStore(params.continueExceeding, params.exponentialBackoff);
    }

    incr(key: string, cb: Callback, timeWindow: number, max: number): void {
      this.either('incr', key, cb, timeWindow, max);
    }

    read(key: string, cb: Callback, timeWindow: number, max: number): void {
      this.either('read', key, cb, timeWindow, max);
    }

    child(routeOptions: RouteParams): Store {
      return new FallbackStore(routeOptions, this.remote.child(routeOptions), this.local.child(routeOptions));
    }

    private either(method: 'incr' | 'read', key: string, cb: Callback, timeWindow: number, max: number): void {
      const local = () => this.local[method]!(key, cb, timeWindow, max);
      // Still making its first connection (a process just started): wait for it a little, since
      // counting locally now would split the budget among processes with nothing wrong.
      if (!everReady && FIRST_CONNECTION.has(redis.status)) {
        const ready = () => {
          clearTimeout(timer);
          this.either(method, key, cb, timeWindow, max);
        };
        const timer = setTimeout(() => {
          redis.off('ready', ready);
          failed(new Error(`Redis is ${redis.status}`));
          local();
        }, FIRST_CONNECTION_MS);
        redis.once('ready', ready);
        return;
      }
      // Not connected: no command is queued to wait for Redis.
      if (redis.status !== 'ready') {
        failed(new Error(`Redis is ${redis.status}`));
        return local();
      }
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        failed(new Error(`no answer within ${REDIS_TIMEOUT_MS} ms`));
        local();
      }, REDIS_TIMEOUT_MS);
      this.remote[method]!(
        key,
        (err, res) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          if (err) {
            failed(err);
            return local();
          }
          answered();
          cb(null, res);
        },
        timeWindow,
        max,
      );
    }
  }
  // The plugin's types describe the route options loosely; these are the fields its stores read.
  return FallbackStore as unknown as FastifyRateLimitStoreCtor;
}
