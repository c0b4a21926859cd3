/**
 * The connection's state as the user sees it:
 * - connecting: first connection being opened;
 * - syncing: connected, catching up (or loading state for the first time);
 * - live: caught up, updates arrive as they happen;
 * - reconnecting: the connection dropped; retrying with backoff, resuming from the last position;
 * - resync: the server said we were too far behind; reloading state over HTTP.
 */
export type SyncStatus = 'connecting' | 'syncing' | 'live' | 'reconnecting' | 'resync';

export interface SyncState {
  status: SyncStatus;
  /** Whether chats have been loaded at least once (else a `ready` still needs a load). */
  loaded: boolean;
  /** Failed connection attempts in a row, for the backoff. */
  attempts: number;
}

export type SyncEvent = { type: 'open' } | { type: 'ready' } | { type: 'loaded' } | { type: 'closed' } | { type: 'resync' } | { type: 'stop' };

export const initialSyncState: SyncState = { status: 'connecting', loaded: false, attempts: 0 };

export function nextSyncState(s: SyncState, e: SyncEvent): SyncState {
  switch (e.type) {
    case 'open':
      return s.status === 'resync' ? s : { ...s, status: 'syncing' };
    case 'ready':
      // Every missed update was sent before `ready`: with state loaded we are live; otherwise load it now.
      if (s.status === 'resync') return s;
      return { ...s, status: s.loaded ? 'live' : 'syncing', attempts: 0 };
    case 'loaded':
      return { ...s, loaded: true, status: 'live', attempts: 0 };
    case 'closed':
      return { ...s, status: s.status === 'resync' ? 'resync' : 'reconnecting', attempts: s.attempts + 1 };
    case 'resync':
      return { ...s, status: 'resync', loaded: false };
    case 'stop':
      return initialSyncState;
  }
}

/** Whether a `ready` in this state means the client must (re)load chats over HTTP. */
export function needsLoad(s: SyncState): boolean {
  return !s.loaded;
}

/** Delay before reconnect attempt `n` (1-based): 0.5 s doubling to 8 s, with jitter. */
export function backoffMs(attempt: number, random = Math.random): number {
  const base = Math.min(8_000, 500 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.75 + random() * 0.5));
}
