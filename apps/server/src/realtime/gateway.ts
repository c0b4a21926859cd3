import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, RawData } from 'ws';
import { WsClientFrame, WsClose, type WsSend } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import { authenticate, SESSIONS_REVOKED_TOPIC } from '../identity/service.ts';
import { liveSessionIds } from '../identity/sessions.ts';
import { AppError, errorBody } from '../http/errors.ts';
import { loadAccess, myChatIds } from '../messaging/access.ts';
import { sendMessage } from '../messaging/send.ts';
import { readStream, streamHead } from '../stream/read.ts';
import { Connection, type StreamReader } from './connection.ts';
import { decodeEvent, typingTopic, type RealtimeEvent } from './events.ts';
import { TopicHub } from './hub.ts';
import { AccountLimits, type FrameGate } from './limits.ts';
import { defaultTailerOptions, StreamTailer, type TailerOptions } from './tailer.ts';

export interface GatewayOptions {
  /** Interval of WebSocket pings; a connection that has not answered the previous one is dropped. */
  heartbeatMs: number;
  /** Time allowed between the upgrade and the auth frame. */
  authTimeoutMs: number;
  /** Bytes handed to a socket and not yet flushed, above which frames wait in its outbox. */
  highWaterBytes: number;
  /** Durable bytes waiting in one outbox above which the connection is closed with 4409. */
  maxBacklogBytes: number;
  /** How often open sessions are checked for revocation. */
  sessionCheckMs: number;
  /** One typing event per chat per connection per this interval; more are ignored. */
  typingIntervalMs: number;
  /** Frames of one connection still being handled (sends not yet answered, typing not yet relayed), above which more are refused (429). */
  maxPendingSends: number;
  /** Frames per second of one connection, and of one account's connections on this process (limits.ts). */
  framesPerSecond: number;
  accountFramesPerSecond: number;
  /** Refused frames beyond one a second after which the connection is closed with 4429. */
  maxRefusals: number;
  /** Authenticated connections of one session, and of one account, on this process. */
  maxSocketsPerSession: number;
  maxSocketsPerAccount: number;
  /** After a close for flooding, new connections with the same token are refused (4429) for this long. */
  floodPenaltyMs: number;
}

export const defaultGatewayOptions: GatewayOptions = {
  heartbeatMs: 30_000,
  authTimeoutMs: 10_000,
  highWaterBytes: 256 * 1024,
  maxBacklogBytes: 4 * 1024 * 1024,
  sessionCheckMs: 60_000,
  typingIntervalMs: 2_000,
  maxPendingSends: 32,
  framesPerSecond: 20,
  accountFramesPerSecond: 40,
  maxRefusals: 100,
  maxSocketsPerSession: 8,
  maxSocketsPerAccount: 20,
  floodPenaltyMs: 30_000,
};

/**
 * Heartbeats go out a slice of the sockets at a time: each socket is pinged once per interval, but
 * a ping is a system call, and 10,000 of them in one turn of the event loop held every delivery
 * for a quarter of a second every 30 s.
 */
const HEARTBEAT_SLICES = 30;

interface Socket {
  ws: WebSocket;
  /** Its heartbeat slice. */
  slot: number;
  /** The TCP socket under `ws`: the outbox writes its frames there. */
  raw: Duplex;
  alive: boolean;
  conn: Connection | null;
  /** The connection's frame limits, once it belongs to an account (limits.ts). */
  gate: FrameGate | null;
  /** Closed for flooding: its remaining frames are ignored. */
  flooding: boolean;
  /** A digest of the token it authenticated with (the key of `penalties`). */
  tokenKey: string | null;
}

/**
 * The WebSocket gateway (docs/subsystems/realtime.md): authenticates a connection with its session
 * token, carries the user's update stream to it from a position, relays typing, and keeps
 * connections honest with heartbeats and bounded outboxes.
 */
export class Gateway {
  private readonly sockets = new Set<Socket>();
  private readonly slices: Set<Socket>[] = Array.from({ length: HEARTBEAT_SLICES }, () => new Set());
  private accepted = 0;
  private ticks = 0;
  private readonly hub: TopicHub<RealtimeEvent>;
  readonly tailer: StreamTailer;
  private readonly stream: StreamReader;
  private readonly timers: NodeJS.Timeout[] = [];
  private closing = false;
  private readonly unsubscribeRevoked: Promise<(() => Promise<void>) | null>;
  private readonly limits: AccountLimits;
  /** Tokens (digests) whose connection was closed for flooding, and until when their new connections are refused, before any query. */
  private readonly penalties = new Map<string, number>();

  constructor(
    private readonly ctx: AppContext,
    readonly options: GatewayOptions = defaultGatewayOptions,
    tailerOptions: TailerOptions = defaultTailerOptions,
  ) {
    this.limits = new AccountLimits(options);
    this.hub = new TopicHub(ctx.pubsub, decodeEvent, ctx.log);
    this.tailer = new StreamTailer(ctx.db, ctx.stream, ctx.log, tailerOptions);
    this.stream = {
      chatIds: async (userId) => (await myChatIds(ctx.db, userId).execute()).map((r) => r.chat_id),
      read: (userId, after, limit) => readStream(ctx.db, userId, after, limit),
      head: async () => (await streamHead(ctx.db)).head,
    };
    // A revoked session's connections close at once, on every process (the minute's check stays as a safety net).
    this.unsubscribeRevoked = ctx.pubsub
      .subscribe(SESSIONS_REVOKED_TOPIC, (_topic, message) => this.onRevoked(message))
      .catch((err: unknown) => {
        ctx.log.error({ err }, 'subscribing to revoked sessions failed');
        return null;
      });
    this.timers.push(setInterval(() => this.heartbeat(), options.heartbeatMs / HEARTBEAT_SLICES).unref());
    this.timers.push(
      setInterval(() => void this.checkSessions().catch((err) => ctx.log.warn({ err }, 'session check failed')), options.sessionCheckMs).unref(),
    );
  }

  stats() {
    let authenticated = 0;
    let droppedEphemeral = 0;
    let backlogBytes = 0;
    for (const s of this.sockets) {
      if (!s.conn) continue;
      authenticated++;
      droppedEphemeral += s.conn.outbox.droppedEphemeral;
      backlogBytes += s.conn.outbox.durableBacklogBytes;
    }
    return {
      sockets: this.sockets.size,
      authenticated,
      topics: this.hub.topicCount,
      followedChats: this.tailer.followedChats,
      streamPosition: this.tailer.position,
      streamReads: this.tailer.reads,
      droppedEphemeral,
      backlogBytes,
    };
  }

  /** Pub/sub lost its connection for a while: the tailer reads what was committed meanwhile. */
  /** Accounts with an open, authenticated connection to this process (notifications send them no push). */
  activeUsers(): Set<string> {
    const users = new Set<string>();
    for (const s of this.sockets) if (s.conn && !s.conn.closed) users.add(s.conn.userId);
    return users;
  }

  refreshAll(): void {
    this.tailer.wake();
  }

  accept(ws: WebSocket, request: IncomingMessage): void {
    if (this.closing) {
      ws.close(WsClose.goingAway, 'shutting down');
      return;
    }
    const socket: Socket = {
      ws,
      slot: this.accepted++ % HEARTBEAT_SLICES,
      raw: request.socket,
      alive: true,
      conn: null,
      gate: null,
      flooding: false,
      tokenKey: null,
    };
    this.sockets.add(socket);
    this.slices[socket.slot]!.add(socket);
    const authTimer = setTimeout(() => {
      if (!socket.conn) ws.close(WsClose.authTimeout, 'auth timeout');
    }, this.options.authTimeoutMs);
    let authenticating = false;

    ws.on('pong', () => {
      socket.alive = true;
    });
    ws.on('close', () => {
      clearTimeout(authTimer);
      this.sockets.delete(socket);
      this.slices[socket.slot]!.delete(socket);
      this.release(socket);
    });
    ws.on('error', (err) => this.ctx.log.debug({ err }, 'websocket error'));
    // Frames that came after `auth` while its session was looked up: handled once it is known.
    const early: Frame[] = [];
    const handle = (frame: Frame) => {
      const conn = socket.conn;
      if (!conn || conn.closed || socket.flooding || !socket.gate) return;
      // Every frame, of every kind, takes a token from its connection's and its account's bucket.
      const verdict = socket.gate.admit();
      if (verdict === 'close') return this.flooded(socket, conn);
      if (verdict === 'refuse') {
        const isSend = frame.type === 'send' || frame.type === 'invalid_send';
        return this.refuse(conn, isSend ? 'send' : frame.type, new AppError('rate_limited', 429), isSend ? frame.ref : undefined, isSend);
      }
      if (frame.type === 'invalid_send') {
        // A send the client can correct (too long, a bad id): refused, the connection stays.
        this.refuse(conn, 'send', new AppError('validation_failed', 400, { issues: frame.issues }), frame.ref, true);
        return;
      }
      void this.onFrame(conn, frame).catch((err) => this.ctx.log.error({ err }, 'websocket frame failed'));
    };
    ws.on('message', (data: RawData, isBinary: boolean) => {
      socket.alive = true;
      if (socket.flooding) return;
      const frame = parseFrame(data, isBinary);
      if (!frame) {
        // What this connection was already given this turn still goes, before the close frame.
        closeAfterFrames(socket, WsClose.badFrame, 'bad frame');
        return;
      }
      if (socket.conn) return handle(frame);
      if (authenticating) {
        if (early.length < this.options.maxPendingSends) early.push(frame);
        else ws.close(WsClose.badFrame, 'too many frames before ready');
        return;
      }
      if (frame.type !== 'auth') {
        ws.close(WsClose.unauthenticated, 'auth first');
        return;
      }
      // A token that was flooding a moment ago is refused before anything is looked up.
      socket.tokenKey = crypto.createHash('sha256').update(frame.token).digest('base64');
      const penalty = this.penalties.get(socket.tokenKey);
      if (penalty !== undefined && penalty > Date.now()) {
        // Held for a second before the close, so a client that reconnects at once does so slowly.
        socket.flooding = true;
        setTimeout(() => ws.close(WsClose.tooManyFrames, 'too many frames: wait'), 1_000).unref();
        return;
      }
      if (penalty !== undefined) this.penalties.delete(socket.tokenKey);
      authenticating = true;
      void this.authenticateSocket(socket, frame.token, frame.after ?? null, () => early.splice(0).forEach(handle))
        .catch((err) => {
          this.ctx.log.error({ err }, 'websocket start failed');
          ws.close(WsClose.internal, 'internal error');
        })
        .finally(() => clearTimeout(authTimer));
    });
  }

  /** `onKnown` runs once the connection belongs to its account, before its catch-up. */
  private async authenticateSocket(socket: Socket, token: string, after: number | null, onKnown: () => void): Promise<void> {
    const auth = await authenticate(this.ctx, token);
    if (socket.ws.readyState !== socket.ws.OPEN) return;
    if (!auth) {
      socket.ws.close(WsClose.unauthenticated, 'unauthenticated');
      return;
    }
    const gate = this.limits.open(auth.user.id, auth.sessionId);
    if (!gate) {
      socket.ws.close(WsClose.tooManyFrames, 'too many connections');
      return;
    }
    socket.gate = gate;
    const conn = new Connection(socket.ws, socket.raw, auth.user.id, auth.sessionId, this.hub, this.tailer, this.stream, this.options, (c) => this.overflow(c));
    conn.locale = auth.user.locale === 'en' ? 'en' : 'ru';
    socket.conn = conn;
    if (!this.sockets.has(socket)) {
      // Closed while authenticating.
      this.release(socket);
      return;
    }
    const started = conn.start(after);
    onKnown();
    const position = await started;
    if (conn.closed) return;
    conn.outbox.send(JSON.stringify({ type: 'ready', userId: auth.user.id, position, heartbeatSeconds: this.options.heartbeatMs / 1000 }), true);
  }

  private async onFrame(conn: Connection, frame: WsClientFrame): Promise<void> {
    switch (frame.type) {
      case 'ping':
        conn.outbox.send(JSON.stringify({ type: 'pong', ...(frame.id !== undefined ? { id: frame.id } : {}) }), false);
        return;
      case 'auth':
        this.refuse(conn, 'auth', new AppError('validation_failed', 400));
        return;
      case 'typing': {
        // From memory, never a query: the connection follows exactly the chats its account is a
        // member of (read at `auth`, then kept by the stream's `chat.added` / `chat.removed`).
        const chatId = frame.chatId.toLowerCase();
        if (!conn.chats.has(chatId)) return this.refuse(conn, 'typing', new AppError('chat_not_found', 404));
        if (!conn.typingAllowed(chatId, Date.now(), this.options.typingIntervalMs)) return;
        if (conn.pendingSends >= this.options.maxPendingSends) return this.refuse(conn, 'typing', new AppError('rate_limited', 429));
        conn.pendingSends++;
        try {
          await this.ctx.pubsub.publish(typingTopic(chatId), JSON.stringify({ chatId, userId: conn.userId }));
        } catch (err) {
          // Ephemeral: a typing indicator lost with the pub/sub is not worth more than a line in the log.
          this.ctx.log.debug({ err }, 'relaying typing failed');
        } finally {
          conn.pendingSends--;
        }
        return;
      }
      case 'send':
        return this.send(conn, frame);
    }
  }

  /**
   * A `send` frame: the same service and checks as `POST /api/v1/chats/:id/messages`. Sends of one
   * connection to one chat are stored in the order they came (each waits for the one before).
   */
  private async send(conn: Connection, frame: WsSend): Promise<void> {
    if (conn.pendingSends >= this.options.maxPendingSends) return this.refuse(conn, 'send', new AppError('rate_limited', 429), frame.ref, true);
    await conn.inChatOrder(frame.chatId, async () => {
      try {
        // The connection's remembered access (connection.ts, `cachedAccess`), or a lookup.
        const read = async () => {
          conn.forgetAccess(frame.chatId);
          const access = await loadAccess(this.ctx, conn.userId, frame.chatId);
          conn.rememberAccess(frame.chatId, access);
          return access;
        };
        const cached = conn.cachedAccess(frame.chatId);
        const access = cached ?? (await read());
        const { message, created } = await sendMessage(this.ctx, access, conn.userId, frame.message, cached ? read : undefined);
        // Durable: the client waits for this answer, and would otherwise send again.
        conn.outbox.send(JSON.stringify({ type: 'sent', ref: frame.ref, created, message }), true);
      } catch (err) {
        if (err instanceof AppError) return this.refuse(conn, 'send', err, frame.ref, true);
        this.ctx.log.error({ err }, 'websocket send failed');
        this.refuse(conn, 'send', new AppError('internal', 500), frame.ref, true);
      }
    });
  }

  private refuse(conn: Connection, frameType: string, err: AppError, ref?: string, durable = false): void {
    const body = errorBody(err.code, conn.locale, err.details).error;
    const refused = {
      type: 'error',
      code: body.code,
      message: body.message,
      frame: frameType,
      ...(ref !== undefined ? { ref, status: err.status } : {}),
      ...(body.details !== undefined ? { details: body.details } : {}),
    };
    conn.outbox.send(JSON.stringify(refused), durable);
  }

  /** A connection that kept sending after it was refused: closed, and its session kept out for a while. */
  private flooded(socket: Socket, conn: Connection): void {
    socket.flooding = true;
    this.ctx.log.warn({ userId: conn.userId, sessionId: conn.sessionId }, 'websocket flooding: closing');
    const now = Date.now();
    if (this.penalties.size > 10_000) for (const [id, until] of this.penalties) if (until <= now) this.penalties.delete(id);
    if (socket.tokenKey) this.penalties.set(socket.tokenKey, now + this.options.floodPenaltyMs);
    closeAfterFrames(socket, WsClose.tooManyFrames, 'too many frames');
    setTimeout(() => socket.ws.terminate(), 5_000).unref();
  }

  /** The socket is closed: its connection stops and no longer counts against its session and account. */
  private release(socket: Socket): void {
    const conn = socket.conn;
    conn?.stop();
    if (conn && socket.gate) this.limits.close(conn.userId, conn.sessionId);
    socket.gate = null;
  }

  private onRevoked(message: string): void {
    let ids: unknown;
    try {
      ids = (JSON.parse(message) as { sessionIds?: unknown }).sessionIds;
    } catch {
      return;
    }
    if (!Array.isArray(ids)) return;
    const revoked = new Set(ids);
    for (const s of this.sockets) if (s.conn && revoked.has(s.conn.sessionId)) closeAfterFrames(s, WsClose.unauthenticated, 'session ended');
  }

  private overflow(conn: Connection): void {
    this.ctx.log.info({ userId: conn.userId }, 'websocket backlog overflow: closing');
    conn.socket.close(WsClose.backlogOverflow, 'backlog overflow: resume');
    // The close frame waits behind the unread data; do not wait for it for long.
    setTimeout(() => conn.socket.terminate(), 5_000).unref();
  }

  /** One slice's turn: a socket that has not answered since its last ping is dropped, the others are pinged. */
  private heartbeat(): void {
    for (const s of this.slices[this.ticks++ % HEARTBEAT_SLICES]!) {
      if (!s.alive) {
        s.ws.terminate();
        continue;
      }
      s.alive = false;
      try {
        s.ws.ping();
      } catch {
        s.ws.terminate();
      }
    }
  }

  private async checkSessions(): Promise<void> {
    const bySession = new Map<string, Socket[]>();
    for (const s of this.sockets) if (s.conn) bySession.set(s.conn.sessionId, [...(bySession.get(s.conn.sessionId) ?? []), s]);
    const ids = [...bySession.keys()];
    for (let i = 0; i < ids.length; i += 1000) {
      const chunk = ids.slice(i, i + 1000);
      const liveIds = await liveSessionIds(this.ctx, chunk);
      for (const id of chunk) if (!liveIds.has(id)) for (const s of bySession.get(id) ?? []) closeAfterFrames(s, WsClose.unauthenticated, 'session ended');
    }
  }

  /** Closes every connection with 1001: clients reconnect (to another process) and resume. */
  async close(): Promise<void> {
    this.closing = true;
    for (const timer of this.timers) clearInterval(timer);
    await this.unsubscribeRevoked.then((off) => off?.()).catch(() => {});
    await this.tailer.close();
    const open = [...this.sockets];
    await Promise.all(
      open.map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s.ws.readyState === s.ws.CLOSED) return resolve();
            const force = setTimeout(() => {
              s.ws.terminate();
              resolve();
            }, 1_000);
            s.ws.once('close', () => {
              clearTimeout(force);
              resolve();
            });
            closeAfterFrames(s, WsClose.goingAway, 'server shutting down');
          }),
      ),
    );
  }
}

/** Closes a socket after the frames its outbox was given in this turn (nothing may follow the close frame). */
function closeAfterFrames(s: Socket, code: number, reason: string): void {
  s.conn?.outbox.flush();
  s.ws.close(code, reason);
}

/** A `send` whose envelope is sound but whose message is not: answered with the issues, not closed. */
interface InvalidSend {
  type: 'invalid_send';
  ref: string;
  issues: { path: string; message: string }[];
}

type Frame = WsClientFrame | InvalidSend;

function parseFrame(data: RawData, isBinary: boolean): Frame | null {
  if (isBinary) return null;
  let json: unknown;
  try {
    json = JSON.parse(Array.isArray(data) ? Buffer.concat(data).toString('utf8') : data.toString());
  } catch {
    return null;
  }
  const parsed = WsClientFrame.safeParse(json);
  if (parsed.success) return parsed.data;
  const envelope = json as { type?: unknown; ref?: unknown };
  if (envelope?.type === 'send' && typeof envelope.ref === 'string' && envelope.ref.length > 0 && envelope.ref.length <= 64) {
    return { type: 'invalid_send', ref: envelope.ref, issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) };
  }
  return null;
}
