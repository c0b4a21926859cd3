import type { Chat, Message, Update } from '@parta/protocol';

/** A chat's loaded history: messages sorted by seq, without duplicates. */
export interface History {
  messages: Message[];
  hasMoreBefore: boolean;
}

/** Merges messages into a sorted list by id; a later copy of a message replaces the earlier one. */
export function mergeMessages(existing: readonly Message[], incoming: readonly Message[]): Message[] {
  if (incoming.length === 0) return existing as Message[];
  const byId = new Map<string, Message>();
  for (const m of existing) byId.set(m.id, m);
  for (const m of incoming) byId.set(m.id, m);
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}

function replaceMessage(list: readonly Message[], id: string, change: (m: Message) => Message): Message[] {
  const i = list.findIndex((m) => m.id === id);
  if (i < 0) return list as Message[];
  const next = list.slice();
  next[i] = change(list[i]!);
  return next;
}

/** Applies one stream update to a chat's history (other chats' updates leave it unchanged). */
export function applyToHistory(h: History, u: Update): History {
  switch (u.type) {
    case 'message.new':
    case 'message.edited':
      return { ...h, messages: mergeMessages(h.messages, [u.message]) };
    case 'message.deleted':
      return {
        ...h,
        messages: replaceMessage(h.messages, u.messageId, (m) => ({
          ...m,
          text: '',
          entities: [],
          attachments: [],
          deletedAt: m.deletedAt ?? new Date().toISOString(),
        })),
      };
    case 'message.reactions':
      return { ...h, messages: replaceMessage(h.messages, u.messageId, (m) => ({ ...m, reactions: u.reactions })) };
    default:
      return h;
  }
}

/** Applies one stream update to the chat list. `myUserId` tells own messages (never unread) apart. */
export function applyToChats(chats: readonly Chat[], u: Update, myUserId: string): Chat[] {
  if (u.type === 'chat.added') return chats.some((c) => c.id === u.chatId) ? chats.map((c) => (c.id === u.chatId ? u.chat : c)) : [...chats, u.chat];
  if (u.type === 'chat.removed') return chats.filter((c) => c.id !== u.chatId);
  if (!('chatId' in u)) return chats as Chat[];
  const i = chats.findIndex((c) => c.id === u.chatId);
  if (i < 0) return chats as Chat[];
  const c = chats[i]!;
  let next: Chat = c;
  switch (u.type) {
    case 'message.new': {
      const fresh = u.message.seq > c.lastSeq;
      // Seen already (e.g. the send's own answer came first): nothing changes.
      if (!fresh && (!c.lastMessage || c.lastMessage.seq >= u.message.seq)) return chats as Chat[];
      const mine = u.message.author.userId === myUserId;
      next = {
        ...c,
        lastSeq: Math.max(c.lastSeq, u.message.seq),
        lastReadSeq: mine ? Math.max(c.lastReadSeq, u.message.seq) : c.lastReadSeq,
        lastMessage: u.message,
        unreadCount: mine ? 0 : fresh ? c.unreadCount + 1 : c.unreadCount,
      };
      break;
    }
    case 'message.edited':
      if (c.lastMessage?.id === u.message.id) next = { ...c, lastMessage: u.message };
      break;
    case 'message.deleted':
      if (c.lastMessage?.id === u.messageId) next = { ...c, lastMessage: { ...c.lastMessage, text: '', attachments: [], deletedAt: new Date().toISOString() } };
      break;
    case 'chat.read':
      if (u.seq > c.lastReadSeq) next = { ...c, lastReadSeq: u.seq, unreadCount: Math.max(0, Math.min(c.unreadCount, c.lastSeq - u.seq)) };
      break;
    case 'chat.pinned':
      next = { ...c, pinnedMessageId: u.messageId };
      break;
    case 'chat.member_joined':
      next = { ...c, memberCount: c.memberCount + 1 };
      break;
    case 'chat.member_left':
      next = { ...c, memberCount: Math.max(0, c.memberCount - 1) };
      break;
    default:
      return chats as Chat[];
  }
  if (next === c) return chats as Chat[];
  const out = chats.slice();
  out[i] = next;
  return out;
}

/** Whether a message mentions this person. */
export function mentions(m: Pick<Message, 'entities'>, personId: string | undefined): boolean {
  return !!personId && m.entities.some((e) => e.type === 'mention' && e.personId === personId);
}
