import { z } from 'zod';
import { Id } from './common.ts';
import { SendMessageBody, SentMessage, Update } from './messaging.ts';

/**
 * The WebSocket protocol at /api/v1/ws (docs/subsystems/realtime.md).
 * Every frame is one JSON text message with a `type`.
 */

/** A place in the user's update stream (the `pos` of an update). 0 = before everything. */
export const WsPosition = z.number().int().min(0);
export type WsPosition = z.infer<typeof WsPosition>;

// ---- client → server ----

/** First frame of every connection. `after`: the last position the client has applied; omitted = only new updates. */
export const WsAuth = z.object({
  type: z.literal('auth'),
  token: z.string().min(1).max(512),
  after: WsPosition.nullable().optional(),
});
/** "I am typing in this chat." Send at most every few seconds while typing. */
export const WsTyping = z.object({ type: z.literal('typing'), chatId: z.uuid() });
/** Application-level liveness check for clients that cannot see WebSocket pings (browsers). */
export const WsPing = z.object({ type: z.literal('ping'), id: z.string().max(64).optional() });

/**
 * Sends a message, exactly as `POST /api/v1/chats/:chatId/messages` with `message` as its body: the
 * same checks, the same idempotent `clientId`. Answered by `sent`, or by `error`, carrying the same
 * `ref`. Clients that hold a connection send this way; HTTP stays for those that do not.
 */
export const WsSend = z.object({
  type: z.literal('send'),
  ref: z.string().min(1).max(64),
  chatId: Id,
  message: SendMessageBody,
});
export type WsSend = z.infer<typeof WsSend>;

export const WsClientFrame = z.discriminatedUnion('type', [WsAuth, WsTyping, WsPing, WsSend]);
export type WsClientFrame = z.infer<typeof WsClientFrame>;

// ---- server → client ----

/** Authenticated; everything up to `position` has been sent before this frame. */
export const WsReady = z.object({
  type: z.literal('ready'),
  userId: z.uuid(),
  position: WsPosition,
  heartbeatSeconds: z.number(),
});
/** One durable update of the user's stream. Apply in order; remember `update.pos` to resume. */
export const WsUpdate = z.object({
  type: z.literal('update'),
  update: Update,
});
/** The client is too far behind for the stream: reload state over HTTP; this connection goes on with the updates after `position`. */
export const WsResync = z.object({
  type: z.literal('resync'),
  position: WsPosition,
});
/** Ephemeral: someone is typing in a chat. Shown for a few seconds; may be dropped under load. */
export const WsTypingEvent = z.object({
  type: z.literal('typing'),
  chatId: z.uuid(),
  userId: z.uuid(),
});
export const WsPong = z.object({ type: z.literal('pong'), id: z.string().optional() });
/** A `send` was stored: the message as `POST …/messages` returns it; `created` false for a retry (HTTP 200 instead of 201). */
export const WsSent = z.object({
  type: z.literal('sent'),
  ref: z.string(),
  created: z.boolean(),
  message: SentMessage,
});
/** A client frame was refused. The connection stays open. */
export const WsError = z.object({
  type: z.literal('error'),
  code: z.string(),
  message: z.string(),
  /** The `type` of the refused frame. */
  frame: z.string().optional(),
  /** The `ref` of a refused `send`. */
  ref: z.string().optional(),
  /** The HTTP status the same refusal has over HTTP. */
  status: z.number().int().optional(),
  details: z.unknown().optional(),
});

export const WsServerFrame = z.discriminatedUnion('type', [WsReady, WsUpdate, WsResync, WsTypingEvent, WsPong, WsSent, WsError]);
export type WsServerFrame = z.infer<typeof WsServerFrame>;

/** Close codes of /api/v1/ws. Codes 4xxx are Parta's. */
export const WsClose = {
  /** Server shutting down: reconnect (to another process) and resume. */
  goingAway: 1001,
  /** A frame that is not JSON or not in this protocol. Do not retry unchanged. */
  badFrame: 4400,
  /** Token missing, invalid or revoked. Sign in again. */
  unauthenticated: 4401,
  /** No auth frame within the auth timeout. */
  authTimeout: 4408,
  /** The client read too slowly and its durable backlog overflowed: reconnect and resume from the last position. */
  backlogOverflow: 4409,
  /** Too many frames (after `rate_limited` refusals), or too many connections of one session or account: reconnect after a pause. */
  tooManyFrames: 4429,
  /** Server error: reconnect with backoff and resume. */
  internal: 4500,
} as const;
export type WsCloseCode = (typeof WsClose)[keyof typeof WsClose];
