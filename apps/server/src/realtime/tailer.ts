import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Queryable } from '../db/schema.ts';
import type { CommittedEvent, StreamBus } from '../stream/bus.ts';
import { updateFrame } from './events.ts';
import { textFrame } from './frames.ts';

/** What the tailer hands to a connection: one stored update, its frame serialised, encoded and framed once per process (every member's socket writes the same bytes). */
export interface TailedUpdate {
  pos: number;
  type: string;
  /** The chat the update names (chat events; `chat.added` / `chat.removed` / `chat.read` user events). */
  chatId: string | null;
  /** The frame's JSON text as bytes. */
  frame: Buffer;
  /** The same as a WebSocket text frame (frames.ts), as every socket is sent it. */
  wire: Buffer;
}

/** A local connection as the tailer sees it. */
export interface TailListener {
  readonly userId: string;
  onTail(update: TailedUpdate): void;
}

export interface TailerOptions {
  /** Rows read per query; the tailer loops until it has reached the head. */
  batch: number;
  /** A wake-up without pub/sub, in case a message was lost (Redis pub/sub is at-most-once). 0: none. */
  pollMs: number;
  /** Take the events this process's writers commit as they hand them over (default); false: only read, as another process would. */
  local?: boolean;
}

export const defaultTailerOptions: TailerOptions = { batch: 500, pollMs: 5_000 };

interface Row {
  pos: string | number;
  chat_id: string | null;
  user_id: string | null;
  type: string;
  payload: unknown;
}

/**
 * The process's reader of the update stream (docs/subsystems/realtime.md, "Live delivery").
 *
 * Pub/sub messages on `stream` only wake it; wake-ups that arrive while it reads are coalesced
 * into one more read. It reads `chat_events` and `user_events` after the last position it has
 * dispatched, in position order, up to the committed head (positions become visible in order and
 * without gaps, stream/outbox.ts), and hands each update to the local connections of the chat
 * (chat events) or of the account (user events). One query per wake-up for the whole process,
 * whatever the number of connections; publishers racing each other cannot reorder anything,
 * because the order comes from the database, not from the pub/sub.
 *
 * Dispatch is synchronous and never waits on a connection (each has its own bounded outbox).
 * `position` is the last position dispatched; it only grows.
 */
export class StreamTailer {
  position = 0;
  readonly ready: Promise<void>;
  private readonly byChat = new Map<string, Set<TailListener>>();
  private readonly byUser = new Map<string, Set<TailListener>>();
  private running = false;
  private again = false;
  private closed = false;
  private off: (() => Promise<void>) | null = null;
  private offLocal: () => void = () => {};
  private readonly timers: NodeJS.Timeout[] = [];
  /** Queries run and rows read: for stats and tests. */
  reads = 0;
  rowsRead = 0;
  /** Events dispatched as handed over by this process's writers, without a read. */
  rowsOffered = 0;

  constructor(
    private readonly db: Queryable,
    private readonly bus: StreamBus,
    private readonly log: Logger,
    private readonly options: TailerOptions = defaultTailerOptions,
  ) {
    this.ready = this.start();
    // A failed start is reported by whoever awaits `ready`.
    this.ready.catch((err) => log.error({ err }, 'stream tailer failed to start'));
  }

  /**
   * Events this process has just committed (stream/bus.ts, `offer`): dispatched at
   * once when they follow the last position dispatched, since everything up to them is committed;
   * otherwise a wake-up, and the read brings them in order with what lies before them.
   */
  offer(events: CommittedEvent[]): void {
    if (this.closed || events.length === 0) return;
    if (!this.running && this.started && Number(events[0]!.pos) === this.position + 1) {
      this.rowsOffered += events.length;
      this.dispatch(events);
    } else this.wake(Number(events[events.length - 1]!.pos));
  }

  private started = false;

  /** Whether a read is running (for tests). */
  get reading(): boolean {
    return this.running;
  }

  private async start(): Promise<void> {
    // Subscribe first, then take the head: nothing committed after the head read can be missed.
    this.off = await this.bus.wakeups((pos) => this.wake(pos));
    const s = await this.db.selectFrom('stream_state').select('head').where('id', '=', 1).executeTakeFirstOrThrow();
    this.position = Math.max(this.position, Number(s.head));
    this.started = true;
    if (this.options.local !== false) this.offLocal = this.bus.onCommitted((events) => this.offer(events));
    if (this.options.pollMs > 0) this.timers.push(setInterval(() => this.wake(), this.options.pollMs).unref());
    this.wake();
  }

  /** Something may have been committed (up to `hint`, when the wake-up names it): read it. */
  wake(hint?: number): void {
    if (this.closed) return;
    if (hint !== undefined && hint <= this.position) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.run().finally(() => {
      this.running = false;
      // A wake-up (or an offer) that came after the last check of `again`, before this ran.
      if (this.again && !this.closed) this.wake();
    });
  }

  private async run(): Promise<void> {
    try {
      await this.ready;
      do {
        this.again = false;
        // Bounded: a very long backlog is finished by the next wake-up.
        for (let i = 0; i < 1_000 && !this.closed; i++) {
          const rows = await this.read(this.position, this.options.batch);
          this.dispatch(rows);
          if (rows.length < this.options.batch) break;
        }
      } while (this.again && !this.closed);
    } catch (err) {
      if (this.closed) return;
      this.log.warn({ err }, 'stream tailer read failed; retrying');
      this.timers.push(setTimeout(() => this.wake(), 1_000).unref());
    }
  }

  private async read(after: number, limit: number): Promise<Row[]> {
    this.reads++;
    const res = await sql<Row>`
      (SELECT e.pos, e.chat_id::text AS chat_id, NULL::text AS user_id, e.type, e.payload FROM chat_events e
        WHERE e.pos > ${after} AND e.pos <= (SELECT s.head FROM stream_state s WHERE s.id = 1)
        ORDER BY e.pos LIMIT ${limit})
      UNION ALL
      (SELECT u.pos, NULL::text AS chat_id, u.user_id::text AS user_id, u.type, u.payload FROM user_events u
        WHERE u.pos > ${after} AND u.pos <= (SELECT s.head FROM stream_state s WHERE s.id = 1)
        ORDER BY u.pos LIMIT ${limit})
      ORDER BY pos LIMIT ${limit}`.execute(this.db);
    this.rowsRead += res.rows.length;
    return res.rows;
  }

  private dispatch(rows: (Row | CommittedEvent)[]): void {
    for (const r of rows) {
      const pos = Number(r.pos);
      if (pos <= this.position) continue;
      this.position = pos;
      const set = r.chat_id !== null ? this.byChat.get(r.chat_id) : r.user_id !== null ? this.byUser.get(r.user_id) : undefined;
      if (!set || set.size === 0) continue;
      const payload = (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as Record<string, unknown>;
      const chatId = r.chat_id ?? (typeof payload.chatId === 'string' ? payload.chatId : null);
      const frame = Buffer.from(updateFrame(JSON.stringify({ ...payload, type: r.type, pos })));
      const update: TailedUpdate = { pos, type: r.type, chatId, frame, wire: textFrame(frame) };
      // A copy: a chat.removed makes its listener leave the chat's set while we walk it.
      for (const l of [...set]) {
        try {
          l.onTail(update);
        } catch (err) {
          this.log.error({ err }, 'realtime listener failed');
        }
      }
    }
  }

  addUser(l: TailListener): void {
    add(this.byUser, l.userId, l);
  }

  removeUser(l: TailListener): void {
    remove(this.byUser, l.userId, l);
  }

  follow(chatId: string, l: TailListener): void {
    add(this.byChat, chatId, l);
  }

  unfollow(chatId: string, l: TailListener): void {
    remove(this.byChat, chatId, l);
  }

  get followedChats(): number {
    return this.byChat.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.offLocal();
    for (const t of this.timers) clearTimeout(t);
    await this.ready.catch(() => {});
    await this.off?.().catch(() => {});
  }
}

function add(map: Map<string, Set<TailListener>>, key: string, l: TailListener): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(l);
}

function remove(map: Map<string, Set<TailListener>>, key: string, l: TailListener): void {
  const set = map.get(key);
  if (!set || !set.delete(l) || set.size > 0) return;
  map.delete(key);
}
