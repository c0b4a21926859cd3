import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Chat, Message, Update } from '@parta/protocol';
import { applyToChats, applyToHistory, mentions, mergeMessages } from './messages.ts';

const ME = '00000000-0000-4000-8000-000000000001';
const OTHER = '00000000-0000-4000-8000-000000000002';
const CHAT = '00000000-0000-4000-8000-0000000000c1';

function msg(seq: number, over: Partial<Message> = {}): Message {
  return {
    id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    chatId: CHAT,
    seq,
    clientId: `client-${seq}`,
    author: { personId: 'p-other', userId: OTHER, name: 'Смирнова Елена Петровна', roles: ['teacher'], isStaff: true },
    text: `message ${seq}`,
    entities: [],
    replyTo: null,
    forwardedFrom: null,
    attachments: [],
    reactions: [],
    views: null,
    createdAt: new Date(2026, 0, 1, 10, seq).toISOString(),
    editedAt: null,
    deletedAt: null,
    ...over,
  };
}

function chat(over: Partial<Chat> = {}): Chat {
  return {
    id: CHAT,
    schoolId: 's',
    kind: 'parents',
    classId: null,
    title: '5А',
    lastSeq: 3,
    lastReadSeq: 3,
    unreadCount: 0,
    memberCount: 2,
    canPost: true,
    isModerator: false,
    pinnedMessageId: null,
    lastMessage: msg(3),
    createdAt: new Date(2026, 0, 1).toISOString(),
    ...over,
  };
}

type NoPos<U> = U extends unknown ? Omit<U, 'pos'> : never;
const upd = (u: NoPos<Update>) => ({ pos: 1, ...u }) as Update;

test('merging keeps one copy per id, in seq order, the later copy winning', () => {
  const a = [msg(1), msg(3)];
  const merged = mergeMessages(a, [msg(2), msg(3, { text: 'edited', editedAt: 'now' })]);
  assert.deepEqual(
    merged.map((m) => m.seq),
    [1, 2, 3],
  );
  assert.equal(merged[2]!.text, 'edited');
  assert.equal(mergeMessages(a, []), a);
});

test('the send answer and the stream update of the same message show it once', () => {
  const mine = msg(4, { author: { personId: 'p-me', userId: ME, name: 'Я', roles: ['guardian'], isStaff: false } });
  let h = { messages: [msg(1), msg(2), msg(3)], hasMoreBefore: false };
  h = { ...h, messages: mergeMessages(h.messages, [mine]) };
  h = applyToHistory(h, upd({ type: 'message.new', chatId: CHAT, message: mine }));
  assert.equal(h.messages.filter((m) => m.id === mine.id).length, 1);

  let chats = [chat()];
  chats = applyToChats(chats, upd({ type: 'message.new', chatId: CHAT, message: mine }), ME);
  chats = applyToChats(chats, upd({ type: 'message.new', chatId: CHAT, message: mine }), ME);
  assert.equal(chats[0]!.lastSeq, 4);
  assert.equal(chats[0]!.unreadCount, 0, 'own messages are never unread');
  assert.equal(chats[0]!.lastReadSeq, 4);
});

test('others’ new messages count as unread once; reading brings the count down', () => {
  let chats = [chat()];
  chats = applyToChats(chats, upd({ type: 'message.new', chatId: CHAT, message: msg(4) }), ME);
  chats = applyToChats(chats, upd({ type: 'message.new', chatId: CHAT, message: msg(5) }), ME);
  chats = applyToChats(chats, upd({ type: 'message.new', chatId: CHAT, message: msg(5) }), ME);
  assert.equal(chats[0]!.unreadCount, 2);
  assert.equal(chats[0]!.lastMessage?.seq, 5);
  chats = applyToChats(chats, upd({ type: 'chat.read', chatId: CHAT, seq: 4 }), ME);
  assert.equal(chats[0]!.unreadCount, 1);
  chats = applyToChats(chats, upd({ type: 'chat.read', chatId: CHAT, seq: 5 }), ME);
  assert.equal(chats[0]!.unreadCount, 0);
  // An older read marker changes nothing.
  assert.equal(applyToChats(chats, upd({ type: 'chat.read', chatId: CHAT, seq: 2 }), ME), chats);
});

test('edits, deletions and reactions apply to the loaded history', () => {
  let h = { messages: [msg(1), msg(2)], hasMoreBefore: true };
  h = applyToHistory(h, upd({ type: 'message.edited', chatId: CHAT, message: msg(2, { text: 'fixed', editedAt: 'x' }) }));
  assert.equal(h.messages[1]!.text, 'fixed');
  h = applyToHistory(h, upd({ type: 'message.reactions', chatId: CHAT, messageId: msg(1).id, reactions: [{ emoji: '👍', count: 1, userIds: [ME] }] }));
  assert.equal(h.messages[0]!.reactions[0]!.emoji, '👍');
  h = applyToHistory(h, upd({ type: 'message.deleted', chatId: CHAT, messageId: msg(2).id, seq: 2 }));
  assert.equal(h.messages[1]!.text, '');
  assert.ok(h.messages[1]!.deletedAt);
  assert.equal(h.messages.length, 2, 'a deleted message keeps its place');
});

test('chats are added and removed by the stream', () => {
  const other = chat({ id: '00000000-0000-4000-8000-0000000000c2', kind: 'class' });
  let chats = applyToChats([chat()], upd({ type: 'chat.added', chatId: other.id, chat: other }), ME);
  assert.equal(chats.length, 2);
  chats = applyToChats(chats, upd({ type: 'chat.added', chatId: other.id, chat: other }), ME);
  assert.equal(chats.length, 2);
  chats = applyToChats(chats, upd({ type: 'chat.removed', chatId: CHAT }), ME);
  assert.deepEqual(
    chats.map((c) => c.id),
    [other.id],
  );
});

test('mentions of a person are found in the entities', () => {
  const m = msg(1, { text: '@Ирина привет', entities: [{ type: 'mention', offset: 0, length: 6, personId: 'p-me' }] });
  assert.equal(mentions(m, 'p-me'), true);
  assert.equal(mentions(m, 'p-other'), false);
  assert.equal(mentions(m, undefined), false);
});
