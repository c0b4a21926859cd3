/**
 * Fan-out between server processes. A producer publishes after its transaction commits;
 * every process subscribed to the topic (including the producer's own) receives the message.
 * In-process by default; Redis when REDIS_URL is set (see redis-pubsub.ts).
 */
export type PubSubHandler = (topic: string, message: string) => void;

export interface PubSub {
  readonly name: string;
  publish(topic: string, message: string): Promise<void>;
  /** Returns a function that unsubscribes. */
  subscribe(topic: string, handler: PubSubHandler): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export class InProcessPubSub implements PubSub {
  readonly name = 'in-process';
  private readonly topics = new Map<string, Set<PubSubHandler>>();

  async publish(topic: string, message: string): Promise<void> {
    const handlers = this.topics.get(topic);
    if (!handlers) return;
    // Deliver asynchronously, as a broker would: publishers never run subscribers' code inline.
    queueMicrotask(() => {
      for (const h of handlers) h(topic, message);
    });
  }

  async subscribe(topic: string, handler: PubSubHandler): Promise<() => Promise<void>> {
    let set = this.topics.get(topic);
    if (!set) this.topics.set(topic, (set = new Set()));
    set.add(handler);
    return async () => {
      set.delete(handler);
      if (set.size === 0) this.topics.delete(topic);
    };
  }

  async close(): Promise<void> {
    this.topics.clear();
  }
}
