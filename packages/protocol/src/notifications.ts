import { z } from 'zod';
import { Id, Iso } from './common.ts';

/**
 * Notifications that reach a device with Parta closed (Web Push), and their settings.
 * A push carries no content: only `PushPayload`. The service worker asks `GET
 * /api/v1/notifications/:id` what to show.
 */

/** all: every message that notifies; important: mentions, teachers' messages, direct messages; none: no pushes. */
export const NotifyLevel = z.enum(['all', 'important', 'none']);
export type NotifyLevel = z.infer<typeof NotifyLevel>;

/** How long to mute: an hour, 8 hours, a day, forever; null unmutes. */
export const MuteFor = z.enum(['1h', '8h', '1d', 'forever']).nullable();
export type MuteFor = z.infer<typeof MuteFor>;

export const VapidKey = z.object({
  publicKey: z.string().describe("The server's VAPID public key (base64url), for PushManager.subscribe({ applicationServerKey })"),
});
export type VapidKey = z.infer<typeof VapidKey>;

const B64url = z.string().regex(/^[A-Za-z0-9_-]+={0,2}$/);

/** PushSubscription.toJSON() of the browser. */
export const PushSubscribeBody = z.object({
  endpoint: z
    .string()
    .url()
    .max(2048)
    .refine((u) => u.startsWith('https://'), 'the endpoint must be https'),
  expirationTime: z.number().nullable().optional(),
  keys: z.object({ p256dh: B64url.min(80).max(100), auth: B64url.min(16).max(32) }),
});
export type PushSubscribeBody = z.infer<typeof PushSubscribeBody>;

/** This device's subscription and settings. */
export const DevicePush = z.object({
  subscribed: z.boolean(),
  expiresAt: Iso.nullable(),
  level: NotifyLevel,
  mutedUntil: Iso.nullable(),
});
export type DevicePush = z.infer<typeof DevicePush>;

export const NotifySettingsBody = z.object({ level: NotifyLevel.optional(), mute: MuteFor.optional() });
export type NotifySettingsBody = z.infer<typeof NotifySettingsBody>;

export const ChatNotifySettings = z.object({ level: NotifyLevel, mutedUntil: Iso.nullable() });
export type ChatNotifySettings = z.infer<typeof ChatNotifySettings>;

/** What travels through the push service, encrypted: an opaque id and the unread count, nothing else. */
export const PushPayload = z.object({ id: Id, n: z.number().int().min(0) });
export type PushPayload = z.infer<typeof PushPayload>;

/** What the service worker shows for a push, read from Parta with the device's session. */
export const NotificationView = z.object({
  id: Id,
  chatId: Id.nullable(),
  messageId: Id.nullable(),
  title: z.string(),
  body: z.string(),
  /** One notification per chat: later ones replace it (with renotify). */
  tag: z.string(),
  /** Messages this notification stands for (a summary after quiet hours counts several). */
  count: z.number().int().min(1),
  /** The account's unread messages, for the app badge. */
  unread: z.number().int().min(0),
  urgent: z.boolean(),
  /** Where a tap leads. */
  url: z.string(),
});
export type NotificationView = z.infer<typeof NotificationView>;

/** The school's rules: quiet hours for everyone (local time of the school) and urgent messages per day. */
export const NotificationPolicy = z.object({
  quietStart: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/)
    .nullable(),
  quietEnd: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/)
    .nullable(),
  urgentPerDay: z.number().int().min(0).max(100),
  /** SMS for urgent messages to guardians with no device for pushes, per school per day. */
  urgentSmsPerDay: z.number().int().min(0).max(10_000).default(100),
  /** SMS invitations of roster people not on Parta ("invite all not connected"), per school per day. */
  inviteSmsPerDay: z.number().int().min(0).max(10_000).default(300),
  /** Chat kinds an e-mail digest only counts ("3 новых сообщения в …"), never quotes. */
  privateKinds: z
    .array(z.enum(['class', 'parents', 'parents_only', 'class_channel', 'staff', 'school_channel', 'group', 'direct']))
    .max(8)
    .default(['direct']),
});
export type NotificationPolicy = z.infer<typeof NotificationPolicy>;

export const UrgentBody = z.object({ reason: z.string().trim().min(1).max(200) });
export type UrgentBody = z.infer<typeof UrgentBody>;

export const UrgentMark = z.object({
  messageId: Id,
  reason: z.string(),
  usedToday: z.number().int(),
  perDay: z.number().int(),
  sms: z.number().int().describe('Guardians without a device for pushes who are sent an SMS'),
});
export type UrgentMark = z.infer<typeof UrgentMark>;

/** Before sending in a direct chat: the other person is in quiet hours, and a notification reaches them at `resumesAt`. */
export const RecipientHours = z.object({
  notice: z.object({ personId: Id, resumesAt: Iso, message: z.string() }).nullable(),
});
export type RecipientHours = z.infer<typeof RecipientHours>;

/** "Invite all not connected" by SMS: how many were texted, and why the others were not. */
export const InviteResult = z.object({
  invited: z.number().int(),
  notConnected: z.number().int().describe('Roster people of the chat not on Parta'),
  withoutPhone: z.number().int().describe('Not connected and no phone on the roster (or too young for an account)'),
  alreadyInvited: z.number().int().describe('Texted an invitation in the last day: not texted again'),
  overLimit: z.number().int().describe("Left out: the school's SMS invitations for today ran out"),
  usedToday: z.number().int(),
  perDay: z.number().int(),
});
export type InviteResult = z.infer<typeof InviteResult>;

/** What is left of my urgent marks today, for the composer. */
export const UrgentBudget = z.object({
  allowed: z.boolean().describe("A teacher or admin of this chat's school"),
  usedToday: z.number().int(),
  perDay: z.number().int(),
});
export type UrgentBudget = z.infer<typeof UrgentBudget>;

/** My e-mail for digests of what I have not read. */
export const MyEmail = z.object({
  email: z.string().nullable(),
  verified: z.boolean(),
  digest: z.boolean().describe('Digests are sent (turned off by the unsubscribe link)'),
  available: z.boolean().describe('E-mail is configured on this server'),
});
export type MyEmail = z.infer<typeof MyEmail>;

export const SetEmailBody = z.object({ email: z.string().trim().toLowerCase().email().max(254), digest: z.boolean().optional() });
export type SetEmailBody = z.infer<typeof SetEmailBody>;
