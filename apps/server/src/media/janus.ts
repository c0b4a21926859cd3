import crypto from 'node:crypto';
import WebSocket from 'ws';
import {
  MediaError,
  type MediaAdapter,
  type MediaHandleEvent,
  type MultiSubscription,
  type Publication,
  type RoomOptions,
  type RoomParticipant,
  type StreamRef,
  type SubscribedStream,
  type Subscription,
} from './adapter.ts';

/**
 * The media adapter over Janus's WebSocket API (VideoRoom plugin). One WebSocket, one Janus
 * session, one handle per publication or subscription plus one for room administration.
 * Every request carries the API secret; room requests carry the room's secret or the admin key.
 * When the socket drops (Janus restarted), pending requests fail, the adapter reconnects with
 * back-off and tells its listeners that rooms are gone.
 */

export interface JanusOptions {
  url: string;
  apiSecret?: string;
  adminKey?: string;
  /** Request timeout, ms. */
  timeoutMs?: number;
  log?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

type JanusMsg = Record<string, unknown> & { janus: string; transaction?: string };

interface Pending {
  resolve(m: JanusMsg): void;
  reject(e: Error): void;
  /** Async plugin requests: an `ack` first, the answer comes later as an `event`. */
  waitEvent: boolean;
  timer: NodeJS.Timeout;
}

const PLUGIN = 'janus.plugin.videoroom';

/**
 * How long a subscriber's simulcast layer may go without a packet before Janus falls back to the
 * layer below (Janus's default is 250 ms). A busy laptop's camera can send its top layer at a few
 * frames a second; with 250 ms Janus would keep dropping to the middle layer and wait for a
 * keyframe to climb back, so a clean link would mostly show the middle layer.
 */
const SUBSTREAM_FALLBACK_US = 1_000_000;

function streamBody(s: StreamRef) {
  return { feed: s.feedId, mid: s.feedMid, fallback: SUBSTREAM_FALLBACK_US, ...(s.substream !== undefined ? { substream: s.substream } : {}) };
}

/** The active streams of a subscriber's `attached` / `updated` event. */
function subscribedStreams(data: Record<string, unknown>): SubscribedStream[] {
  const list = (data.streams as { mid?: string; type?: string; active?: boolean; feed_id?: number; feed_mid?: string }[] | undefined) ?? [];
  return list
    .filter((s) => s.active !== false && s.mid !== undefined && s.feed_id !== undefined && (s.type === 'audio' || s.type === 'video'))
    .map((s) => ({ mid: String(s.mid), feedId: Number(s.feed_id), feedMid: String(s.feed_mid), kind: s.type as 'audio' | 'video' }));
}

export class JanusAdapter implements MediaAdapter {
  readonly kind = 'janus';
  private ws: WebSocket | null = null;
  private session: number | null = null;
  private admin: number | null = null;
  private connecting: Promise<void> | null = null;
  private pending = new Map<string, Pending>();
  /** Our handle ids ↔ Janus handle ids (ours survive nothing: a reset drops them all). */
  private handles = new Map<string, number>();
  private byJanus = new Map<number, string>();
  private keepalive: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private everConnected = false;
  private eventListeners = new Set<(e: MediaHandleEvent) => void>();
  private resetListeners = new Set<() => void>();

  constructor(private readonly opts: JanusOptions) {}

  ready(): boolean {
    return this.session !== null && this.ws?.readyState === WebSocket.OPEN;
  }

  /** Connects (or waits for the connection in progress). */
  async connect(): Promise<void> {
    if (this.ready()) return;
    if (!this.connecting) {
      this.connecting = this.open().finally(() => {
        this.connecting = null;
      });
    }
    return this.connecting;
  }

  private async open(): Promise<void> {
    if (this.closed) throw new MediaError('media adapter closed');
    const ws = new WebSocket(this.opts.url, 'janus-protocol');
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', (err) => reject(new MediaError(`cannot reach Janus at ${this.opts.url}: ${err.message}`)));
    });
    this.ws = ws;
    ws.on('message', (data) => this.onMessage(JSON.parse(data.toString()) as JanusMsg));
    ws.on('close', () => this.onClose(ws));
    ws.on('error', () => {});
    const created = await this.send({ janus: 'create' });
    this.session = (created.data as { id: number }).id;
    const attached = await this.send({ janus: 'attach', session_id: this.session, plugin: PLUGIN });
    this.admin = (attached.data as { id: number }).id;
    this.keepalive = setInterval(() => {
      if (this.session !== null && !this.renewing) {
        this.send({ janus: 'keepalive', session_id: this.session }).catch((err: unknown) => {
          if (err instanceof MediaError && err.code === 458) void this.renewSession().catch(() => {});
        });
      }
    }, 25_000);
    this.keepalive.unref();
    if (this.everConnected) for (const l of this.resetListeners) l();
    this.everConnected = true;
  }

  private onClose(ws: WebSocket) {
    if (this.ws !== ws) return;
    this.ws = null;
    this.session = null;
    this.admin = null;
    if (this.keepalive) clearInterval(this.keepalive);
    this.keepalive = null;
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new MediaError('connection to Janus lost'));
    }
    this.pending.clear();
    for (const [id] of this.handles) for (const l of this.eventListeners) l({ type: 'hangup', handleId: id, reason: 'media server connection lost' });
    this.handles.clear();
    this.byJanus.clear();
    if (this.closed) return;
    this.opts.log?.warn({ url: this.opts.url }, 'connection to Janus lost; reconnecting');
    const retry = (delay: number) => {
      this.reconnectTimer = setTimeout(() => {
        this.connect().then(
          () => this.opts.log?.info({ url: this.opts.url }, 'connected to Janus again'),
          () => retry(Math.min(delay * 2, 10_000)),
        );
      }, delay);
      this.reconnectTimer.unref();
    };
    retry(500);
  }

  private onMessage(m: JanusMsg) {
    const tx = m.transaction;
    const p = tx ? this.pending.get(tx) : undefined;
    if (p) {
      if (m.janus === 'ack' && p.waitEvent) return;
      if (m.janus === 'ack' || m.janus === 'success' || m.janus === 'event' || m.janus === 'error') {
        clearTimeout(p.timer);
        this.pending.delete(tx!);
        if (m.janus === 'error') {
          const e = m.error as { code: number; reason: string };
          p.reject(new MediaError(`Janus: ${e.reason}`, e.code));
        } else p.resolve(m);
        return;
      }
    }
    const sender = typeof m.sender === 'number' ? this.byJanus.get(m.sender) : undefined;
    if (!sender) return;
    if (m.janus === 'webrtcup') this.emit({ type: 'up', handleId: sender });
    else if (m.janus === 'hangup' || m.janus === 'detached') this.emit({ type: 'hangup', handleId: sender, reason: String(m.reason ?? m.janus) });
    else if (m.janus === 'media' && (m.type === 'audio' || m.type === 'video'))
      this.emit({ type: 'media', handleId: sender, kind: m.type, receiving: Boolean(m.receiving) });
    else if (m.janus === 'event' && !p) {
      const data = (m.plugindata as { data?: Record<string, unknown> } | undefined)?.data ?? {};
      if (data.videoroom === 'updated' && Array.isArray(data.streams))
        this.emit({ type: 'streams', handleId: sender, streams: subscribedStreams(data), offer: (m.jsep as { sdp?: string } | undefined)?.sdp ?? null });
    } else if (m.janus === 'slowlink') this.emit({ type: 'slowlink', handleId: sender, uplink: Boolean(m.uplink), lost: Number(m.lost ?? 0) });
  }

  private emit(e: MediaHandleEvent) {
    for (const l of this.eventListeners) l(e);
  }

  private send(body: Record<string, unknown>, waitEvent = false): Promise<JanusMsg> {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.reject(new MediaError('not connected to Janus'));
    const transaction = crypto.randomBytes(9).toString('base64url');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(transaction);
        reject(new MediaError(`Janus did not answer ${String(body.janus)} in time`));
      }, this.opts.timeoutMs ?? 10_000);
      this.pending.set(transaction, { resolve, reject, waitEvent, timer });
      ws.send(JSON.stringify({ ...body, transaction, ...(this.opts.apiSecret ? { apisecret: this.opts.apiSecret } : {}) }));
    });
  }

  /** A request to the plugin on a handle; returns the plugin's data (and JSEP), or throws its error. */
  private async request(handle: number, body: Record<string, unknown>, opts: { jsep?: object; async?: boolean } = {}) {
    await this.connect();
    const m = await this.send(
      { janus: 'message', session_id: this.session, handle_id: handle, body, ...(opts.jsep ? { jsep: opts.jsep } : {}) },
      opts.async ?? false,
    );
    const data = ((m.plugindata as { data?: Record<string, unknown> } | undefined)?.data ?? {}) as Record<string, unknown>;
    if (data.error_code) throw new MediaError(`Janus videoroom: ${String(data.error)}`, Number(data.error_code));
    return { data, jsep: m.jsep as { type: string; sdp: string } | undefined };
  }

  private async adminRequest(body: Record<string, unknown>) {
    await this.connect();
    return this.sessionRetry(() => this.request(this.admin!, body));
  }

  /**
   * Janus drops a session it has not heard from for `session_timeout` (a blocked event loop can
   * miss keepalives): then every handle of it is gone. Make a new session, report the reset, and
   * retry the request once.
   */
  private async sessionRetry<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (!(err instanceof MediaError) || err.code !== 458) throw err;
      await this.renewSession();
      return work();
    }
  }

  private renewing: Promise<void> | null = null;
  private renewSession(): Promise<void> {
    this.renewing ??= (async () => {
      this.opts.log?.warn({ url: this.opts.url }, 'Janus session expired; opening a new one');
      for (const [id] of this.handles) this.emit({ type: 'hangup', handleId: id, reason: 'media session expired' });
      this.handles.clear();
      this.byJanus.clear();
      const created = await this.send({ janus: 'create' });
      this.session = (created.data as { id: number }).id;
      const attached = await this.send({ janus: 'attach', session_id: this.session, plugin: PLUGIN });
      this.admin = (attached.data as { id: number }).id;
      for (const l of this.resetListeners) l();
    })().finally(() => {
      this.renewing = null;
    });
    return this.renewing;
  }

  private async attach(): Promise<{ id: string; janus: number }> {
    await this.connect();
    const m = await this.sessionRetry(() => this.send({ janus: 'attach', session_id: this.session, plugin: PLUGIN }));
    const janus = (m.data as { id: number }).id;
    const id = crypto.randomUUID();
    this.handles.set(id, janus);
    this.byJanus.set(janus, id);
    return { id, janus };
  }

  private handle(id: string): number {
    const h = this.handles.get(id);
    if (h === undefined) throw new MediaError('no such media handle');
    return h;
  }

  async createRoom(o: RoomOptions): Promise<void> {
    await this.adminRequest({
      request: 'create',
      room: o.room,
      permanent: false,
      description: o.description.slice(0, 100),
      secret: o.secret,
      pin: o.pin,
      is_private: true,
      publishers: o.publishers,
      bitrate: o.bitrate,
      bitrate_cap: true,
      fir_freq: 10,
      videocodec: 'vp8',
      audiocodec: 'opus',
      notify_joining: false,
      ...(this.opts.adminKey ? { admin_key: this.opts.adminKey } : {}),
    });
  }

  async roomExists(room: number): Promise<boolean> {
    const { data } = await this.adminRequest({ request: 'exists', room });
    return Boolean(data.exists);
  }

  async destroyRoom(room: number, secret: string): Promise<void> {
    try {
      await this.adminRequest({ request: 'destroy', room, secret, permanent: false });
    } catch (err) {
      if (err instanceof MediaError && err.code === 426) return; // no such room
      throw err;
    }
  }

  async publish(o: { room: number; pin: string; display: string; offer: string; bitrate?: number }): Promise<Publication> {
    const h = await this.attach();
    try {
      const { data, jsep } = await this.request(
        h.janus,
        {
          request: 'joinandconfigure',
          ptype: 'publisher',
          room: o.room,
          pin: o.pin,
          display: o.display.slice(0, 80),
          audio: true,
          video: true,
          ...(o.bitrate ? { bitrate: o.bitrate } : {}),
        },
        { jsep: { type: 'offer', sdp: o.offer }, async: true },
      );
      if (!jsep) throw new MediaError('Janus gave no SDP answer');
      return { handleId: h.id, feedId: Number(data.id), answer: jsep.sdp };
    } catch (err) {
      await this.leave(h.id).catch(() => {});
      throw err;
    }
  }

  async subscribe(o: { room: number; pin: string; feedId: number; mids?: string[]; substream?: number }): Promise<Subscription> {
    const h = await this.attach();
    try {
      const layer = { fallback: SUBSTREAM_FALLBACK_US, ...(o.substream !== undefined ? { substream: o.substream } : {}) };
      const streams = o.mids?.length ? o.mids.map((mid) => ({ feed: o.feedId, mid, ...layer })) : [{ feed: o.feedId, ...layer }];
      const { jsep } = await this.request(h.janus, { request: 'join', ptype: 'subscriber', room: o.room, pin: o.pin, streams }, { async: true });
      if (!jsep) throw new MediaError('Janus gave no SDP offer');
      return { handleId: h.id, offer: jsep.sdp };
    } catch (err) {
      await this.leave(h.id).catch(() => {});
      throw err;
    }
  }

  async subscribeStreams(o: { room: number; pin: string; streams: StreamRef[] }): Promise<MultiSubscription> {
    const h = await this.attach();
    try {
      const { data, jsep } = await this.request(
        h.janus,
        { request: 'join', ptype: 'subscriber', room: o.room, pin: o.pin, streams: o.streams.map(streamBody) },
        { async: true },
      );
      if (!jsep) throw new MediaError('Janus gave no SDP offer');
      return { handleId: h.id, offer: jsep.sdp, streams: subscribedStreams(data) };
    } catch (err) {
      await this.leave(h.id).catch(() => {});
      throw err;
    }
  }

  async updateStreams(handleId: string, change: { add: StreamRef[]; drop: StreamRef[] }): Promise<MultiSubscription> {
    // Janus's `update` adds and removes in one renegotiation; m-lines of dropped streams go
    // inactive and are reused by later additions, so the PeerConnection never grows without bound.
    const body = {
      request: 'update',
      ...(change.add.length ? { subscribe: change.add.map(streamBody) } : {}),
      ...(change.drop.length ? { unsubscribe: change.drop.map((s) => ({ feed: s.feedId, mid: s.feedMid })) } : {}),
    };
    const { data, jsep } = await this.request(this.handle(handleId), body, { async: true });
    return { handleId, offer: jsep?.sdp ?? null, streams: subscribedStreams(data) };
  }

  async setStreamSubstream(handleId: string, mid: string, substream: number): Promise<void> {
    await this.request(this.handle(handleId), { request: 'configure', streams: [{ mid, substream, fallback: SUBSTREAM_FALLBACK_US }] }, { async: true });
  }

  async startSubscription(handleId: string, answer: string): Promise<void> {
    await this.request(this.handle(handleId), { request: 'start' }, { jsep: { type: 'answer', sdp: answer }, async: true });
  }

  async setSubstream(handleId: string, substream: number): Promise<void> {
    await this.request(this.handle(handleId), { request: 'configure', substream, fallback: SUBSTREAM_FALLBACK_US }, { async: true });
  }

  async leave(handleId: string): Promise<void> {
    const h = this.handles.get(handleId);
    if (h === undefined) return;
    this.handles.delete(handleId);
    this.byJanus.delete(h);
    if (!this.ready()) return;
    await this.send({ janus: 'detach', session_id: this.session, handle_id: h }).catch(() => {});
  }

  async moderate(o: { room: number; secret: string; feedId: number; mid: string; mute: boolean }): Promise<void> {
    await this.adminRequest({ request: 'moderate', room: o.room, secret: o.secret, id: o.feedId, mid: o.mid, mute: o.mute });
  }

  async kick(o: { room: number; secret: string; feedId: number }): Promise<void> {
    try {
      await this.adminRequest({ request: 'kick', room: o.room, secret: o.secret, id: o.feedId });
    } catch (err) {
      if (err instanceof MediaError && err.code === 428) return; // no such feed: gone already
      throw err;
    }
  }

  async listParticipants(room: number): Promise<RoomParticipant[]> {
    const { data } = await this.adminRequest({ request: 'listparticipants', room });
    return ((data.participants as { id: number; display?: string; publisher: boolean; talking?: boolean }[]) ?? []).map((p) => ({
      feedId: Number(p.id),
      display: p.display ?? '',
      publisher: p.publisher,
      talking: p.talking,
    }));
  }

  onEvent(listener: (e: MediaHandleEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onReset(listener: () => void): () => void {
    this.resetListeners.add(listener);
    return () => this.resetListeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.keepalive) clearInterval(this.keepalive);
    const ws = this.ws;
    if (ws && this.session !== null && ws.readyState === WebSocket.OPEN) await this.send({ janus: 'destroy', session_id: this.session }).catch(() => {});
    ws?.close();
    this.ws = null;
    this.session = null;
  }
}
