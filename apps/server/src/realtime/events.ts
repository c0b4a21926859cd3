/**
 * What the gateway makes of a pub/sub message, decoded once per process.
 * - `chat:<chatId>` and `user:<userId>` carry one stream update each (the Update JSON, with its `pos`);
 * - `typing:<chatId>` carries ephemeral typing events.
 */
export interface UpdateEvent {
  kind: 'update';
  pos: number;
  /** The chat the update belongs to; null for an update of the user topic that names no chat. */
  chatId: string | null;
  /** True when it came on a user topic: addressed to that user whatever their chats. */
  personal: boolean;
  /** chat.added / chat.removed on a user topic: the connection starts / stops following the chat. */
  follow: 'add' | 'remove' | null;
  /** The frame as sent to clients, serialised once. */
  frame: string;
}

export interface TypingEvent {
  kind: 'typing';
  chatId: string;
  userId: string;
  frame: string;
}

export type RealtimeEvent = UpdateEvent | TypingEvent;

export const chatTopic = (chatId: string) => `chat:${chatId}`;
export const userTopic = (userId: string) => `user:${userId}`;
export const typingTopic = (chatId: string) => `typing:${chatId}`;

/** The `update` frame of an Update given as JSON text: the text is embedded, not parsed and re-serialised. */
export const updateFrame = (updateJson: string) => `{"type":"update","update":${updateJson}}`;

export function decodeEvent(topic: string, message: string): RealtimeEvent | null {
  if (topic.startsWith('typing:')) {
    const e = JSON.parse(message) as { chatId?: unknown; userId?: unknown };
    if (typeof e.chatId !== 'string' || typeof e.userId !== 'string') return null;
    return { kind: 'typing', chatId: e.chatId, userId: e.userId, frame: JSON.stringify({ type: 'typing', chatId: e.chatId, userId: e.userId }) };
  }
  const personal = topic.startsWith('user:');
  if (!personal && !topic.startsWith('chat:')) return null;
  const u = JSON.parse(message) as { pos?: unknown; type?: unknown; chatId?: unknown };
  if (typeof u.pos !== 'number' || typeof u.type !== 'string') return null;
  const chatId = typeof u.chatId === 'string' ? u.chatId : null;
  const follow = personal && chatId ? (u.type === 'chat.added' ? 'add' : u.type === 'chat.removed' ? 'remove' : null) : null;
  return { kind: 'update', pos: u.pos, chatId, personal, follow, frame: updateFrame(message) };
}
