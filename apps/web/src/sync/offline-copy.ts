import type { Chat, Message } from '@parta/protocol';
import type { Store } from '../lib/store.ts';

/** The service worker's cache of the last chat list and newest history pages (sw-source.js, `DATA`). */
export const OFFLINE_CACHE = 'parta-data';

export interface CopiedHistory {
  messages: Message[];
  hasMoreBefore: boolean;
  loaded: boolean;
  loading: boolean;
  /** The messages run up to the newest one (not a window around a message found by search). */
  newest?: boolean;
}

/** The newest page of a history, as `GET /chats/:id/messages?limit=N` answers it. */
export function newestPage(h: CopiedHistory, page: number): { messages: Message[]; hasMore: boolean } {
  const messages = h.messages.slice(-page);
  return { messages, hasMore: h.hasMoreBefore || h.messages.length > page };
}

/**
 * Keeps the offline copy current. The service worker stores each answer of the chat list and of a
 * chat's newest page as it passes, but after that a chat follows the stream, not HTTP: a copy taken
 * when the chat was opened would show an hour-old history to someone who reopens the app offline.
 * So, a moment after the chat list or an open history changes, the same answers are written again
 * from what the client now holds, under the addresses the app asks for them.
 */
export function keepOfflineCopy(
  stores: { chats: Store<Chat[] | null>; histories: Store<Record<string, CopiedHistory>>; position: () => number | null },
  page: number,
  delayMs = 300,
): () => void {
  if (typeof caches === 'undefined') return () => {};
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;
  let lastChats: Chat[] | null = null;
  const lastHistories = new Map<string, CopiedHistory>();

  const write = async () => {
    timer = null;
    if (stopped) return;
    const writes: [string, unknown][] = [];
    const chats = stores.chats.get();
    const position = stores.position();
    if (chats && chats !== lastChats && position !== null) {
      writes.push(['/api/v1/chats', { chats, position }]);
      lastChats = chats;
    }
    for (const [chatId, h] of Object.entries(stores.histories.get())) {
      if (lastHistories.get(chatId) === h || !h.loaded || h.loading || !h.newest) continue;
      lastHistories.set(chatId, h);
      writes.push([`/api/v1/chats/${chatId}/messages?limit=${page}`, newestPage(h, page)]);
    }
    if (!writes.length) return;
    try {
      const cache = await caches.open(OFFLINE_CACHE);
      for (const [url, body] of writes) {
        if (stopped) return;
        await cache.put(url, new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } }));
      }
    } catch {
      /* no cache storage (private mode, quota): the service worker's own copy stays */
    }
  };
  const schedule = () => {
    if (!stopped && !timer) timer = setTimeout(() => void write(), delayMs);
  };
  // Closing or hiding the app writes at once what is still waiting.
  const now = () => {
    if (!timer) return;
    clearTimeout(timer);
    void write();
  };
  const onHidden = () => document.visibilityState === 'hidden' && now();
  const offChats = stores.chats.subscribe(schedule);
  const offHistories = stores.histories.subscribe(schedule);
  document.addEventListener('visibilitychange', onHidden);
  window.addEventListener('pagehide', now);
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    offChats();
    offHistories();
    document.removeEventListener('visibilitychange', onHidden);
    window.removeEventListener('pagehide', now);
  };
}
