/**
 * Messages written but not yet stored by the server: shown at once (local echo), kept across
 * reloads, and sent in order when the connection allows. A send is idempotent by `clientId`,
 * so sending again after a lost answer never stores a message twice.
 */
export interface Outgoing {
  clientId: string;
  chatId: string;
  text: string;
  replyToId?: string;
  attachments?: string[];
  /** A sticker of the pack, sent alone. */
  sticker?: string;
  mentions?: { offset: number; length: number; personId: string }[];
  createdAt: string;
  /** queued: waiting for the connection; sending: request in flight; failed: refused by the server (not retried). */
  status: 'queued' | 'sending' | 'failed';
  error?: string;
}

export function newClientId(): string {
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `c${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
}

export function enqueue(queue: readonly Outgoing[], item: Omit<Outgoing, 'status' | 'createdAt'> & { createdAt?: string }): Outgoing[] {
  if (queue.some((q) => q.clientId === item.clientId)) return queue as Outgoing[];
  return [...queue, { ...item, createdAt: item.createdAt ?? new Date().toISOString(), status: 'queued' }];
}

/** The next message to send: the oldest queued one, unless one is already in flight. */
export function nextToSend(queue: readonly Outgoing[]): Outgoing | null {
  if (queue.some((q) => q.status === 'sending')) return null;
  return queue.find((q) => q.status === 'queued') ?? null;
}

export function markSending(queue: readonly Outgoing[], clientId: string): Outgoing[] {
  return queue.map((q) => (q.clientId === clientId ? { ...q, status: 'sending' as const } : q));
}

/** The network failed: back to the queue, to be sent when the connection returns. */
export function markQueued(queue: readonly Outgoing[], clientId: string): Outgoing[] {
  return queue.map((q) => (q.clientId === clientId ? { ...q, status: 'queued' as const, error: undefined } : q));
}

export function markFailed(queue: readonly Outgoing[], clientId: string, error: string): Outgoing[] {
  return queue.map((q) => (q.clientId === clientId ? { ...q, status: 'failed' as const, error } : q));
}

/** Stored by the server (seen in an answer or in the stream): no longer pending. */
export function settle(queue: readonly Outgoing[], clientIds: Iterable<string>): Outgoing[] {
  const done = new Set(clientIds);
  if (done.size === 0) return queue as Outgoing[];
  const next = queue.filter((q) => !done.has(q.clientId));
  return next.length === queue.length ? (queue as Outgoing[]) : next;
}

export function remove(queue: readonly Outgoing[], clientId: string): Outgoing[] {
  return queue.filter((q) => q.clientId !== clientId);
}

/** After a reload nothing is in flight: whatever was sending goes back to the queue. */
export function restore(saved: unknown): Outgoing[] {
  if (!Array.isArray(saved)) return [];
  return saved
    .filter((q): q is Outgoing => !!q && typeof q === 'object' && typeof q.clientId === 'string' && typeof q.chatId === 'string' && typeof q.text === 'string')
    .map((q) => (q.status === 'sending' ? { ...q, status: 'queued' as const } : q));
}
