import type { WebSocket } from 'ws';

export interface OutboxLimits {
  /** Bytes handed to the socket and not yet flushed, above which frames wait in the outbox. */
  highWaterBytes: number;
  /** Durable bytes waiting in the outbox above which the connection is given up. */
  maxBacklogBytes: number;
}

interface Pending {
  data: string | Buffer;
  durable: boolean;
}

/**
 * The bounded send queue of one connection. Frames go to the socket while it keeps up; when it
 * does not, durable frames wait here in order and ephemeral ones are dropped. A durable backlog
 * over the cap calls `onOverflow` (the gateway closes the connection and the client resumes).
 * Nothing here waits on another connection, so a slow client never delays the others.
 */
export class Outbox {
  private readonly queue: Pending[] = [];
  private head = 0;
  private inFlightBytes = 0;
  private backlogBytes = 0;
  private drainWaiters: (() => void)[] = [];
  private overflowed = false;
  droppedEphemeral = 0;
  sentFrames = 0;

  constructor(
    private readonly socket: WebSocket,
    private readonly limits: OutboxLimits,
    private readonly onOverflow: () => void,
  ) {}

  /** Frames waiting (not yet handed to the socket). */
  get waiting(): number {
    return this.queue.length - this.head;
  }

  get durableBacklogBytes(): number {
    return this.backlogBytes;
  }

  /** `data`: a frame's text, or its UTF-8 bytes when many sockets send the same frame (sizes: a string's length stands for its bytes). */
  send(data: string | Buffer, durable: boolean): void {
    if (this.overflowed || this.socket.readyState !== this.socket.OPEN) return;
    const congested = this.waiting > 0 || this.inFlightBytes >= this.limits.highWaterBytes;
    if (!congested) {
      this.write(data);
      return;
    }
    if (!durable) {
      this.droppedEphemeral++;
      return;
    }
    this.queue.push({ data, durable });
    this.backlogBytes += data.length;
    if (this.backlogBytes > this.limits.maxBacklogBytes) {
      this.overflowed = true;
      this.clear();
      this.onOverflow();
    }
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
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }

  private write(data: string | Buffer): void {
    const size = data.length;
    this.inFlightBytes += size;
    this.sentFrames++;
    // Always a text frame: `ws` would send bytes as a binary one, which browsers hand over as a Blob.
    this.socket.send(data, { binary: false }, () => {
      this.inFlightBytes -= size;
      this.pump();
    });
  }

  private pump(): void {
    while (this.waiting > 0 && this.inFlightBytes < this.limits.highWaterBytes) {
      if (this.socket.readyState !== this.socket.OPEN) {
        this.clear();
        return;
      }
      const next = this.queue[this.head]!;
      this.queue[this.head++] = undefined as unknown as Pending;
      if (next.durable) this.backlogBytes -= next.data.length;
      this.write(next.data);
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    if (this.waiting === 0 && this.drainWaiters.length) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of waiters) w();
    }
  }
}
