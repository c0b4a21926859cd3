import { textFrameOf } from './frames.ts';

/**
 * Ephemeral events carried by pub/sub, decoded once per process: `typing:<chatId>` carries
 * `{chatId, userId}`. Durable updates do not travel on pub/sub: the `stream` topic only wakes each
 * process's stream tailer (tailer.ts), which reads them from the database in position order.
 */
export interface TypingEvent {
  kind: 'typing';
  chatId: string;
  userId: string;
  /** Its WebSocket frame, built once for every socket of the chat (frames.ts). */
  frame: Buffer;
}

export type RealtimeEvent = TypingEvent;

export const typingTopic = (chatId: string) => `typing:${chatId}`;

/** The `update` frame of an Update given as JSON text: the text is embedded, not parsed and re-serialised. */
export const updateFrame = (updateJson: string) => `{"type":"update","update":${updateJson}}`;

export function decodeEvent(topic: string, message: string): RealtimeEvent | null {
  if (!topic.startsWith('typing:')) return null;
  const e = JSON.parse(message) as { chatId?: unknown; userId?: unknown };
  if (typeof e.chatId !== 'string' || typeof e.userId !== 'string') return null;
  return { kind: 'typing', chatId: e.chatId, userId: e.userId, frame: textFrameOf(JSON.stringify({ type: 'typing', chatId: e.chatId, userId: e.userId })) };
}
