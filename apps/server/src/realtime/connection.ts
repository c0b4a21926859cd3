import type { WebSocket } from 'ws';
import type { Locale, Update } from '@parta/protocol';
import { chatTopic, typingTopic, updateFrame, userTopic, type RealtimeEvent, type UpdateEvent } from './events.ts';
import type { TopicHub } from './hub.ts';
import { Outbox, type OutboxLimits } from './outbox.ts';

/** The durable stream as the gateway reads it (messaging/stream.ts behind it). */
export interface StreamReader {
  chatIds(userId: string): Promise<string[]>;
  read(userId: string, after: number, limit: number): Promise<{ resync: true; position: number } | { resync: false; updates: Update[]; position: number; hasMore: boolean }>;
  head(): Promise<number>;
}

const PAGE = 500;
const MAX_PAGES = 10_000;
const RECENT = 512;

/**
 * One authenticated WebSocket: the topics it follows, its place in the user's stream and its outbox.
 *
 * Catch-up: the connection subscribes first and buffers live events, then reads the stream from the
 * client's position, then delivers the buffered events that the read did not cover. A read returns
 * everything committed up to its `position` (positions are assigned in commit order), so buffered
 * events at or below it are either already delivered or not the user's.
 */
export class Connection {
  readonly chats = new Set<string>();
  closed = false;
  /** The language of error texts sent to this connection. */
  locale: Locale = 'ru';
  /** Everything visible to the user up to here has been sent (or the client was told to resync). */
  private covered = 0;
  /** The highest position sent. */
  private highest = 0;
  private readonly recent = new Set<number>();
  private readonly recentOrder: number[] = [];
  private syncing = true;
  private buffered: UpdateEvent[] = [];
  private work: Promise<void> = Promise.resolve();
  private readonly listener = (_topic: string, event: RealtimeEvent) => this.onEvent(event);
  readonly outbox: Outbox;
  private readonly typingSent = new Map<string, number>();

  constructor(
    readonly socket: WebSocket,
    readonly userId: string,
    readonly sessionId: string,
    private readonly hub: TopicHub<RealtimeEvent>,
    private readonly stream: StreamReader,
    limits: OutboxLimits,
    private readonly onOverflow: (c: Connection) => void,
  ) {
    this.outbox = new Outbox(socket, limits, () => this.onOverflow(this));
  }

  /** Subscribes, catches up from `after` (null: from now on) and goes live. Resolves with the position reached. */
  start(after: number | null): Promise<number> {
    return this.serial(async () => {
      await this.hub.add(userTopic(this.userId), this.listener);
      const ids = await this.stream.chatIds(this.userId);
      await Promise.all(ids.map((id) => this.follow(id)));
      await this.catchUp(after);
    }).then(() => this.highest);
  }

  /** Stops following everything. */
  stop(): void {
    this.closed = true;
    this.hub.remove(userTopic(this.userId), this.listener);
    for (const id of this.chats) this.unfollow(id);
    this.outbox.clear();
  }

  /** Rate limit of typing events: one per chat per interval. */
  typingAllowed(chatId: string, now: number, intervalMs: number): boolean {
    const last = this.typingSent.get(chatId) ?? 0;
    if (now - last < intervalMs) return false;
    if (this.typingSent.size > 256) this.typingSent.clear();
    this.typingSent.set(chatId, now);
    return true;
  }

  /** Catch up again from the highest position sent: pub/sub may have lost messages (its connection dropped). */
  refresh(): Promise<void> {
    return this.serial(async () => {
      this.syncing = true;
      await this.catchUp(this.highest);
    });
  }

  private serial(task: () => Promise<void>): Promise<void> {
    const run = this.work.then(() => (this.closed ? undefined : task()));
    this.work = run.catch(() => {});
    return run;
  }

  private async follow(chatId: string): Promise<void> {
    if (this.chats.has(chatId)) return;
    this.chats.add(chatId);
    await Promise.all([this.hub.add(chatTopic(chatId), this.listener), this.hub.add(typingTopic(chatId), this.listener)]);
  }

  private unfollow(chatId: string): void {
    if (!this.chats.delete(chatId)) return;
    this.hub.remove(chatTopic(chatId), this.listener);
    this.hub.remove(typingTopic(chatId), this.listener);
  }

  private async catchUp(after: number | null): Promise<void> {
    this.syncing = true;
    let cursor = after ?? (await this.stream.head());
    if (after !== null) {
      for (let page = 0; page < MAX_PAGES && !this.closed; page++) {
        const res = await this.stream.read(this.userId, cursor, PAGE);
        if (res.resync) {
          cursor = res.position;
          this.outbox.send(JSON.stringify({ type: 'resync', position: res.position }), true);
          // The client reloads its state; the chats it follows may have changed too.
          const ids = new Set(await this.stream.chatIds(this.userId));
          for (const id of [...this.chats]) if (!ids.has(id)) this.unfollow(id);
          await Promise.all([...ids].map((id) => this.follow(id)));
          break;
        }
        for (const u of res.updates) {
          if (u.type === 'chat.added') await this.follow(u.chatId);
          else if (u.type === 'chat.removed') this.unfollow(u.chatId);
          this.deliver(u.pos, updateFrame(JSON.stringify(u)));
        }
        cursor = res.position;
        if (!res.hasMore) break;
        await this.outbox.drained();
      }
    }
    this.covered = Math.max(this.covered, cursor);
    this.highest = Math.max(this.highest, cursor);
    const buffered = this.buffered.sort((a, b) => a.pos - b.pos);
    this.buffered = [];
    this.syncing = false;
    for (const e of buffered) this.onUpdate(e);
  }

  private onEvent(event: RealtimeEvent): void {
    if (this.closed) return;
    if (event.kind === 'typing') {
      if (!this.syncing && event.userId !== this.userId && this.chats.has(event.chatId)) this.outbox.send(event.frame, false);
      return;
    }
    if (this.syncing) {
      this.buffered.push(event);
      return;
    }
    this.onUpdate(event);
  }

  private onUpdate(e: UpdateEvent): void {
    if (e.pos <= this.covered || this.recent.has(e.pos)) return;
    if (!e.personal && (e.chatId === null || !this.chats.has(e.chatId))) return;
    if (e.follow === 'remove' && e.chatId) this.unfollow(e.chatId);
    this.deliver(e.pos, e.frame);
    if (e.follow === 'add' && e.chatId && !this.chats.has(e.chatId)) {
      // Messages of the new chat may have been published before this process followed it: read them from the stream.
      const chatId = e.chatId;
      this.syncing = true;
      void this.serial(async () => {
        await this.follow(chatId);
        await this.catchUp(e.pos);
      }).catch(() => {});
    }
  }

  private deliver(pos: number, frame: string): void {
    if (this.recent.has(pos)) return;
    this.recent.add(pos);
    this.recentOrder.push(pos);
    if (this.recentOrder.length > RECENT) this.recent.delete(this.recentOrder.shift()!);
    if (pos > this.highest) this.highest = pos;
    this.outbox.send(frame, true);
  }
}
