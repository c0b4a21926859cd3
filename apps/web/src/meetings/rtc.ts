import { JoinedMeeting, LiveState, Published, Subscribed } from '@parta/protocol';
import type { z } from 'zod';
import { api } from '../app/state.ts';
import { ApiError } from '../lib/api.ts';
import { pickSpeaker, type AudioLevel } from './speaking.ts';
import { SIMULCAST_ENCODINGS, initialLayer, linkSample, nextLayer, type Layer, type LayerState, type LinkSample } from './layers.ts';

type Ice = z.infer<typeof JoinedMeeting>['iceServers'];

export interface RemoteTile {
  key: string;
  feedId: number;
  personId: string;
  name: string;
  kind: 'camera' | 'screen';
  stream: MediaStream;
  audioMuted: boolean;
  videoStopped: boolean;
}

export interface MeetingView {
  phase: 'joining' | 'waiting' | 'live' | 'reconnecting' | 'ended' | 'removed' | 'error';
  error: unknown;
  live: LiveState | null;
  tiles: RemoteTile[];
  local: MediaStream | null;
  screen: MediaStream | null;
  micOn: boolean;
  camOn: boolean;
  audioOnly: boolean;
  lowBandwidth: boolean;
  /** Who the speaker view shows (the last one who spoke, unless muted or gone). */
  speakerPersonId: string | null;
  /** Who speaks now («говорит»); never a muted participant. */
  speakingPersonId: string | null;
}

interface Sub {
  id: string;
  pc: RTCPeerConnection;
  stream: MediaStream;
  feedId: number;
  kind: 'camera' | 'screen';
  /** The simulcast layer asked for, adapted to what arrives (layers.ts). */
  layer: LayerState;
}

/** How often each camera's reception is read to choose its simulcast layer. */
const LAYER_SAMPLE_MS = 3000;

const POLL_MS = 1500;

/** Waits for ICE gathering to finish (no trickle: the SDP goes to Parta once, complete). */
function gathered(pc: RTCPeerConnection, timeoutMs = 3000): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      if (pc.iceGatheringState !== 'complete') return;
      pc.removeEventListener('icegatheringstatechange', done);
      resolve();
    };
    pc.addEventListener('icegatheringstatechange', done);
    setTimeout(resolve, timeoutMs);
  });
}

/**
 * One participant's side of a meeting. Every SDP goes through Parta's API, which checks
 * membership and forwards it to the media server; media flows straight between the browser and
 * the SFU. Publishing uses simulcast (three VP8 layers); each remote feed is its own subscription.
 */
export class MeetingClient {
  view: MeetingView = { phase: 'joining', error: null, live: null, tiles: [], local: null, screen: null, micOn: true, camOn: true, audioOnly: false, lowBandwidth: false, speakerPersonId: null, speakingPersonId: null };
  private listeners = new Set<() => void>();
  private ice: Ice = [];
  private pub: RTCPeerConnection | null = null;
  private screenPub: RTCPeerConnection | null = null;
  private subs = new Map<number, Sub>();
  private pending = new Set<number>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private speakerTimer: ReturnType<typeof setInterval> | null = null;
  private layerTimer: ReturnType<typeof setInterval> | null = null;
  private stopped = false;
  /** Layers follow the link (layers.ts); off (`?adapt=0`), each camera keeps the ceiling: for measurements. */
  private readonly adaptive: boolean;
  private recovering = false;
  private myPersonId: string | null = null;
  private devices = { audio: undefined as string | undefined, video: undefined as string | undefined };

  constructor(
    readonly meetingId: string,
    opts: { audioOnly?: boolean; adaptLayers?: boolean } = {},
  ) {
    this.adaptive = opts.adaptLayers ?? true;
    this.view.audioOnly = Boolean(opts.audioOnly);
    if (opts.audioOnly) this.view.camOn = false;
  }

  subscribe(l: () => void) {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  private set(patch: Partial<MeetingView>) {
    this.view = { ...this.view, ...patch };
    this.listeners.forEach((l) => l());
  }
  private path(p = '') {
    return `/api/v1/meetings/${this.meetingId}${p}`;
  }

  async start(myPersonId: string): Promise<void> {
    this.myPersonId = myPersonId;
    try {
      const joined = await this.join();
      if (!joined) return;
      this.ice = joined.iceServers;
      await this.openLocal();
      await this.publishCamera();
      this.set({ phase: 'live' });
    } catch (err) {
      this.set({ phase: 'error', error: err });
      return;
    }
    await this.poll();
    this.timer = setInterval(() => void this.poll(), POLL_MS);
    this.speakerTimer = setInterval(() => void this.detectSpeaker(), 1000);
    if (this.adaptive) this.layerTimer = setInterval(() => void this.adaptLayers(), LAYER_SAMPLE_MS);
  }

  /** Joins; in the waiting room (409 `meeting_lobby`) asks again every 3 s until the host admits. Null when stopped. */
  private async join(): Promise<z.infer<typeof JoinedMeeting> | null> {
    for (;;) {
      try {
        return await api.post(this.path('/join'), JoinedMeeting, { audioOnly: this.view.audioOnly });
      } catch (err) {
        if (!(err instanceof ApiError) || err.code !== 'meeting_lobby') throw err;
        if (this.view.phase !== 'waiting') this.set({ phase: 'waiting' });
        await new Promise((r) => setTimeout(r, 3000));
        if (this.stopped) return null;
      }
    }
  }

  /** The highest layer to ask for: the lowest with "save data" or when many cameras are shown. */
  private layerCeiling(): Layer {
    return this.view.lowBandwidth || this.subs.size >= 4 ? 0 : 2;
  }

  /** Reads each camera's inbound video and moves its layer down on loss or jitter, up after a clean run. */
  private async adaptLayers() {
    const ceiling = this.layerCeiling();
    for (const s of [...this.subs.values()]) {
      if (s.kind !== 'camera' || this.view.audioOnly) continue;
      const stats = await s.pc.getStats().catch(() => null);
      let video: LinkSample | null = null;
      let audioJitter: number | null = null;
      stats?.forEach((r: { type: string; kind?: string; packetsReceived?: number; packetsLost?: number; jitter?: number }) => {
        if (r.type === 'inbound-rtp' && r.kind === 'video') video = { packetsReceived: r.packetsReceived ?? 0, packetsLost: r.packetsLost ?? 0, jitter: r.jitter ?? 0 };
        if (r.type === 'inbound-rtp' && r.kind === 'audio' && (r.packetsReceived ?? 0) > 0) audioJitter = r.jitter ?? 0;
      });
      if (!video) continue;
      const sample = linkSample(video, audioJitter);
      const next = nextLayer(s.layer, sample, ceiling);
      const changed = next.layer !== s.layer.layer;
      s.layer = next;
      if (changed) await api.post(this.path(`/subscriptions/${s.id}/substream`), null, { substream: next.layer }).catch(() => {});
    }
  }

  private async openLocal() {
    const wantVideo = !this.view.audioOnly;
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: this.devices.audio ? { deviceId: { exact: this.devices.audio } } : true,
      video: wantVideo ? (this.devices.video ? { deviceId: { exact: this.devices.video }, width: 640, height: 480 } : { width: 640, height: 480 }) : false,
    });
    stream.getAudioTracks().forEach((t) => (t.enabled = this.view.micOn && !this.view.live?.me.audioMutedByHost));
    stream.getVideoTracks().forEach((t) => (t.enabled = this.view.camOn));
    this.view.local?.getTracks().forEach((t) => t.stop());
    this.set({ local: stream });
  }

  private newPc() {
    return new RTCPeerConnection({ iceServers: this.ice, bundlePolicy: 'max-bundle' });
  }

  private async publishCamera(): Promise<void> {
    this.pub?.close();
    const pc = this.newPc();
    this.pub = pc;
    const local = this.view.local!;
    const audio = local.getAudioTracks()[0];
    if (audio) pc.addTransceiver(audio, { direction: 'sendonly', streams: [local] });
    const video = local.getVideoTracks()[0];
    if (video) {
      pc.addTransceiver(video, {
        direction: 'sendonly',
        streams: [local],
        // Simulcast: weak subscribers get a lower layer from the SFU.
        sendEncodings: SIMULCAST_ENCODINGS.map((e) => ({ ...e })),
      });
    }
    await this.negotiatePublish(pc, 'camera');
    pc.addEventListener('connectionstatechange', () => {
      if (pc.connectionState === 'failed' && this.pub === pc && !this.stopped) void this.recover();
    });
  }

  private async negotiatePublish(pc: RTCPeerConnection, kind: 'camera' | 'screen') {
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    const answer = await api.post(this.path('/publish'), Published, { kind, sdp: pc.localDescription!.sdp, simulcast: kind === 'camera' });
    await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
  }

  /** A dropped network or a restarted media server: join again and publish again. */
  private async recover() {
    if (this.recovering) return;
    this.recovering = true;
    this.set({ phase: 'reconnecting' });
    try {
      await this.rejoin();
    } finally {
      this.recovering = false;
    }
  }

  private async rejoin() {
    for (const s of this.subs.values()) s.pc.close();
    this.subs.clear();
    this.set({ tiles: [] });
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        if (!(await this.join())) return;
        await this.publishCamera();
        if (this.view.screen) await this.publishScreen(this.view.screen);
        this.set({ phase: 'live' });
        return;
      } catch (err) {
        if (err instanceof ApiError && ['meeting_ended', 'meeting_removed', 'meeting_not_found'].includes(err.code)) {
          this.set({ phase: err.code === 'meeting_removed' ? 'removed' : 'ended' });
          await this.stop(false);
          return;
        }
        await new Promise((r) => setTimeout(r, Math.min(1000 * 2 ** attempt, 10_000)));
      }
    }
  }

  /** Reads the live state now (after a host action), instead of at the next poll. */
  refresh(): Promise<void> {
    return this.poll();
  }

  private async poll(): Promise<void> {
    if (this.stopped) return;
    let live: LiveState;
    try {
      live = await api.get(this.path('/live'), LiveState);
    } catch (err) {
      if (err instanceof ApiError && err.isNetwork && this.view.phase === 'live') this.set({ phase: 'reconnecting' });
      return;
    }
    if (this.stopped) return;
    if (live.meeting.status === 'ended') {
      this.set({ live, phase: 'ended' });
      await this.stop(false);
      return;
    }
    if (live.me.removed) {
      this.set({ live, phase: 'removed' });
      await this.stop(false);
      return;
    }
    if (!live.me.participantId && !this.recovering) {
      // The server timed us out (network gap): join again.
      void this.recover();
    }
    if (this.view.phase === 'reconnecting' && live.me.participantId && this.pub?.connectionState === 'connected') this.set({ phase: 'live' });
    const audioTrack = this.view.local?.getAudioTracks()[0];
    if (audioTrack) audioTrack.enabled = this.view.micOn && !live.me.audioMutedByHost;
    if (live.me.audioMutedByHost && this.view.micOn) this.view.micOn = false;
    const videoTrack = this.view.local?.getVideoTracks()[0];
    if (videoTrack && live.me.videoStoppedByHost) {
      videoTrack.enabled = false;
      this.view.camOn = false;
    }
    const remote = live.participants.filter((p) => p.personId !== this.myPersonId).flatMap((p) => p.feeds.map((f) => ({ p, f })));
    const wanted = new Set(remote.map((r) => r.f.feedId));
    for (const [feedId, s] of this.subs) {
      if (wanted.has(feedId)) continue;
      s.pc.close();
      this.subs.delete(feedId);
      void api.delete(this.path(`/subscriptions/${s.id}`)).catch(() => {});
    }
    for (const { f } of remote) if (!this.subs.has(f.feedId) && !this.pending.has(f.feedId)) void this.subscribeFeed(f.feedId, f.kind);
    const tiles: RemoteTile[] = [];
    for (const { p, f } of remote) {
      const s = this.subs.get(f.feedId);
      if (s) tiles.push({ key: `${f.feedId}`, feedId: f.feedId, personId: p.personId, name: p.name, kind: f.kind, stream: s.stream, audioMuted: f.audioMuted, videoStopped: f.videoStopped });
    }
    this.set({ live, tiles });
  }

  private async subscribeFeed(feedId: number, kind: 'camera' | 'screen') {
    this.pending.add(feedId);
    try {
      const audioOnly = this.view.audioOnly && kind === 'camera';
      const substream = this.layerCeiling();
      const sub = await api.post(this.path('/subscribe'), Subscribed, { feedId, audioOnly, substream });
      const pc = this.newPc();
      const stream = new MediaStream();
      pc.addEventListener('track', (e) => stream.addTrack(e.track));
      await pc.setRemoteDescription({ type: 'offer', sdp: sub.sdp });
      await pc.setLocalDescription(await pc.createAnswer());
      await gathered(pc);
      await api.post(this.path(`/subscriptions/${sub.subscriptionId}/answer`), null, { sdp: pc.localDescription!.sdp });
      pc.addEventListener('connectionstatechange', () => {
        if (pc.connectionState === 'failed' && this.subs.get(feedId)?.pc === pc) {
          pc.close();
          this.subs.delete(feedId);
        }
      });
      if (this.stopped) pc.close();
      else this.subs.set(feedId, { id: sub.subscriptionId, pc, stream, feedId, kind, layer: initialLayer(substream) });
    } catch {
      /* Not flowing yet, or gone: the next poll tries again. */
    } finally {
      this.pending.delete(feedId);
    }
  }

  /** The loudest remote participant over the last second (inbound audio level); muted ones never (speaking.ts). */
  private async detectSpeaker() {
    const levels: AudioLevel[] = [];
    for (const t of this.view.tiles) {
      const s = this.subs.get(t.feedId);
      if (!s || t.kind !== 'camera') continue;
      const stats = await s.pc.getStats().catch(() => null);
      let level = 0;
      stats?.forEach((r: { type: string; kind?: string; audioLevel?: number }) => {
        if (r.type === 'inbound-rtp' && r.kind === 'audio') level = Math.max(level, r.audioLevel ?? 0);
      });
      levels.push({ personId: t.personId, level, muted: t.audioMuted });
    }
    const next = pickSpeaker(levels, this.view.speakerPersonId);
    if (next.speaker !== this.view.speakerPersonId || next.speaking !== this.view.speakingPersonId) this.set({ speakerPersonId: next.speaker, speakingPersonId: next.speaking });
  }

  toggleMic() {
    if (this.view.live?.me.audioMutedByHost && !this.view.micOn) return;
    const on = !this.view.micOn;
    this.view.local?.getAudioTracks().forEach((t) => (t.enabled = on));
    this.set({ micOn: on });
  }

  toggleCam() {
    if (this.view.audioOnly) return;
    const on = !this.view.camOn;
    this.view.local?.getVideoTracks().forEach((t) => (t.enabled = on));
    this.set({ camOn: on });
  }

  async setLowBandwidth(on: boolean) {
    this.set({ lowBandwidth: on });
    const ceiling = this.layerCeiling();
    for (const s of this.subs.values()) {
      s.layer = initialLayer(ceiling);
      await api.post(this.path(`/subscriptions/${s.id}/substream`), null, { substream: ceiling }).catch(() => {});
    }
  }

  /** Switches between audio-only and audio with video: publishes again and resubscribes. */
  async setAudioOnly(on: boolean) {
    this.set({ audioOnly: on, camOn: !on });
    await this.openLocal();
    await this.publishCamera();
    for (const s of this.subs.values()) {
      s.pc.close();
      void api.delete(this.path(`/subscriptions/${s.id}`)).catch(() => {});
    }
    this.subs.clear();
    await this.poll();
  }

  async chooseDevice(kind: 'audio' | 'video', deviceId: string) {
    this.devices[kind] = deviceId;
    const track = (await navigator.mediaDevices.getUserMedia(kind === 'audio' ? { audio: { deviceId: { exact: deviceId } } } : { video: { deviceId: { exact: deviceId }, width: 640, height: 480 } })).getTracks()[0]!;
    track.enabled = kind === 'audio' ? this.view.micOn : this.view.camOn;
    const sender = this.pub?.getSenders().find((s) => s.track?.kind === track.kind);
    await sender?.replaceTrack(track);
    const local = this.view.local;
    if (local) {
      for (const old of kind === 'audio' ? local.getAudioTracks() : local.getVideoTracks()) {
        old.stop();
        local.removeTrack(old);
      }
      local.addTrack(track);
      this.set({ local: new MediaStream(local.getTracks()) });
    }
  }

  async startScreen() {
    const stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    stream.getVideoTracks()[0]?.addEventListener('ended', () => void this.stopScreen());
    await this.publishScreen(stream);
    this.set({ screen: stream });
  }

  private async publishScreen(stream: MediaStream) {
    this.screenPub?.close();
    const pc = this.newPc();
    this.screenPub = pc;
    for (const t of stream.getVideoTracks()) pc.addTransceiver(t, { direction: 'sendonly', streams: [stream] });
    await this.negotiatePublish(pc, 'screen');
  }

  async stopScreen() {
    this.view.screen?.getTracks().forEach((t) => t.stop());
    this.screenPub?.close();
    this.screenPub = null;
    this.set({ screen: null });
    await api.post(this.path('/unpublish'), null, { kind: 'screen' }).catch(() => {});
  }

  async stop(leave = true) {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.speakerTimer) clearInterval(this.speakerTimer);
    if (this.layerTimer) clearInterval(this.layerTimer);
    for (const s of this.subs.values()) s.pc.close();
    this.subs.clear();
    this.pub?.close();
    this.screenPub?.close();
    this.view.local?.getTracks().forEach((t) => t.stop());
    this.view.screen?.getTracks().forEach((t) => t.stop());
    if (leave) await api.post(this.path('/leave'), null).catch(() => {});
    this.set({ tiles: [], local: null, screen: null });
  }
}
