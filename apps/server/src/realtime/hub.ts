import type { Logger } from 'pino';
import type { PubSub } from './pubsub.ts';

/** What one pub/sub message means to the connections of a topic; decoded once per process, not per connection. */
export type HubListener<E> = (topic: string, event: E) => void;

interface TopicEntry<E> {
  listeners: Set<HubListener<E>>;
  unsubscribe: Promise<(() => Promise<void>) | null>;
}

/**
 * One pub/sub subscription per topic per process, shared by all local connections that follow it.
 * The message is decoded once; then every listener of the topic gets the decoded event.
 */
export class TopicHub<E> {
  private readonly topics = new Map<string, TopicEntry<E>>();

  constructor(
    private readonly pubsub: PubSub,
    private readonly decode: (topic: string, message: string) => E | null,
    private readonly log: Logger,
  ) {}

  /** Resolves once messages of the topic reach the listener. */
  async add(topic: string, listener: HubListener<E>): Promise<void> {
    let entry = this.topics.get(topic);
    if (!entry) {
      const fresh: TopicEntry<E> = { listeners: new Set(), unsubscribe: Promise.resolve(null) };
      fresh.unsubscribe = this.pubsub
        .subscribe(topic, (t, message) => this.dispatch(fresh, t, message))
        .catch((err) => {
          this.log.error({ err, topic }, 'pub/sub subscribe failed');
          if (this.topics.get(topic) === fresh) this.topics.delete(topic);
          throw err;
        });
      this.topics.set(topic, fresh);
      entry = fresh;
    }
    entry.listeners.add(listener);
    await entry.unsubscribe;
  }

  remove(topic: string, listener: HubListener<E>): void {
    const entry = this.topics.get(topic);
    if (!entry || !entry.listeners.delete(listener) || entry.listeners.size > 0) return;
    this.topics.delete(topic);
    void entry.unsubscribe.then((off) => off?.()).catch(() => {});
  }

  get topicCount(): number {
    return this.topics.size;
  }

  private dispatch(entry: TopicEntry<E>, topic: string, message: string): void {
    if (entry.listeners.size === 0) return;
    let event: E | null;
    try {
      event = this.decode(topic, message);
    } catch (err) {
      this.log.warn({ err, topic }, 'undecodable pub/sub message');
      return;
    }
    if (event === null) return;
    for (const listener of entry.listeners) {
      try {
        listener(topic, event);
      } catch (err) {
        this.log.error({ err, topic }, 'realtime listener failed');
      }
    }
  }
}
