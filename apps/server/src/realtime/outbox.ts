import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { textFrameOf } from './frames.ts';

export interface OutboxLimits {
  /** Bytes written to the socket and not yet taken by the kernel, above which frames wait in the outbox. */
  highWaterBytes: number;
  /** Durable bytes waiting in the outbox above which the connection is given up. */
  maxBacklogBytes: number;
}

/**
 * Outboxes with frames of this turn, written together at the end of it. A turn is one pass of the
 * event loop: the frames its I/O callbacks give (the answer to a send, read from the database's
 * reply) and those of the immediates queued before the flush (the batch's fan-out, queued when the
 * batch's statement returned) go out as one write per socket, so a sender gets the answer to its
 * send and its own update in one system call.
 */
const toFlush = new Set<Outbox>();
let flushQueued = false;

function flushAll(): void {
  flushQueued = false;
  const outboxes = [...toFlush];
  toFlush.clear();
  for (const o of outboxes) o.flush();
}

/**
 * The bounded send queue of one connection. Frames go to the socket while it keeps up; when it
 * does not, durable frames wait here in order and ephemeral ones are dropped. A durable backlog
 * over the cap calls `onOverflow` (the gateway closes the connection and the client resumes).
 * Nothing here waits on another connection, so a slow client never delays the others.
 *
 * Frames are WebSocket text frames (frames.ts) written to the connection's TCP socket. The frames
 * one turn of the event loop gives a socket (the updates of a batch of sends in its chats, the
 * answer to its own send) are written together at the end of the turn (`toFlush` above): one
 * system call, where a write per frame costs a system call each (the largest part of fan-out).
 */
export class Outbox {
  /** Durable frames waiting for the socket to drain. */
  private readonly queue: Buffer[] = [];
  private head = 0;
  private backlogBytes = 0;
  /** Frames of this turn, written by `flush`. */
  private turn: Buffer[] = [];
  private turnBytes = 0;
  private drainWaiters: (() => void)[] = [];
  private overflowed = false;
  private pumpQueued = false;
  droppedEphemeral = 0;
  sentFrames = 0;
  /** System calls' worth of writes: turns flushed and backlog pumps (for stats and tests). */
  writes = 0;

  /**
   * @param socket the `ws` WebSocket (its state; its control frames)
   * @param raw the TCP socket under it, which the frames are written to
   */
  constructor(
    private readonly socket: WebSocket,
    private readonly raw: Duplex,
    private readonly limits: OutboxLimits,
    private readonly onOverflow: () => void,
  ) {
    raw.on('drain', () => this.pump());
  }

  /** Frames waiting (not yet written to the socket). */
  get waiting(): number {
    return this.queue.length - this.head;
  }

  get durableBacklogBytes(): number {
    return this.backlogBytes;
  }

  /** A frame's JSON text. */
  send(text: string, durable: boolean): void {
    if (this.usable()) this.sendFrame(textFrameOf(text), durable);
  }

  /** A frame already built (`textFrame`), as many sockets send the same update. */
  sendFrame(frame: Buffer, durable: boolean): void {
    if (!this.usable()) return;
    const congested = this.waiting > 0 || this.raw.writableLength + this.turnBytes >= this.limits.highWaterBytes;
    if (!congested) {
      this.turn.push(frame);
      this.turnBytes += frame.length;
      if (this.turn.length === 1) {
        toFlush.add(this);
        if (!flushQueued) {
          flushQueued = true;
          setImmediate(flushAll);
        }
      }
      return;
    }
    if (!durable) {
      this.droppedEphemeral++;
      return;
    }
    this.queue.push(frame);
    this.backlogBytes += frame.length;
    if (this.backlogBytes > this.limits.maxBacklogBytes) {
      this.overflowed = true;
      this.clear();
      this.onOverflow();
    }
  }

  /** Writes this turn's frames now (before a close frame, say); otherwise they go when the turn ends. */
  flush(): void {
    const frames = this.turn;
    if (frames.length === 0) return;
    this.turn = [];
    this.turnBytes = 0;
    toFlush.delete(this);
    this.write(frames);
  }

  /** Resolves when nothing waits in the outbox (frames may still be in the socket's buffers). */
  drained(): Promise<void> {
    if (this.waiting === 0 || this.overflowed) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  clear(): void {
    this.queue.length = 0;
    this.head = 0;
    this.backlogBytes = 0;
    this.turn = [];
    this.turnBytes = 0;
    toFlush.delete(this);
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }

  /** Open, and no close frame sent: nothing may follow a close frame. */
  private usable(): boolean {
    return !this.overflowed && this.socket.readyState === this.socket.OPEN && this.raw.writable;
  }

  private write(frames: Buffer[]): void {
    if (!this.usable()) return;
    this.sentFrames += frames.length;
    this.writes++;
    const below = this.raw.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
    // The kernel took it all: no 'drain' will come, so the backlog goes on the next turn.
    if (below && this.waiting > 0 && !this.pumpQueued) {
      this.pumpQueued = true;
      setImmediate(() => {
        this.pumpQueued = false;
        this.pump();
      });
    }
  }

  /** The socket drained: the backlog goes out, as much as the high-water mark allows, in one write. */
  private pump(): void {
    if (this.waiting > 0) {
      if (!this.usable()) {
        this.clear();
        return;
      }
      const frames: Buffer[] = [];
      let bytes = this.raw.writableLength;
      while (this.waiting > 0 && bytes < this.limits.highWaterBytes) {
        const next = this.queue[this.head]!;
        this.queue[this.head++] = undefined as unknown as Buffer;
        this.backlogBytes -= next.length;
        bytes += next.length;
        frames.push(next);
      }
      this.write(frames);
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
    }
    if (this.waiting === 0 && this.drainWaiters.length) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of waiters) w();
    }
  }
}
