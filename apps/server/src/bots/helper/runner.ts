import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { HelperBot, type Api } from './bot.ts';
import { armHelper, backfillHelpers } from './service.ts';

/**
 * Runs each school's assistant inside the server: the same Bot API client as the separate process,
 * its calls going through the server's own HTTP routes (`app.inject`), so it is a true client.
 */
export class HelperRunner {
  private readonly running = new Map<string, { abort: AbortController; api: Api; done: Promise<void> }>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly app: FastifyInstance,
    private readonly ctx: AppContext,
  ) {}

  static async start(app: FastifyInstance, ctx: AppContext, o: { checkMs?: number; pollTimeout?: number } = {}): Promise<HelperRunner> {
    const r = new HelperRunner(app, ctx);
    await r.check(o.pollTimeout ?? 25);
    // A school made later gets its assistant within a while.
    r.timer = setInterval(
      () => void r.check(o.pollTimeout ?? 25).catch((err) => ctx.log.warn({ err }, 'starting a school assistant failed')),
      o.checkMs ?? 30_000,
    ).unref();
    return r;
  }

  private injectApi(token: string): Api {
    return async <T>(method: string, params: Record<string, unknown> = {}): Promise<T> => {
      const res = await this.app.inject({ method: 'POST', url: `/bot${token}/${method}`, payload: params });
      const body = res.json() as { ok: boolean; result?: unknown; error_code?: number; description?: string };
      if (!body.ok) throw Object.assign(new Error(body.description), { code: body.error_code });
      return body.result as T;
    };
  }

  private async check(pollTimeout: number): Promise<void> {
    if (this.closed) return;
    const helpers = await backfillHelpers(this.ctx);
    for (const h of helpers) {
      if (this.running.has(h.id) || this.closed) continue;
      const token = await armHelper(this.ctx, h);
      const api = this.injectApi(token);
      const abort = new AbortController();
      const done = new HelperBot(api).run(abort.signal, pollTimeout).catch((err) => {
        if (!abort.signal.aborted) this.ctx.log.warn({ err, school: h.school_id }, 'the school assistant stopped');
      });
      this.running.set(h.id, { abort, api, done });
    }
  }

  async stop(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const r of this.running.values()) {
      r.abort.abort();
      // A second poll ends the one waiting (409), as Telegram does; this one returns at once.
      await r.api('getUpdates', { timeout: 0, limit: 1, offset: -1 }).catch(() => undefined);
      await r.done;
    }
  }
}
