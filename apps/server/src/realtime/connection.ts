import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { Locale, Update } from '@parta/protocol';
import type { ChatAccess } from '../messaging/access.ts';
import { typingTopic, updateFrame, type RealtimeEvent } from './events.ts';
import type { TopicHub } from './hub.ts';
import { textFrameOf } from './frames.ts';
import { Outbox, type OutboxLimits } from './outbox.ts';
import type { StreamTailer, TailedUpdate, TailListener } from './tailer.ts';

/** The durable stream as the gateway reads it (stream/read.ts behind it). */
export interface StreamReader {
  chatIds(userId: string): Promise<string[]>;
  read(
    userId: string,
    after: number,
    limit: number,
  ): Promise<{ resync: true; position: number } | { resync: false; updates: Update[]; position: number; hasMore: boolean }>;
  head(): Promise<number>;
}

const PAGE = 500;
/** How long a connection remembers its access to a chat it sent to, and to how many chats at most. */
const ACCESS_TTL_MS = 60_000;
const ACCESS_CACHE_SIZE = 256;
/** Reads of one catch-up, pages and re-reads together; past it the connection is closed and the client resumes. */
const MAX_READS = 10_000;

/**
 * One authenticated WebSocket: the chats it follows, its place in the user's stream and its outbox.
 *
 * Catch-up: the connection registers with the process's stream tailer first, then reads the
 * user's stream from the client's position with `readStream`, applying `chat.added` /
 * `chat.removed` as it goes. When a read has reached its end, it checks, in the same synchronous
 * step, that the tailer has not dispatched past the position read; if it has, it reads again from
 * there. Then it goes live: from the next tailer dispatch on, every update is above the position
 * read, dispatched in position order, and the set of followed chats is exactly the membership at
 * that position. Updates at or below the highest position sent are dropped.
 */
export class Connection implements TailListener {
  readonly chats = new Set<string>();
  closed = false;
  /** The language of error texts sent to this connection. */
  locale: Locale = 'ru';
  /** Everything visible to the user up to here has been sent (or the client was told to resync). */
  private highest = 0;
  private syncing = true;
  private work: Promise<void> = Promise.resolve();
  private readonly typingListener = (_topic: string, event: RealtimeEvent) => this.onTyping(event);
  readonly outbox: Outbox;
  private readonly typingSent = new Map<string, number>();
  /** The last `send` of each chat not yet answered: the next one of that chat waits for it. */
  private readonly sendTail = new Map<string, Promise<void>>();
  /** `send` frames taken and not yet answered. */
  pendingSends = 0;
  /** Access to the chats this connection sent to, remembered for a while (see `cachedAccess`). */
  private readonly accessCache = new Map<string, { access: ChatAccess; until: number }>();

  /** `socket` and the TCP socket under it (`raw`), which the outbox writes frames to. */
  constructor(
    readonly socket: WebSocket,
    raw: Duplex,
    readonly userId: string,
    readonly sessionId: string,
    private readonly hub: TopicHub<RealtimeEvent>,
    private readonly tailer: StreamTailer,
    private readonly stream: StreamReader,
    limits: OutboxLimits,
    private readonly onOverflow: (c: Connection) => void,
  ) {
    this.outbox = new Outbox(socket, raw, limits, () => this.onOverflow(this));
  }

  /** Registers, catches up from `after` (null: from now on) and goes live. Resolves with the position reached. */
  start(after: number | null): Promise<number> {
    return this.serial(async () => {
      this.tailer.addUser(this);
      await this.tailer.ready;
      const ids = await this.stream.chatIds(this.userId);
      // Typing subscriptions are awaited here only, so typing works as soon as `ready` is sent.
      await Promise.all(ids.map((id) => this.follow(id)));
      await this.catchUp(after);
    }).then(() => this.highest);
  }

  /** Stops following everything. */
  stop(): void {
    this.closed = true;
    this.tailer.removeUser(this);
    for (const id of [...this.chats]) this.unfollow(id);
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

  /**
   * The access to a chat this connection's last send there read, for up to a minute: a member's
   * next sends skip the lookup. It is forgotten when the stream says the membership changed
   * (`chat.added` also carries a new role, `chat.removed` the end of it). Whatever it says, the
   * statement that stores a send checks that the author is a current member who may post there
   * (as of the statement's start), and the rest of the send path reads the access again
   * (messaging/send.ts).
   */
  cachedAccess(chatId: string, now = Date.now()): ChatAccess | null {
    const hit = this.accessCache.get(chatId.toLowerCase());
    if (!hit) return null;
    if (hit.until > now) return hit.access;
    this.accessCache.delete(chatId.toLowerCase());
    return null;
  }

  rememberAccess(chatId: string, access: ChatAccess, now = Date.now()): void {
    if (this.accessCache.size >= ACCESS_CACHE_SIZE) this.accessCache.clear();
    this.accessCache.set(chatId.toLowerCase(), { access, until: now + ACCESS_TTL_MS });
  }

  forgetAccess(chatId: string): void {
    this.accessCache.delete(chatId.toLowerCase());
  }

  /** Runs `task` after every earlier task of the same chat on this connection: sends stay in the order sent. */
  inChatOrder(chatId: string, task: () => Promise<void>): Promise<void> {
    this.pendingSends++;
    const key = chatId.toLowerCase();
    const run = (this.sendTail.get(key) ?? Promise.resolve()).then(task).finally(() => {
      this.pendingSends--;
      if (this.sendTail.get(key) === run) this.sendTail.delete(key);
    });
    this.sendTail.set(key, run);
    return run;
  }

  /** One update from the process's stream tailer, in position order. */
  onTail(u: TailedUpdate): void {
    // While catching up, the catch-up covers what the tailer dispatches (see the class comment).
    if (this.closed || this.syncing || u.pos <= this.highest) return;
    if (u.chatId !== null) {
      if (u.type === 'chat.removed') this.unfollow(u.chatId);
      else if (u.type === 'chat.added') void this.follow(u.chatId).catch(() => {});
      if (u.type === 'chat.removed' || u.type === 'chat.added') this.forgetAccess(u.chatId);
    }
    this.deliver(u.pos, u.wire);
  }

  private serial(task: () => Promise<void>): Promise<void> {
    const run = this.work.then(() => (this.closed ? undefined : task()));
    this.work = run.catch(() => {});
    return run;
  }

  /** Follows a chat's updates at once (tailer index); resolves when its typing topic is subscribed. */
  private follow(chatId: string): Promise<void> {
    if (this.chats.has(chatId) || this.closed) return Promise.resolve();
    this.chats.add(chatId);
    this.tailer.follow(chatId, this);
    return this.hub.add(typingTopic(chatId), this.typingListener);
  }

  private unfollow(chatId: string): void {
    if (!this.chats.delete(chatId)) return;
    this.tailer.unfollow(chatId, this);
    this.hub.remove(typingTopic(chatId), this.typingListener);
  }

  private async catchUp(after: number | null): Promise<void> {
    this.syncing = true;
    let cursor = after ?? (await this.stream.head());
    // Without a position, the client starts at the head: read only if the tailer is already past it.
    let mustRead = after !== null;
    for (let reads = 0; reads < MAX_READS && !this.closed; reads++) {
      if (!mustRead && this.tailer.position <= cursor) {
        // Synchronous from here to going live: the tailer cannot dispatch in between.
        this.highest = Math.max(this.highest, cursor);
        this.syncing = false;
        return;
      }
      const res = await this.stream.read(this.userId, cursor, PAGE);
      if (this.closed) return;
      if (res.resync) {
        cursor = res.position;
        this.highest = Math.max(this.highest, cursor);
        this.outbox.send(JSON.stringify({ type: 'resync', position: res.position }), true);
        this.accessCache.clear();
        // The client reloads its state; the chats it follows may have changed too. Membership is
        // read after the head, so read the stream once more from the head to apply what followed.
        const ids = new Set(await this.stream.chatIds(this.userId));
        for (const id of [...this.chats]) if (!ids.has(id)) this.unfollow(id);
        for (const id of ids) void this.follow(id).catch(() => {});
        mustRead = true;
        continue;
      }
      for (const u of res.updates) {
        if (u.type === 'chat.added' || u.type === 'chat.removed') this.forgetAccess(u.chatId);
        if (u.type === 'chat.added') void this.follow(u.chatId).catch(() => {});
        else if (u.type === 'chat.removed') this.unfollow(u.chatId);
        this.deliver(u.pos, textFrameOf(updateFrame(JSON.stringify(u))));
      }
      cursor = res.position;
      mustRead = res.hasMore;
      if (res.hasMore) await this.outbox.drained();
    }
    if (!this.closed) throw new Error('catch-up did not converge');
  }

  private onTyping(event: RealtimeEvent): void {
    if (this.closed || this.syncing) return;
    if (event.userId !== this.userId && this.chats.has(event.chatId)) this.outbox.sendFrame(event.frame, false);
  }

  /** `frame`: a WebSocket frame (frames.ts). */
  private deliver(pos: number, frame: Buffer): void {
    if (pos <= this.highest) return;
    this.highest = pos;
    this.outbox.sendFrame(frame, true);
  }
}
