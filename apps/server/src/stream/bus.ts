import type { Logger } from 'pino';
import type { PubSub } from '../realtime/pubsub.ts';

/**
 * The pub/sub topic that wakes every process's stream readers (realtime/tailer.ts, the
 * notifications worker) after a commit. Its message is `{"pos":N}`, the highest position
 * committed: the updates themselves are read from the tables, in position order, never taken
 * from pub/sub.
 */
export const STREAM_TOPIC = 'stream';

/** A committed event as the stream tailer reads it (realtime/tailer.ts). */
export interface CommittedEvent {
  pos: number;
  chat_id: string | null;
  user_id: string | null;
  type: string;
  payload: Record<string, unknown>;
}

export type CommittedListener = (events: CommittedEvent[]) => void;

/**
 * How the stream's readers learn that something was committed: within this process, events
 * handed over directly (`offer`, so the tailer need not read back what it has just written); across
 * processes, a wake-up on pub/sub (`publish`). One per process, on the context (`ctx.stream`).
 * Both are hints: the tables are the truth, and every reader also catches up by reading them.
 */
export class StreamBus {
  private readonly listeners = new Set<CommittedListener>();

  constructor(
    readonly pubsub: PubSub,
    private readonly log: Logger,
  ) {}

  /**
   * Tells every process that positions up to `pos` are committed. Never throws; the pub/sub bounds
   * how long it waits (realtime/redis-pubsub.ts), so a broker that is down holds no request.
   */
  async publish(pos: number): Promise<void> {
    try {
      await this.pubsub.publish(STREAM_TOPIC, `{"pos":${pos}}`);
    } catch (err) {
      // The events are stored: readers poll, and clients catch up through readStream.
      this.log.warn({ err }, 'publishing a stream wake-up failed');
    }
  }

  /** Subscribes to every process's wake-ups; `pos` is the committed position the wake-up names, if any. */
  wakeups(handler: (pos: number | undefined) => void): Promise<() => Promise<void>> {
    return this.pubsub.subscribe(STREAM_TOPIC, (_topic, message) => handler(wakePosition(message)));
  }

  /** Hands events this process has just committed to its own readers. */
  offer(events: CommittedEvent[]): void {
    for (const l of this.listeners) l(events);
  }

  onCommitted(listener: CommittedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The position a wake-up names, or undefined when it names none (or is not one of ours). */
export function wakePosition(message: string): number | undefined {
  try {
    const pos = (JSON.parse(message) as { pos?: unknown }).pos;
    return typeof pos === 'number' && Number.isFinite(pos) ? pos : undefined;
  } catch {
    return undefined;
  }
}
