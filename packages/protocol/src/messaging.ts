import { z } from 'zod';
import { isSingleEmoji } from './emoji.ts';
import { Id, Iso, SchoolRole } from './common.ts';
import { StickerId } from './files.ts';
import { PhotoRef } from './auth.ts';
import { DiaryUpdates } from './diary.ts';
import { MinutesUpdates } from './minutes.ts';
import { BotUpdates, InlineKeyboard } from './bots.ts';

/**
 * Messaging: chats, members, messages and the per-user update stream.
 * Positions (`pos`) are the stream's global order; `seq` is a message's gap-free number in its chat.
 */
export const ChatKind = z.enum(['class', 'parents', 'parents_only', 'staff', 'group', 'direct', 'school_channel', 'class_channel']);
export type ChatKind = z.infer<typeof ChatKind>;

export const MAX_MESSAGE_LENGTH = 4096;

/** Who wrote a message or is a member: the person in this school, with their roles (teacher badge). */
export const ChatPerson = z.object({
  personId: Id,
  userId: Id.nullable(),
  name: z.string(),
  roles: z.array(SchoolRole),
  isStaff: z.boolean().describe('A teacher or admin of the school: shown with the teacher badge'),
  isBot: z.boolean().optional().describe('A bot of the school: shown with the bot badge'),
});
export type ChatPerson = z.infer<typeof ChatPerson>;

export const ChatMember = ChatPerson.extend({
  role: z.enum(['member', 'moderator']),
  lastReadSeq: z.number().int(),
  photo: PhotoRef.nullable().optional().describe('The profile photo (GET with the session; shown to people who share the school)'),
  phone: z.string().nullable().optional().describe("Guardians' phones, to their class teacher and the admin only"),
  children: z
    .array(z.object({ personId: Id, name: z.string(), relation: z.string().nullable() }))
    .optional()
    .describe('Guardians: their children on the roster (shown as "мама Егора")'),
});
export type ChatMember = z.infer<typeof ChatMember>;

/** Structured parts of a plain-text body: offsets and lengths in UTF-16 code units. */
export const MessageEntity = z.discriminatedUnion('type', [
  z.object({ type: z.literal('mention'), offset: z.number().int().min(0), length: z.number().int().min(1), personId: Id }),
  z.object({ type: z.literal('link'), offset: z.number().int().min(0), length: z.number().int().min(1), url: z.string() }),
]);
export type MessageEntity = z.infer<typeof MessageEntity>;

/** A file attached to a message, as the files domain describes it when the message is sent. */
export const MessageAttachment = z.object({
  id: z.string().describe('A file id (uuid), the sticker id for kind `sticker`, the meeting or poll id for kinds `meeting` and `poll` (cards)'),
  kind: z.enum(['file', 'image', 'sticker', 'meeting', 'poll']),
  name: z.string(),
  contentType: z.string(),
  size: z.number().int(),
  width: z.number().int().nullable().optional(),
  height: z.number().int().nullable().optional(),
  url: z.string().optional().describe('Download (files) or the SVG (stickers), GET with the session token'),
  thumbnailUrl: z.string().nullable().optional().describe('Images: a small WebP preview'),
});
export type MessageAttachment = z.infer<typeof MessageAttachment>;

export const Reaction = z.object({ emoji: z.string(), count: z.number().int(), userIds: z.array(Id) });
export type Reaction = z.infer<typeof Reaction>;

export const MessageRef = z.object({ id: Id, seq: z.number().int(), authorName: z.string(), text: z.string() });

export const ForwardedFrom = z.object({
  messageId: Id,
  chatId: Id,
  authorName: z.string(),
  authorIsStaff: z.boolean(),
  sentAt: Iso,
});

export const Message = z.object({
  id: Id,
  chatId: Id,
  seq: z.number().int(),
  clientId: z.string(),
  author: ChatPerson,
  text: z.string().describe('Plain text, never HTML; empty once deleted'),
  entities: z.array(MessageEntity),
  replyTo: MessageRef.nullable(),
  forwardedFrom: ForwardedFrom.nullable(),
  attachments: z.array(MessageAttachment),
  reactions: z.array(Reaction),
  views: z.number().int().nullable().describe('Channels: how many members have read it'),
  createdAt: Iso,
  editedAt: Iso.nullable(),
  deletedAt: Iso.nullable(),
  keyboard: InlineKeyboard.optional().describe("A bot's message: buttons shown under it"),
  urgent: z.object({ reason: z.string() }).nullable().optional().describe('Marked «срочно» by its author (a teacher or admin), with the reason'),
});
export type Message = z.infer<typeof Message>;

export const Chat = z.object({
  id: Id,
  schoolId: Id,
  kind: ChatKind,
  classId: Id.nullable(),
  title: z.string().nullable().describe('Class chats: the class name; groups: their title; direct chats: the other person'),
  lastSeq: z.number().int(),
  lastReadSeq: z.number().int(),
  unreadCount: z.number().int(),
  memberCount: z.number().int().describe('Everyone the chat is for: in chats made from the roster, every roster person of its kind, on Parta or not'),
  notConnected: z.number().int().optional().describe('Of memberCount, roster people not on Parta yet («не подключены»)'),
  canPost: z.boolean(),
  isModerator: z.boolean(),
  pinnedMessageId: Id.nullable(),
  peer: z
    .object({
      personId: Id,
      roles: z.array(SchoolRole),
      classes: z.array(z.string()).describe('Students: their class; teachers: the classes they teach'),
      children: z
        .array(z.object({ name: z.string(), relation: z.string().nullable(), classes: z.array(z.string()) }))
        .describe('Guardians: their children and their classes'),
    })
    .nullable()
    .optional()
    .describe('Direct chats: who the other person is at school ("мама Егора, 5А"), so a teacher knows whose parent writes'),
  receipts: z
    .boolean()
    .optional()
    .describe('Whether the authors of this chat see who read their messages (GET …/messages/:id/receipts); false: that endpoint refuses, do not ask'),
  lastMessage: Message.nullable(),
  createdAt: Iso,
});
export type Chat = z.infer<typeof Chat>;

export const ChatList = z.object({
  chats: z.array(Chat),
  position: z.number().int().describe('The stream position this list is consistent with: follow the stream after it'),
});

export const HistoryQuery = z.object({
  before: z.coerce.number().int().min(1).optional().describe('Messages with seq below this; newest when omitted'),
  after: z.coerce.number().int().min(0).optional().describe('Messages with seq above this, oldest first'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  teachersOnly: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((v) => v === 'true' || v === '1'),
});
export const MessagePage = z.object({ messages: z.array(Message).describe('Oldest first'), hasMore: z.boolean() });

export const SendMessageBody = z.object({
  clientId: z.string().min(1).max(64).describe('Chosen by the client; a retry with the same id returns the same message'),
  text: z.string().max(MAX_MESSAGE_LENGTH).default(''),
  replyToId: Id.optional(),
  forwardOf: Id.optional().describe('A message of another chat of mine to forward'),
  attachments: z.array(Id).max(10).optional().describe('Files uploaded by me into this chat (POST /chats/:id/files)'),
  sticker: StickerId.optional().describe('A sticker of the pack (GET /stickers), sent alone'),
  mentions: z
    .array(z.object({ offset: z.number().int().min(0), length: z.number().int().min(1), personId: Id }))
    .max(50)
    .optional(),
});
export type SendMessageBody = z.infer<typeof SendMessageBody>;

/** Told to the sender: e.g. the teacher's notifications are off until their working hours. */
export const SendNotice = z.object({
  code: z.literal('recipient_quiet_hours'),
  message: z.string(),
  resumesAt: Iso,
  personId: Id,
});
export const SentMessage = Message.extend({ notice: SendNotice.optional() });
export type SentMessage = z.infer<typeof SentMessage>;

export const EditMessageBody = z.object({ text: z.string().min(1).max(MAX_MESSAGE_LENGTH) });
/** A reaction: exactly one emoji (emoji.ts). */
export const Emoji = z.string().min(1).max(32).refine(isSingleEmoji, { message: 'one emoji' });
export const ReactionBody = z.object({ emoji: Emoji });
export const ReadBody = z.object({ seq: z.number().int().min(0) });
export const PinBody = z.object({ messageId: Id.nullable() });

/** A roster person the chat is for who is not on Parta yet; guardians with their children. */
export const NotConnectedPerson = ChatPerson.extend({
  children: z.array(z.object({ personId: Id, name: z.string(), relation: z.string().nullable() })).optional(),
});
export type NotConnectedPerson = z.infer<typeof NotConnectedPerson>;

export const Receipts = z.object({
  messageId: Id,
  readCount: z.number().int(),
  memberCount: z.number().int().describe('Everyone the message is for other than the author, roster people not on Parta included'),
  notRead: z.array(ChatPerson).describe('Members who have not read it'),
  notConnected: z.array(NotConnectedPerson).default([]).describe('Roster people not on Parta: they cannot have read it'),
});

export const CreateGroupBody = z.object({ title: z.string().trim().min(1).max(100), personIds: z.array(Id).min(1).max(500) });
export const CreateDirectBody = z.object({ personId: Id });

export const SearchQuery = z.object({
  q: z.string().trim().min(1).max(200),
  chatId: Id.optional(),
  authorId: Id.optional().describe('A person id'),
  teachersOnly: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((v) => v === 'true' || v === '1'),
  hasAttachment: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true' || v === '1')),
  limit: z.coerce.number().int().min(1).max(100).default(30),
});
export const SearchResults = z.object({ messages: z.array(Message) });

/** Who may start a direct chat with whom, per school. Group chats stay open either way. */
export const MessagingPolicy = z.object({
  studentDirect: z.enum(['classmates_and_teachers', 'teachers', 'classmates', 'none']),
  guardianDirect: z.enum(['teachers_and_guardians', 'teachers', 'none']),
  teacherStudentDirect: z.boolean(),
});
export type MessagingPolicy = z.infer<typeof MessagingPolicy>;

/** Working hours: outside them no notification is raised for the user. Days 1 (Monday) to 7. */
export const WorkingHours = z.object({
  timezone: z.string().min(1).max(64),
  start: z.string().regex(/^\d{2}:\d{2}$/),
  end: z.string().regex(/^\d{2}:\d{2}$/),
  days: z.array(z.number().int().min(1).max(7)).min(1).max(7),
});
export type WorkingHours = z.infer<typeof WorkingHours>;

const at = { pos: z.number().int() };

/** One entry of a user's resumable stream. Chat updates go to the chat's members; the rest to one user. */
export const Update = z.discriminatedUnion('type', [
  z.object({ ...at, type: z.literal('message.new'), chatId: Id, message: Message }),
  z.object({ ...at, type: z.literal('message.edited'), chatId: Id, message: Message }),
  z.object({ ...at, type: z.literal('message.deleted'), chatId: Id, messageId: Id, seq: z.number().int() }),
  z.object({ ...at, type: z.literal('message.reactions'), chatId: Id, messageId: Id, reactions: z.array(Reaction) }),
  z.object({ ...at, type: z.literal('chat.pinned'), chatId: Id, messageId: Id.nullable() }),
  z.object({ ...at, type: z.literal('chat.member_joined'), chatId: Id, member: ChatPerson }),
  z.object({ ...at, type: z.literal('chat.member_left'), chatId: Id, personId: Id }),
  z.object({ ...at, type: z.literal('chat.added'), chatId: Id, chat: Chat }),
  z.object({ ...at, type: z.literal('chat.removed'), chatId: Id }),
  z.object({ ...at, type: z.literal('chat.read'), chatId: Id, seq: z.number().int() }),
  z.object({ ...at, type: z.literal('poll.updated'), chatId: Id, pollId: Id }).describe('A vote was cast or the poll closed: fetch its results again'),
  ...DiaryUpdates,
  ...MinutesUpdates,
  ...BotUpdates,
]);
export type Update = z.infer<typeof Update>;
export type UpdateType = Update['type'];

export const UpdatesQuery = z.object({
  after: z.coerce.number().int().min(0),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});
export const UpdatesPage = z.union([
  z.object({ resync: z.literal(false), updates: z.array(Update), position: z.number().int(), hasMore: z.boolean() }),
  z.object({ resync: z.literal(true), position: z.number().int() }),
]);
