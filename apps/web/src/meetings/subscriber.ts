import { StreamsState } from '@parta/protocol';
import { api } from '../app/state.ts';
import { ApiError } from '../lib/api.ts';
import { initialLayer, linkSample, nextLayer, type Layer, type LayerState, type LinkSample } from './layers.ts';
import { gathered, newPeerConnection, type Ice } from './publisher.ts';

/** What this browser asks to receive of one feed: its audio always, its video when its tile is on screen. */
export interface Want {
  feedId: number;
  video: boolean;
}

interface FeedMedia {
  /** Video only (tiles play it muted-free: it has no audio). */
  video: MediaStream;
  /** Audio only, played by a hidden <audio> element, for every feed whether its tile shows or not. */
  audio: MediaStream;
}

/**
 * The receiving side: ONE PeerConnection for every feed this participant receives (Janus VideoRoom
 * multistream). The client states what it wants (`want`); Parta adds and drops the streams on its
 * single subscription and Janus renegotiates: a new offer, answered here. m-lines map to feeds by
 * mid (the `streams` Parta returns). Each video stream's simulcast layer follows its link
 * (layers.ts) under a ceiling.
 */
export class Subscriber {
  pc: RTCPeerConnection | null = null;
  private subscriptionId: string | null = null;
  private byMid = new Map<string, { feedId: number; kind: 'audio' | 'video' }>();
  private media = new Map<number, FeedMedia>();
  private layers = new Map<number, LayerState>();
  private wanted: Want[] = [];
  private ceiling: Layer = 2;
  private running: Promise<void> | null = null;
  private dirty = false;
  private closed = false;
  /** What the subscription was last brought to (feeds and ceiling): the same request again is skipped. */
  private synced = '';

  constructor(
    private readonly path: (p: string) => string,
    private readonly ice: () => Ice,
    private readonly onChange: () => void,
  ) {}

  /** Sets what to receive; the subscription is updated in the background (one change at a time). */
  want(feeds: Want[], ceiling: Layer): Promise<void> {
    const sig = JSON.stringify([feeds, ceiling]);
    if (sig === this.synced && !this.running) return Promise.resolve();
    this.wanted = feeds;
    this.ceiling = ceiling;
    this.dirty = true;
    this.running ??= this.drain().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async drain() {
    while (this.dirty && !this.closed) {
      this.dirty = false;
      const sig = JSON.stringify([this.wanted, this.ceiling]);
      try {
        await this.sync();
        this.synced = sig;
      } catch (err) {
        this.synced = '';
        // A feed went away between the poll and the request, or the network blinked: the next poll asks again.
        if (!(err instanceof ApiError) || !['meeting_feed_not_found', 'not_found'].includes(err.code)) console.warn('meeting: subscription update failed', err);
        if (err instanceof ApiError && err.code === 'not_found') await this.reset(false);
        return;
      }
    }
  }

  private async sync() {
    const body = {
      feeds: this.wanted.map((w) => ({
        feedId: w.feedId,
        video: w.video,
        ...(w.video ? { substream: this.layers.get(w.feedId)?.layer ?? this.ceiling } : {}),
      })),
    };
    const res = await api.put(this.path('/streams'), StreamsState, body);
    if (this.closed) return;
    if (res.subscriptionId !== this.subscriptionId) {
      // A new subscription (the first, or the media server lost the old one): a new PeerConnection.
      this.pc?.close();
      this.pc = null;
      this.subscriptionId = res.subscriptionId;
    }
    if (res.sdp) {
      const first = !this.pc;
      const pc = this.pc ?? this.openPc();
      await pc.setRemoteDescription({ type: 'offer', sdp: res.sdp });
      await pc.setLocalDescription(await pc.createAnswer());
      if (first) await gathered(pc);
      await api.post(this.path('/streams/answer'), null, { sdp: pc.localDescription!.sdp });
      // The offer may have been Janus's own (a publisher left) rather than this request's: ask again.
      this.dirty = true;
    }
    this.byMid = new Map(res.streams.map((s) => [s.mid, { feedId: s.feedId, kind: s.kind }]));
    this.rebuild();
  }

  private openPc(): RTCPeerConnection {
    const pc = newPeerConnection(this.ice());
    this.pc = pc;
    pc.addEventListener('connectionstatechange', () => {
      if (pc.connectionState === 'failed' && this.pc === pc) void this.reset(true).then(() => this.want(this.wanted, this.ceiling));
    });
    return pc;
  }

  /** Tracks of the current m-lines, per feed; streams are kept when their tracks did not change (no flicker). */
  private rebuild() {
    const tracks = new Map<number, { audio: MediaStreamTrack[]; video: MediaStreamTrack[] }>();
    for (const t of this.pc?.getTransceivers() ?? []) {
      const s = t.mid ? this.byMid.get(t.mid) : undefined;
      if (!s) continue;
      const entry = tracks.get(s.feedId) ?? { audio: [], video: [] };
      entry[s.kind].push(t.receiver.track);
      tracks.set(s.feedId, entry);
    }
    const same = (a: MediaStream, b: MediaStreamTrack[]) => a.getTracks().length === b.length && b.every((t) => a.getTracks().includes(t));
    let changed = false;
    for (const [feedId, t] of tracks) {
      const old = this.media.get(feedId);
      const video = old && same(old.video, t.video) ? old.video : new MediaStream(t.video);
      const audio = old && same(old.audio, t.audio) ? old.audio : new MediaStream(t.audio);
      if (!old || video !== old.video || audio !== old.audio) changed = true;
      this.media.set(feedId, { video, audio });
    }
    for (const feedId of [...this.media.keys()])
      if (!tracks.has(feedId)) {
        this.media.delete(feedId);
        this.layers.delete(feedId);
        changed = true;
      }
    for (const feedId of this.media.keys()) if (this.videoTrack(feedId) && !this.layers.has(feedId)) this.layers.set(feedId, initialLayer(this.ceiling));
    for (const [feedId] of this.layers) if (!this.videoTrack(feedId)) this.layers.delete(feedId);
    if (changed) this.onChange();
  }

  mediaOf(feedId: number): FeedMedia | undefined {
    return this.media.get(feedId);
  }

  private receiverOf(feedId: number, kind: 'audio' | 'video'): RTCRtpReceiver | undefined {
    for (const t of this.pc?.getTransceivers() ?? []) {
      const s = t.mid ? this.byMid.get(t.mid) : undefined;
      if (s && s.feedId === feedId && s.kind === kind) return t.receiver;
    }
    return undefined;
  }

  private videoTrack(feedId: number) {
    return this.receiverOf(feedId, 'video');
  }

  /** The audio level (0…1) of each feed's latest packets, from the receivers (no getStats needed). */
  levels(): Map<number, number> {
    const out = new Map<number, number>();
    for (const feedId of this.media.keys()) {
      const r = this.receiverOf(feedId, 'audio');
      // Sources time-stamp their last packet on the wall clock's timeline: only recent ones count.
      const level = Math.max(0, ...(r?.getSynchronizationSources() ?? []).filter((s) => Date.now() - s.timestamp < 1500).map((s) => s.audioLevel ?? 0));
      out.set(feedId, level);
    }
    return out;
  }

  /** Moves each video stream's layer down on loss or jitter, up after a clean run (layers.ts). */
  async adapt(): Promise<void> {
    for (const [feedId, state] of [...this.layers]) {
      const video = this.receiverOf(feedId, 'video');
      if (!video) continue;
      let sample: LinkSample | null = null;
      (await video.getStats().catch(() => null))?.forEach((r: { type: string; packetsReceived?: number; packetsLost?: number; jitter?: number }) => {
        if (r.type === 'inbound-rtp') sample = { packetsReceived: r.packetsReceived ?? 0, packetsLost: r.packetsLost ?? 0, jitter: r.jitter ?? 0 };
      });
      if (!sample) continue;
      let audioJitter: number | null = null;
      (
        await this.receiverOf(feedId, 'audio')
          ?.getStats()
          .catch(() => null)
      )?.forEach((r: { type: string; packetsReceived?: number; jitter?: number }) => {
        if (r.type === 'inbound-rtp' && (r.packetsReceived ?? 0) > 0) audioJitter = r.jitter ?? 0;
      });
      const next = nextLayer(state, linkSample(sample, audioJitter), this.ceiling);
      this.layers.set(feedId, next);
      if (next.layer !== state.layer) await this.setLayer(feedId, next.layer);
    }
  }

  /** A new ceiling ("save data", many cameras): every video stream starts again from it. */
  async setCeiling(ceiling: Layer): Promise<void> {
    this.ceiling = ceiling;
    for (const feedId of [...this.layers.keys()]) {
      this.layers.set(feedId, initialLayer(ceiling));
      await this.setLayer(feedId, ceiling);
    }
  }

  private setLayer(feedId: number, layer: Layer) {
    return api.post(this.path('/streams/substream'), null, { feedId, substream: layer }).catch(() => {});
  }

  /** How many video streams are decoded now (for the laptop-side cost). */
  videoCount(): number {
    return [...this.media.values()].filter((m) => m.video.getVideoTracks().length > 0).length;
  }

  /** Drops the PeerConnection; `release` also closes the subscription on the server. */
  async reset(release: boolean): Promise<void> {
    this.synced = '';
    this.pc?.close();
    this.pc = null;
    this.subscriptionId = null;
    this.byMid.clear();
    this.media.clear();
    this.layers.clear();
    this.onChange();
    if (release) await api.delete(this.path('/streams')).catch(() => {});
  }

  async close(release: boolean): Promise<void> {
    this.closed = true;
    await this.reset(release);
  }
}
