import { z } from 'zod';
import { Id, Iso } from './common.ts';

/**
 * Bots (docs/subsystems/bots.md): the admin's side (create, token, chats, privacy), inline
 * keyboards under a bot's message and the callback queries their buttons send, and the requests
 * «Помощник» (the school's assistant) passes to the school admin.
 * The Bot API itself (`/bot<token>/<method>`) follows Telegram's field names and is not described here.
 */

/** One button under a bot's message: it sends a callback query, or opens a link. */
export const InlineButton = z.object({
  text: z.string(),
  callbackData: z.string().optional().describe('Sent back to the bot when pressed (POST …/callback)'),
  url: z.string().optional().describe('Opened in a new tab (http or https only)'),
});
export type InlineButton = z.infer<typeof InlineButton>;
export const InlineKeyboard = z.array(z.array(InlineButton));
export type InlineKeyboard = z.infer<typeof InlineKeyboard>;

export const CallbackBody = z.object({ data: z.string().min(1).max(64) });
export const CallbackResult = z.object({ callbackQueryId: z.string() });

/** Updates of the stream about bots: the bot's answer to a pressed button reaches the presser. */
const at = { pos: z.number().int() };
export const BotUpdates = [
  z.object({
    ...at,
    type: z.literal('bot.callback_answer'),
    chatId: Id,
    messageId: Id,
    text: z.string().nullable(),
    showAlert: z.boolean(),
    url: z.string().nullable(),
  }),
  z
    .object({ ...at, type: z.literal('bot.callback_query'), chatId: Id, messageId: Id, callbackId: z.string(), fromUserId: Id, data: z.string() })
    .describe('To the bot account only'),
] as const;

export const BotCommand = z.object({
  command: z.string().regex(/^[a-z0-9_]{1,32}$/),
  description: z.string().min(1).max(256),
});

export const Bot = z.object({
  id: Id,
  schoolId: Id,
  botId: z.number().int().describe('The numeric id of the bot in the Bot API (the part before ":" in its token)'),
  username: z.string(),
  name: z.string(),
  description: z.string(),
  commands: z.array(BotCommand),
  privacy: z.boolean().describe('On: the bot sees only commands, mentions of it and replies to it'),
  kind: z.enum(['custom', 'helper']),
  hasToken: z.boolean(),
  tokenIssuedAt: Iso.nullable(),
  webhookUrl: z.string().nullable(),
  chats: z.array(z.object({ chatId: Id, title: z.string().nullable(), kind: z.string() })),
  photo: z.string().nullable().describe('URL of the picture (GET with the session)'),
  createdAt: Iso,
});
export type Bot = z.infer<typeof Bot>;
export const BotList = z.object({ bots: z.array(Bot) });

export const CreateBotBody = z.object({
  name: z.string().trim().min(1).max(64),
  username: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_]{3,27}$/)
    .describe('Without the "bot" ending, which is added'),
  description: z.string().max(512).default(''),
  commands: z.array(BotCommand).max(100).default([]),
});
export const UpdateBotBody = z.object({
  name: z.string().trim().min(1).max(64).optional(),
  description: z.string().max(512).optional(),
  commands: z.array(BotCommand).max(100).optional(),
  privacy: z.boolean().optional(),
});
export const BotToken = z.object({ token: z.string().describe('Shown once: Parta keeps only its hash') });
export const BotWithToken = z.object({ bot: Bot, token: z.string().describe('Shown once') });
export const BotChatsBody = z.object({ chatIds: z.array(Id).max(200) });

/** Bots in a chat, as its members see them: privacy off means the bot reads every message. */
export const ChatBots = z.object({ bots: z.array(z.object({ personId: Id, name: z.string(), username: z.string(), readsAll: z.boolean() })) });

export const FaqEntry = z.object({
  id: Id,
  topic: z.string(),
  question: z.string(),
  answer: z.string(),
  keywords: z.string(),
  position: z.number().int(),
});
export type FaqEntry = z.infer<typeof FaqEntry>;
export const FaqList = z.object({ entries: z.array(FaqEntry) });
export const FaqBody = z.object({
  topic: z.string().trim().min(1).max(64),
  question: z.string().trim().min(1).max(300),
  answer: z.string().trim().min(1).max(4000),
  keywords: z.string().max(1000).default(''),
  position: z.number().int().min(0).max(10000).default(0),
});

export const HelperRequestKind = z.enum(['child_on_my_phone', 'phone_changed', 'question']);
export const HelperRequest = z.object({
  id: Id,
  kind: HelperRequestKind,
  status: z.enum(['open', 'done', 'rejected']),
  text: z.string(),
  newPhone: z.string().nullable(),
  accountPhone: z.string(),
  accountName: z.string(),
  person: z
    .object({ id: Id, name: z.string(), roles: z.array(z.string()) })
    .nullable()
    .describe('The roster person the account is linked to in this school'),
  guardians: z
    .array(z.object({ id: Id, name: z.string(), phone: z.string().nullable(), linked: z.boolean() }))
    .describe('Child on my phone: the guardians of that student on the roster'),
  answer: z.string().nullable(),
  invitationId: Id.nullable(),
  createdAt: Iso,
  decidedAt: Iso.nullable(),
});
export type HelperRequest = z.infer<typeof HelperRequest>;
export const HelperRequestList = z.object({ requests: z.array(HelperRequest) });

export const ResolveRequestBody = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('move_phone'),
    newPhone: z.string().min(5).max(32).describe("The child's own phone (child on my phone), or the new phone (phone changed)"),
    guardianPersonId: Id.optional().describe("Child on my phone: the guardian person the account's phone moves to"),
  }),
  z.object({ action: z.literal('answer'), answer: z.string().trim().min(1).max(4000) }),
  z.object({ action: z.literal('reject'), answer: z.string().trim().max(4000).optional() }),
]);
export const ResolveRequestResult = z.object({
  request: HelperRequest,
  invitation: z
    .object({ id: Id, code: z.string(), link: z.string() })
    .nullable()
    .describe('The invitation sent to the new phone, when its owner has no account yet'),
});
