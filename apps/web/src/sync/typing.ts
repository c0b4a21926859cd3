import { createStore, type Store } from '../lib/store.ts';

export type TypingState = Record<string, { userId: string; until: number }[]>;

/** How long «печатает…» is shown after a `typing` frame (the sender repeats it while typing). */
export const TYPING_MS = 5000;

/**
 * Who is typing where. An entry goes away by itself when its time is up (a timer, not the next
 * render), and at once when that person's message arrives in that chat.
 */
export class TypingTracker {
  readonly store: Store<TypingState> = createStore<TypingState>({});
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A `typing` frame from `userId` in `chatId`. */
  seen(chatId: string, userId: string): void {
    const until = this.now() + TYPING_MS;
    this.store.set((t) => ({ ...t, [chatId]: [...(t[chatId] ?? []).filter((x) => x.userId !== userId), { userId, until }] }));
    const key = `${chatId}:${userId}`;
    const old = this.timers.get(key);
    if (old) clearTimeout(old);
    this.timers.set(
      key,
      setTimeout(() => this.clear(chatId, userId), TYPING_MS),
    );
  }

  /** `userId` stopped typing in `chatId` (their message arrived, or the time is up). */
  clear(chatId: string, userId: string): void {
    const key = `${chatId}:${userId}`;
    const timer = this.timers.get(key);
    if (timer) clearTimeout(timer);
    this.timers.delete(key);
    const list = this.store.get()[chatId];
    if (!list?.some((x) => x.userId === userId)) return;
    this.store.set((t) => {
      const rest = (t[chatId] ?? []).filter((x) => x.userId !== userId);
      const { [chatId]: _gone, ...others } = t;
      return rest.length ? { ...others, [chatId]: rest } : others;
    });
  }

  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
