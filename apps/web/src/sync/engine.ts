import {
  Chat as ChatSchema,
  ChatList,
  MessagePage,
  type SentMessage,
  WsClose,
  WsServerFrame,
  type Chat,
  type Message,
  type SendMessageBody,
  type Update,
  type WsClientFrame,
} from '@parta/protocol';
import type { Api } from '../lib/api.ts';
import { ApiError } from '../lib/api.ts';
import { createStore, type Store } from '../lib/store.ts';
import { applyToChats, applyToHistory, mergeMessages, type History } from './messages.ts';
import * as outbox from './outbox.ts';
import { backoffMs, initialSyncState, nextSyncState, type SyncEvent, type SyncState } from './state.ts';
import { keepOfflineCopy } from './offline-copy.ts';
import { TypingTracker } from './typing.ts';

export interface ChatHistory extends History {
  loading: boolean;
  loaded: boolean;
  /** The loaded messages run up to the chat's newest (false for a window opened around a found message). */
  newest?: boolean;
}

export interface Notice {
  id: number;
  chatId: string;
  text: string;
}

export interface EngineOptions {
  api: Api;
  token: string;
  userId: string;
  wsUrl: string;
  onSignedOut: () => void;
}

const PAGE = 50;
/** Older history comes in bigger pages: scrolling back through thousands of messages takes fewer requests. */
const OLDER_PAGE = 200;

/**
 * Keeps the client's chats and histories in step with the server:
 * 1. opens the WebSocket and registers for updates first;
 * 2. then loads state over HTTP, applying what arrived meanwhile after the state's position;
 * 3. follows the stream, remembering the last applied position, and resumes from it after a reconnect;
 * 4. sends written messages from the outbox (local echo) as `send` frames on that connection,
 *    reconciled with the stored ones by clientId.
 */
export class SyncEngine {
  readonly sync: Store<SyncState> = createStore(initialSyncState);
  readonly chats: Store<Chat[] | null> = createStore<Chat[] | null>(null);
  readonly histories: Store<Record<string, ChatHistory>> = createStore({});
  readonly outbox: Store<outbox.Outgoing[]>;
  private readonly typists = new TypingTracker();
  readonly typing = this.typists.store;
  /** Bumped each time the connection becomes live again after being lost: views reload what failed meanwhile. */
  readonly liveEpoch: Store<number> = createStore(0);
  readonly notices: Store<Notice[]> = createStore<Notice[]>([]);
  /** Bumped on every applied update of a chat (for views that refetch derived data, e.g. receipts). */
  readonly chatTicks: Store<Record<string, number>> = createStore({});
  /** Bumped for a poll whenever its results change (`poll.updated`): shown polls fetch them again. */
  readonly pollTicks: Store<Record<string, number>> = createStore({});
  /** A bot's answers to the buttons this account pressed, by message (bots/BotParts.tsx). */
  readonly botAnswers: Store<Record<string, { text: string | null; showAlert: boolean; url: string | null; at: number }>> = createStore({});
  /** Listeners of diary events (`diary.*`): the open journal and diary screens. */
  private readonly diaryListeners = new Set<(u: Update) => void>();

  private ws: WebSocket | null = null;
  private position: number | null = null;
  private buffer: Update[] | null = null;
  private stopped = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  private lastFrameAt = 0;
  private flushing = false;
  private noticeId = 0;
  /** `send` frames waiting for their answer, by ref. */
  private readonly sending = new Map<string, { resolve: (m: SentMessage) => void; reject: (e: ApiError) => void }>();
  private sendRefs = 0;
  private readonly typingSentAt = new Map<string, number>();
  private stopOfflineCopy: (() => void) | null = null;

  constructor(private readonly o: EngineOptions) {
    this.outbox = createStore(outbox.restore(readJson(this.key('outbox'))));
    this.outbox.subscribe(() => writeJson(this.key('outbox'), this.outbox.get()));
    let wasLive = false;
    this.sync.subscribe(() => {
      const live = this.sync.get().status === 'live';
      if (live) void this.flush();
      if (live && !wasLive) this.liveEpoch.set((n) => n + 1);
      wasLive = live;
    });
  }

  private key(name: string) {
    return `parta.u.${this.o.userId}.${name}`;
  }

  private dispatch(e: SyncEvent) {
    this.sync.set(nextSyncState(this.sync.get(), e));
  }

  start(): void {
    this.stopped = false;
    this.stopOfflineCopy ??= keepOfflineCopy({ chats: this.chats, histories: this.histories, position: () => this.position }, PAGE);
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.stopOfflineCopy?.();
    this.stopOfflineCopy = null;
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOffline);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.stopHeartbeat();
    this.typists.stop();
    this.ws?.close(1000);
    this.ws = null;
  }

  private onOnline = () => {
    if (this.ws || this.stopped) return;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.connect();
  };

  /** The browser knows the network is gone: do not wait for the heartbeat to notice. */
  private onOffline = () => {
    if (this.ws) this.lost(this.ws, 4000);
  };

  private connect(): void {
    this.reconnectTimer = null;
    const ws = new WebSocket(this.o.wsUrl);
    this.ws = ws;
    ws.onopen = () => {
      this.dispatch({ type: 'open' });
      // Resume from the last applied position when there is loaded state to resume; else only new updates.
      const after = this.sync.get().loaded ? this.position : null;
      this.send({ type: 'auth', token: this.o.token, ...(after !== null ? { after } : {}) });
      this.lastFrameAt = Date.now();
    };
    ws.onmessage = (ev) => {
      this.lastFrameAt = Date.now();
      let data: unknown;
      try {
        data = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      const frame = WsServerFrame.safeParse(data);
      if (frame.success) this.onFrame(frame.data);
    };
    ws.onclose = (ev) => this.lost(ws, ev.code);
  }

  /** The connection is gone (closed by either side, or given up as dead): reconnect with backoff. */
  private lost(ws: WebSocket, code: number): void {
    if (this.ws !== ws) return;
    this.ws = null;
    ws.onclose = ws.onmessage = ws.onopen = null;
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(4000);
    this.stopHeartbeat();
    this.buffer = null;
    // Their answers went with the connection: the outbox sends them again (same clientId, one message).
    for (const p of this.sending.values()) p.reject(new ApiError('network', 0, 'connection lost'));
    this.sending.clear();
    if (code === WsClose.unauthenticated) {
      this.o.onSignedOut();
      return;
    }
    const wasLoaded = this.sync.get().loaded;
    this.dispatch({ type: 'closed' });
    if (!wasLoaded && this.chats.get() === null) void this.loadCachedChats();
    if (this.stopped) return;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.connect(), backoffMs(this.sync.get().attempts));
  }

  private send(frame: WsClientFrame): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  /** At most one `typing` frame per chat every 2 s (the gateway limits them per connection). */
  sendTyping(chatId: string): void {
    const now = Date.now();
    if (this.sync.get().status !== 'live' || now - (this.typingSentAt.get(chatId) ?? 0) < 2000) return;
    this.typingSentAt.set(chatId, now);
    this.send({ type: 'typing', chatId });
  }

  private startHeartbeat(seconds: number) {
    this.stopHeartbeat();
    const every = Math.max(5, seconds) * 1000;
    this.heartbeatTimer = setInterval(() => {
      if (Date.now() - this.lastFrameAt > every * 2.5) {
        // No answer for too long: the connection is dead even if the browser has not noticed.
        if (this.ws) this.lost(this.ws, 4000);
        return;
      }
      this.send({ type: 'ping' });
    }, every);
  }

  private stopHeartbeat() {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private onFrame(f: WsServerFrame): void {
    switch (f.type) {
      case 'ready':
        this.startHeartbeat(f.heartbeatSeconds);
        if (this.sync.get().loaded) {
          this.position = Math.max(this.position ?? 0, f.position);
          this.dispatch({ type: 'ready' });
        } else {
          this.dispatch({ type: 'ready' });
          void this.loadState();
        }
        return;
      case 'update':
        if (this.buffer) this.buffer.push(f.update);
        else this.apply(f.update);
        return;
      case 'resync':
        this.dispatch({ type: 'resync' });
        this.histories.set({});
        void this.loadState();
        return;
      case 'sent':
        this.sending.get(f.ref)?.resolve(f.message);
        this.sending.delete(f.ref);
        return;
      case 'error':
        if (f.ref === undefined) return;
        this.sending.get(f.ref)?.reject(new ApiError(f.code, f.status ?? 400, f.message, f.details));
        this.sending.delete(f.ref);
        return;
      case 'typing': {
        if (f.userId !== this.o.userId) this.typists.seen(f.chatId, f.userId);
        return;
      }
      default:
        return;
    }
  }

  /** Loads the chat list; updates that arrive meanwhile wait, then those after the list's position apply. */
  private async loadState(): Promise<void> {
    this.buffer = [];
    const ws = this.ws;
    try {
      const list = await this.o.api.get('/api/v1/chats', ChatList);
      if (this.ws !== ws) return;
      this.chats.set(list.chats);
      this.position = list.position;
      const waiting = this.buffer ?? [];
      this.buffer = null;
      for (const u of waiting) if (u.pos > list.position) this.apply(u);
      // Open histories are refetched so they match the fresh state.
      for (const chatId of Object.keys(this.histories.get())) void this.loadLatest(chatId);
      this.dispatch({ type: 'loaded' });
    } catch {
      this.buffer = null;
      if (ws && this.ws === ws) this.lost(ws, 4000);
    }
  }

  /** Offline start: show the last chat list the service worker kept, until the connection returns. */
  private async loadCachedChats(): Promise<void> {
    try {
      const list = await this.o.api.get('/api/v1/chats', ChatList);
      if (this.chats.get() === null) this.chats.set(list.chats);
    } catch {
      /* nothing cached */
    }
  }

  private apply(u: Update): void {
    if (this.position !== null && u.pos <= this.position) return;
    this.position = u.pos;
    const chats = this.chats.get();
    if (chats) this.chats.set(applyToChats(chats, u, this.o.userId));
    if ('chatId' in u) {
      const h = this.histories.get()[u.chatId];
      if (h) this.histories.set((all) => ({ ...all, [u.chatId]: { ...h, ...applyToHistory(h, u) } }));
      if (u.type === 'chat.removed') this.histories.set(({ [u.chatId]: _gone, ...rest }) => rest);
      this.chatTicks.set((t) => ({ ...t, [u.chatId]: (t[u.chatId] ?? 0) + 1 }));
    }
    // The stream's copy of a new chat is brief (no title or member count yet): ask for the full one.
    if (u.type === 'chat.added') void this.refreshChat(u.chatId);
    if (u.type === 'bot.callback_answer')
      this.botAnswers.set((a) => ({ ...a, [u.messageId]: { text: u.text, showAlert: u.showAlert, url: u.url, at: Date.now() } }));
    if (u.type === 'poll.updated') this.pollTicks.set((t) => ({ ...t, [u.pollId]: (t[u.pollId] ?? 0) + 1 }));
    if (u.type.startsWith('diary.')) for (const l of this.diaryListeners) l(u);
    if (u.type === 'message.new' && u.message.author.userId) this.typists.clear(u.chatId, u.message.author.userId);
    if (u.type === 'message.new' && u.message.author.userId === this.o.userId) {
      this.outbox.set((q) => outbox.settle(q, [u.message.clientId]));
    }
  }

  /** Follows diary events while a journal or diary is open; returns the unsubscribe. */
  onDiary(listener: (u: Update) => void): () => void {
    this.diaryListeners.add(listener);
    return () => this.diaryListeners.delete(listener);
  }

  /** A chat not in the list yet (just opened, or its update is still on the way): fetch it. False when it is not mine. */
  async ensureChat(chatId: string): Promise<boolean> {
    if (this.chats.get()?.some((c) => c.id === chatId)) return true;
    try {
      const chat = await this.o.api.get(`/api/v1/chats/${chatId}`, ChatSchema);
      this.chats.set((list) => (list && !list.some((c) => c.id === chat.id) ? [...list, chat] : list));
      return true;
    } catch {
      return false;
    }
  }

  private async refreshChat(chatId: string): Promise<void> {
    try {
      const chat = await this.o.api.get(`/api/v1/chats/${chatId}`, ChatSchema);
      this.chats.set((list) => list && list.map((c) => (c.id === chat.id ? chat : c)));
    } catch {
      /* removed meanwhile: the stream says so */
    }
  }

  // ---- histories ----

  /** Loads the newest page of a chat (merged with what the stream delivered meanwhile). */
  async loadLatest(chatId: string): Promise<void> {
    this.histories.set((all) => ({
      ...all,
      [chatId]: {
        messages: all[chatId]?.messages ?? [],
        hasMoreBefore: all[chatId]?.hasMoreBefore ?? true,
        loading: true,
        loaded: all[chatId]?.loaded ?? false,
      },
    }));
    try {
      const page = await this.o.api.get(`/api/v1/chats/${chatId}/messages?limit=${PAGE}`, MessagePage);
      this.histories.set((all) => {
        const cur = all[chatId];
        const messages = mergeMessages(page.messages, cur?.messages ?? []);
        const hasMoreBefore = cur?.loaded ? cur.hasMoreBefore || page.hasMore : page.hasMore;
        return { ...all, [chatId]: { messages, hasMoreBefore, loading: false, loaded: true, newest: true } };
      });
      this.outbox.set((q) =>
        outbox.settle(
          q,
          page.messages.filter((m) => m.author.userId === this.o.userId).map((m) => m.clientId),
        ),
      );
    } catch {
      this.histories.set((all) => ({ ...all, [chatId]: { ...all[chatId]!, loading: false } }));
    }
  }

  /** Loads the page before the oldest loaded message. */
  async loadOlder(chatId: string): Promise<void> {
    const h = this.histories.get()[chatId];
    if (!h || h.loading || !h.hasMoreBefore) return;
    const oldest = h.messages[0]?.seq;
    if (oldest === undefined) return;
    this.histories.set((all) => ({ ...all, [chatId]: { ...all[chatId]!, loading: true } }));
    try {
      const page = await this.o.api.get(`/api/v1/chats/${chatId}/messages?before=${oldest}&limit=${OLDER_PAGE}`, MessagePage);
      this.histories.set((all) => ({
        ...all,
        [chatId]: { ...all[chatId]!, messages: mergeMessages(all[chatId]!.messages, page.messages), hasMoreBefore: page.hasMore, loading: false },
      }));
    } catch {
      this.histories.set((all) => ({ ...all, [chatId]: { ...all[chatId]!, loading: false } }));
    }
  }

  /** A message the view knows of (e.g. from search) that may not be loaded yet: loads around it. */
  async loadAround(chatId: string, seq: number): Promise<void> {
    const h = this.histories.get()[chatId];
    if (h?.messages.some((m) => m.seq === seq)) return;
    const [before, after] = await Promise.all([
      this.o.api.get(`/api/v1/chats/${chatId}/messages?before=${seq + 1}&limit=${PAGE}`, MessagePage),
      this.o.api.get(`/api/v1/chats/${chatId}/messages?after=${seq}&limit=${PAGE}`, MessagePage),
    ]);
    this.histories.set((all) => {
      const cur = all[chatId];
      // Keep one contiguous run: what was loaded is dropped when the new window does not touch it.
      const messages = mergeMessages(before.messages, after.messages);
      const touches = cur && cur.messages.length && after.hasMore === false;
      return {
        ...all,
        [chatId]: {
          messages: touches ? mergeMessages(messages, cur.messages) : messages,
          hasMoreBefore: before.hasMore,
          loading: false,
          loaded: true,
          newest: touches ? cur.newest : !after.hasMore,
        },
      };
    });
  }

  /** Marks the chat read up to `seq` (only ever forward). */
  async markRead(chatId: string, seq: number): Promise<void> {
    const chat = this.chats.get()?.find((c) => c.id === chatId);
    if (!chat || seq <= chat.lastReadSeq) return;
    this.chats.set((list) => list && list.map((c) => (c.id === chatId ? { ...c, lastReadSeq: seq, unreadCount: Math.max(0, c.lastSeq - seq) } : c)));
    try {
      await this.o.api.post(`/api/v1/chats/${chatId}/read`, null, { seq });
    } catch {
      /* the next read marks it again */
    }
  }

  // ---- sending ----

  write(item: Omit<outbox.Outgoing, 'status' | 'createdAt' | 'clientId'>): string {
    const clientId = outbox.newClientId();
    this.outbox.set((q) => outbox.enqueue(q, { ...item, clientId }));
    void this.flush();
    return clientId;
  }

  retry(clientId: string): void {
    this.outbox.set((q) => outbox.markQueued(q, clientId));
    void this.flush();
  }

  discard(clientId: string): void {
    this.outbox.set((q) => outbox.remove(q, clientId));
  }

  /** Sends queued messages one at a time, oldest first, while the connection is live. */
  async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      for (;;) {
        if (this.sync.get().status !== 'live' || (typeof navigator !== 'undefined' && navigator.onLine === false)) return;
        const next = outbox.nextToSend(this.outbox.get());
        if (!next) return;
        this.outbox.set((q) => outbox.markSending(q, next.clientId));
        try {
          const sent = await this.sendOverSocket(next.chatId, {
            clientId: next.clientId,
            text: next.text,
            ...(next.replyToId ? { replyToId: next.replyToId } : {}),
            ...(next.attachments?.length ? { attachments: next.attachments } : {}),
            ...(next.sticker ? { sticker: next.sticker } : {}),
            ...(next.mentions?.length ? { mentions: next.mentions } : {}),
          });
          this.received(sent);
          if (sent.notice) this.notify(next.chatId, sent.notice.message);
          this.outbox.set((q) => outbox.settle(q, [next.clientId]));
        } catch (err) {
          if (err instanceof ApiError && !err.isNetwork && err.status < 500) {
            this.outbox.set((q) => outbox.markFailed(q, next.clientId, err.code));
          } else {
            this.outbox.set((q) => outbox.markQueued(q, next.clientId));
            // Try again later: the connection will say when it is back.
            setTimeout(() => void this.flush(), 3000);
            return;
          }
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** One message as a `send` frame on the live connection; answered by `sent`, or `error` (as an ApiError with HTTP's status). */
  private sendOverSocket(chatId: string, message: SendMessageBody): Promise<SentMessage> {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.reject(new ApiError('network', 0, 'not connected'));
    const ref = `s${++this.sendRefs}`;
    return new Promise((resolve, reject) => {
      this.sending.set(ref, { resolve, reject });
      ws.send(JSON.stringify({ type: 'send', ref, chatId, message } satisfies WsClientFrame));
    });
  }

  /** A message the server returned (send, edit): shown at once, before its stream update. */
  received(m: Message): void {
    const h = this.histories.get()[m.chatId];
    if (h) this.histories.set((all) => ({ ...all, [m.chatId]: { ...h, messages: mergeMessages(h.messages, [m]) } }));
    const chats = this.chats.get();
    if (chats) this.chats.set(applyToChats(chats, { type: 'message.new', pos: 0, chatId: m.chatId, message: m }, this.o.userId));
  }

  notify(chatId: string, text: string): void {
    const id = ++this.noticeId;
    this.notices.set((n) => [...n, { id, chatId, text }]);
  }

  dismissNotice(id: number): void {
    this.notices.set((n) => n.filter((x) => x.id !== id));
  }
}

function readJson(key: string): unknown {
  try {
    const v = localStorage.getItem(key);
    return v ? JSON.parse(v) : null;
  } catch {
    return null;
  }
}

function writeJson(key: string, value: unknown): void {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    /* storage full or unavailable */
  }
}
