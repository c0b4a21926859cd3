import { ApiError } from '../lib/api.ts';
import { createStore, type Store } from '../lib/store.ts';

/**
 * The journal's saves, made as they are typed and kept until the server has them: the same
 * design as the message outbox (sync/outbox.ts). Each change has a key (its cell, or a lesson's
 * column); a newer change of the same key replaces an unsent one, since the last value is what
 * counts. Network failures go back to the queue and are retried when the connection returns;
 * refusals by the server are reported and dropped. The queue survives a reload.
 */
export interface Save {
  key: string;
  method: 'PUT' | 'DELETE' | 'PATCH';
  path: string;
  body?: unknown;
}

export interface QueueState {
  pending: Save[];
  inFlight: number;
  lastError: { key: string; error: unknown } | null;
  savedAt: number | null;
}

const STORAGE = 'parta.diary.saves';

export class SaveQueue {
  readonly state: Store<QueueState>;
  private running = false;

  constructor(private readonly send: (s: Save) => Promise<unknown>) {
    let pending: Save[] = [];
    try {
      pending = JSON.parse(localStorage.getItem(STORAGE) ?? '[]') as Save[];
    } catch {
      pending = [];
    }
    this.state = createStore<QueueState>({ pending, inFlight: 0, lastError: null, savedAt: null });
    this.state.subscribe(() => {
      try {
        localStorage.setItem(STORAGE, JSON.stringify(this.state.get().pending));
      } catch {
        /* storage unavailable: the queue lives in memory */
      }
    });
    if (typeof window !== 'undefined') window.addEventListener('online', () => void this.run());
    void this.run();
  }

  add(save: Save): void {
    this.state.set((s) => ({ ...s, pending: [...s.pending.filter((p) => p.key !== save.key), save] }));
    void this.run();
  }

  /** Sends the queue in order, one at a time, until it is empty or the network fails. */
  async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (;;) {
        const next = this.state.get().pending[0];
        if (!next) return;
        this.state.set((s) => ({ ...s, inFlight: 1 }));
        try {
          await this.send(next);
          this.state.set((s) => ({
            ...s,
            pending: s.pending.filter((p) => p !== next),
            inFlight: 0,
            savedAt: Date.now(),
            lastError: s.lastError?.key === next.key ? null : s.lastError,
          }));
        } catch (err) {
          if (err instanceof ApiError && err.isNetwork) {
            this.state.set((s) => ({ ...s, inFlight: 0 }));
            setTimeout(() => void this.run(), 5000);
            return;
          }
          this.state.set((s) => ({ ...s, pending: s.pending.filter((p) => p !== next), inFlight: 0, lastError: { key: next.key, error: err } }));
        }
      }
    } finally {
      this.running = false;
    }
  }
}
