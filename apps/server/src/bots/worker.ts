import type { AppContext } from '../context.ts';
import { runMethod } from './api.ts';
import { BotApiError } from './errors.ts';
import { BOT_TOPIC, expandOnce, wakeDelivery, wakeLocal } from './updates.ts';

/**
 * The bot worker: follows the update stream into the bots' queues, away from any request, and
 * delivers the queues of bots with a webhook (one update at a time per bot, in order; a failed
 * post is retried later with a growing pause, and recorded for getWebhookInfo).
 */
export class BotWorker {
  private closed = false;
  private readonly offs: (() => unknown)[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private running: Promise<void> = Promise.resolve();
  private again = false;
  private busy = false;
  private readonly delivering = new Set<string>();

  constructor(
    private readonly ctx: AppContext,
    private readonly o: { pollMs: number; timeoutMs: number },
  ) {}

  static async start(ctx: AppContext, o: Partial<{ pollMs: number; timeoutMs: number }> = {}): Promise<BotWorker> {
    const w = new BotWorker(ctx, { pollMs: 1_000, timeoutMs: 10_000, ...o });
    const wake = () => w.wake();
    w.offs.push(await ctx.stream.wakeups(wake));
    w.offs.push(ctx.stream.onCommitted(() => setImmediate(wake)));
    w.offs.push(
      await ctx.pubsub.subscribe(BOT_TOPIC, (_t, message) => {
        try {
          const { botId } = JSON.parse(message) as { botId: string };
          wakeLocal(ctx.pubsub, botId);
          void w.deliver(botId);
        } catch {
          /* not ours */
        }
      }),
    );
    if (o.pollMs !== 0) w.timers.push(setInterval(wake, w.o.pollMs).unref());
    w.wake();
    return w;
  }

  wake(): void {
    if (this.closed) return;
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    this.running = (async () => {
      try {
        do {
          this.again = false;
          for (let i = 0; i < 100 && !this.closed; i++) {
            const r = await expandOnce(this.ctx);
            for (const botId of r.bots) await wakeDelivery(this.ctx, botId);
            if (r.events === 0) break;
          }
          await this.deliverDue();
        } while (this.again && !this.closed);
      } catch (err) {
        if (!this.closed) this.ctx.log.warn({ err }, 'bot worker pass failed; retrying');
      } finally {
        this.busy = false;
      }
    })();
  }

  /** Bots with a webhook and an update due (after a pause for a failed post, say). */
  private async deliverDue(): Promise<void> {
    const due = await this.ctx.db
      .selectFrom('bot_updates')
      .innerJoin('bots', 'bots.id', 'bot_updates.bot_id')
      .select('bots.id')
      .distinct()
      .where('bots.webhook_url', 'is not', null)
      .where('bot_updates.not_before', '<=', new Date())
      .execute();
    for (const b of due) void this.deliver(b.id);
  }

  /** Posts the bot's updates in order until the queue is empty or a post fails. */
  async deliver(botId: string): Promise<void> {
    if (this.closed || this.delivering.has(botId)) return;
    this.delivering.add(botId);
    try {
      while (!this.closed) {
        const bot = await this.ctx.db.selectFrom('bots').selectAll().where('id', '=', botId).executeTakeFirst();
        if (!bot?.webhook_url || !bot.token_hash) return;
        // Claimed with a lease, so that another process does not post the same update meanwhile.
        const claimed = await this.ctx.db
          .updateTable('bot_updates')
          .set({ not_before: new Date(Date.now() + this.o.timeoutMs + 5_000) })
          .where('bot_id', '=', botId)
          .where('update_id', '=', (eb) =>
            eb
              .selectFrom('bot_updates')
              .select((e) => e.fn.min('update_id').as('m'))
              .where('bot_id', '=', botId),
          )
          .where('not_before', '<=', new Date())
          .returning(['update_id', 'payload', 'attempts'])
          .executeTakeFirst();
        if (!claimed) return;
        const body = {
          update_id: Number(claimed.update_id),
          ...(typeof claimed.payload === 'string' ? JSON.parse(claimed.payload) : (claimed.payload as object)),
        };
        let error: string | null = null;
        let reply: unknown = null;
        try {
          const res = await fetch(bot.webhook_url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...(bot.webhook_secret ? { 'x-telegram-bot-api-secret-token': bot.webhook_secret } : {}) },
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(this.o.timeoutMs),
            redirect: 'manual',
          });
          const text = await res.text();
          if (res.status < 200 || res.status > 299) error = `Wrong response from the webhook: ${res.status} ${res.statusText}`;
          else if (text && (res.headers.get('content-type') ?? '').includes('json')) reply = JSON.parse(text);
        } catch (err) {
          error = `Connection failed: ${(err as Error).message}`;
        }
        if (error) {
          const pause = Math.min(2 ** claimed.attempts, 60) * 1000;
          await this.ctx.db
            .updateTable('bot_updates')
            .set({ attempts: claimed.attempts + 1, not_before: new Date(Date.now() + pause) })
            .where('bot_id', '=', botId)
            .where('update_id', '=', claimed.update_id)
            .execute();
          await this.ctx.db.updateTable('bots').set({ webhook_last_error: error, webhook_last_error_at: new Date() }).where('id', '=', botId).execute();
          this.timers.push(setTimeout(() => void this.deliver(botId), pause + 10).unref());
          return;
        }
        await this.ctx.db.deleteFrom('bot_updates').where('bot_id', '=', botId).where('update_id', '=', claimed.update_id).execute();
        // A method in the webhook's answer is run, as Telegram does (no result is returned to anyone).
        if (reply && typeof reply === 'object' && typeof (reply as { method?: unknown }).method === 'string') {
          const { method, ...params } = reply as { method: string } & Record<string, unknown>;
          await runMethod({ ctx: this.ctx, bot, params, files: new Map() }, method).catch((err) => {
            if (!(err instanceof BotApiError)) this.ctx.log.warn({ err }, 'a webhook reply method failed');
          });
        }
      }
    } finally {
      this.delivering.delete(botId);
    }
  }

  /** Resolves when the stream has been read up to now and nothing is being posted (tests). */
  async idle(): Promise<void> {
    for (;;) {
      await this.running;
      if (!this.busy && this.delivering.size === 0) return;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async stop(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    for (const off of this.offs) await off();
    await this.running;
    const deadline = Date.now() + this.o.timeoutMs;
    while (this.delivering.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }
}
