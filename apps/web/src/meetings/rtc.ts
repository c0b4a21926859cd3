import { JoinedMeeting, LiveState } from '@parta/protocol';
import type { z } from 'zod';
import { api } from '../app/state.ts';
import { ApiError } from '../lib/api.ts';
import { pickSpeaker, type AudioLevel } from './speaking.ts';
import type { Layer } from './layers.ts';
import { Publisher, type Ice } from './publisher.ts';
import { Subscriber } from './subscriber.ts';
import { layerCeiling, spoke, visibleTiles, type FeedInfo } from './visible.ts';

export interface RemoteTile {
  key: string;
  feedId: number;
  personId: string;
  name: string;
  kind: 'camera' | 'screen';
  /** The feed's video (no audio: that plays from `MeetingView.audio`); null until it arrives. */
  stream: MediaStream | null;
  audioMuted: boolean;
  videoStopped: boolean;
}

export interface MeetingView {
  phase: 'joining' | 'waiting' | 'live' | 'reconnecting' | 'ended' | 'removed' | 'error';
  error: unknown;
  live: LiveState | null;
  /** The large tile of the speaker view (null in the grid). */
  main: RemoteTile | null;
  /** The grid's current page, or the speaker view's strip: only these tiles' video is received. */
  tiles: RemoteTile[];
  /** Every remote feed's audio, whether its tile is on screen or not. */
  audio: { feedId: number; stream: MediaStream }[];
  layout: 'grid' | 'speaker';
  page: number;
  pages: number;
  /** My own choice of a speaker to keep large (local; the host's spotlight is for everyone). */
  pinnedPersonId: string | null;
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

/** How often each shown camera's reception is read to choose its simulcast layer. */
const LAYER_SAMPLE_MS = 3000;
const POLL_MS = 1500;
/** Tiles in the speaker view's strip: the last N who spoke. */
const LAST_N = 4;

/**
 * One participant's side of a meeting. Every SDP goes through Parta's API, which checks
 * membership and forwards it to the media server; media flows straight between the browser and
 * the SFU. Two PeerConnections at most are sent on (camera, screen; publisher.ts) and ONE receives
 * every feed (subscriber.ts): the audio of all, the video of the tiles on screen (visible.ts).
 */
export class MeetingClient {
  view: MeetingView = {
    phase: 'joining',
    error: null,
    live: null,
    main: null,
    tiles: [],
    audio: [],
    layout: 'grid',
    page: 0,
    pages: 1,
    pinnedPersonId: null,
    local: null,
    screen: null,
    micOn: true,
    camOn: true,
    audioOnly: false,
    lowBandwidth: false,
    speakerPersonId: null,
    speakingPersonId: null,
  };
  private listeners = new Set<() => void>();
  private ice: Ice = [];
  private readonly pub: Publisher;
  private readonly sub: Subscriber;
  private timer: ReturnType<typeof setInterval> | null = null;
  private speakerTimer: ReturnType<typeof setInterval> | null = null;
  private layerTimer: ReturnType<typeof setInterval> | null = null;
  private stopped = false;
  /** Layers follow the link (layers.ts); off (`?adapt=0`), each camera keeps the ceiling: for measurements. */
  private readonly adaptive: boolean;
  private recovering = false;
  private myPersonId: string | null = null;
  private devices = { audio: undefined as string | undefined, video: undefined as string | undefined };
  private pageSize = 9;
  private recentSpeakers: string[] = [];

  constructor(
    readonly meetingId: string,
    opts: { audioOnly?: boolean; adaptLayers?: boolean } = {},
  ) {
    this.adaptive = opts.adaptLayers ?? true;
    this.view.audioOnly = Boolean(opts.audioOnly);
    if (opts.audioOnly) this.view.camOn = false;
    const path = (p: string) => this.path(p);
    this.pub = new Publisher(path, () => this.ice);
    this.sub = new Subscriber(
      path,
      () => this.ice,
      () => this.arrange(),
    );
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
    this.speakerTimer = setInterval(() => this.detectSpeaker(), 1000);
    if (this.adaptive) this.layerTimer = setInterval(() => void this.sub.adapt(), LAYER_SAMPLE_MS);
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

  private layerCeiling(shownVideos: number): Layer {
    return layerCeiling(shownVideos, this.view.lowBandwidth);
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

  private publishCamera() {
    return this.pub.publishCamera(this.view.local!, () => {
      if (!this.stopped) void this.recover();
    });
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
    await this.sub.reset(false);
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        if (!(await this.join())) return;
        await this.publishCamera();
        if (this.view.screen) await this.pub.publishScreen(this.view.screen);
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
    if (this.view.phase === 'reconnecting' && live.me.participantId && this.pub.connected()) this.set({ phase: 'live' });
    const audioTrack = this.view.local?.getAudioTracks()[0];
    if (audioTrack) audioTrack.enabled = this.view.micOn && !live.me.audioMutedByHost;
    if (live.me.audioMutedByHost && this.view.micOn) this.view.micOn = false;
    const videoTrack = this.view.local?.getVideoTracks()[0];
    if (videoTrack && live.me.videoStoppedByHost) {
      videoTrack.enabled = false;
      this.view.camOn = false;
    }
    this.view = { ...this.view, live };
    this.arrange();
  }

  /** The remote feeds in order of arrival, with their people. */
  private feeds() {
    const live = this.view.live;
    if (!live) return [];
    return live.participants
      .filter((p) => p.personId !== this.myPersonId)
      .flatMap((p) =>
        p.feeds.map((f) => ({ feedId: f.feedId, personId: p.personId, kind: f.kind, name: p.name, audioMuted: f.audioMuted, videoStopped: f.videoStopped })),
      );
  }

  /** Decides which tiles show, asks the subscription for their video and everyone's audio, and publishes the view. */
  private arrange() {
    const live = this.view.live;
    const feeds = this.feeds();
    const shown = visibleTiles<FeedInfo & (typeof feeds)[number]>(feeds, {
      layout: this.view.layout,
      page: this.view.page,
      pageSize: this.pageSize,
      spotlight: live?.spotlightPersonId ?? null,
      pinned: this.view.pinnedPersonId,
      speaker: this.view.speakerPersonId,
      recentSpeakers: this.recentSpeakers,
      lastN: LAST_N,
    });
    const onScreen = new Set([...(shown.main ? [shown.main.feedId] : []), ...shown.tiles.map((t) => t.feedId)]);
    const video = (feedId: number) => !this.view.audioOnly && onScreen.has(feedId);
    if (!this.stopped && this.view.phase !== 'joining' && this.view.phase !== 'waiting')
      void this.sub.want(
        feeds.map((f) => ({ feedId: f.feedId, video: video(f.feedId) })),
        this.layerCeiling([...onScreen].length),
      );
    const tile = (f: (typeof feeds)[number]): RemoteTile => {
      const m = this.sub.mediaOf(f.feedId);
      return {
        key: `${f.feedId}`,
        feedId: f.feedId,
        personId: f.personId,
        name: f.name,
        kind: f.kind,
        stream: m ? m.video : null,
        audioMuted: f.audioMuted,
        videoStopped: f.videoStopped,
      };
    };
    const audio = feeds.flatMap((f) => {
      const m = this.sub.mediaOf(f.feedId);
      return m && m.audio.getAudioTracks().length ? [{ feedId: f.feedId, stream: m.audio }] : [];
    });
    this.set({ main: shown.main ? tile(shown.main) : null, tiles: shown.tiles.map(tile), audio, page: shown.page, pages: shown.pages });
  }

  setLayout(layout: 'grid' | 'speaker') {
    this.view = { ...this.view, layout };
    this.arrange();
  }

  setPage(page: number) {
    this.view = { ...this.view, page };
    this.arrange();
  }

  /** Tiles per grid page, from the window's size. */
  setPageSize(n: number) {
    if (n === this.pageSize) return;
    this.pageSize = n;
    this.arrange();
  }

  /** Pins a speaker for me (null: unpin). */
  pin(personId: string | null) {
    this.view = { ...this.view, pinnedPersonId: personId };
    this.arrange();
  }

  /** My answer to the host's request to turn the microphone on. */
  async answerUnmute(accept: boolean) {
    await api.post(this.path('/unmute-request'), null, { accept });
    if (accept && !this.view.micOn) this.toggleMic();
    await this.poll();
  }

  /** The loudest remote participant now (receivers' audio levels); muted ones never (speaking.ts). */
  private detectSpeaker() {
    const levels: AudioLevel[] = [];
    const byFeed = this.sub.levels();
    for (const f of this.feeds()) {
      if (f.kind !== 'camera') continue;
      levels.push({ personId: f.personId, level: byFeed.get(f.feedId) ?? 0, muted: f.audioMuted });
    }
    const next = pickSpeaker(levels, this.view.speakerPersonId);
    if (next.speaking) this.recentSpeakers = spoke(this.recentSpeakers, next.speaking);
    if (next.speaker !== this.view.speakerPersonId || next.speaking !== this.view.speakingPersonId) {
      this.view = { ...this.view, speakerPersonId: next.speaker, speakingPersonId: next.speaking };
      this.arrange();
    }
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
    await this.sub.setCeiling(this.layerCeiling(this.view.tiles.length + (this.view.main ? 1 : 0)));
  }

  /** Switches between audio-only and audio with video: publishes again; the subscription drops or adds the video. */
  async setAudioOnly(on: boolean) {
    this.set({ audioOnly: on, camOn: !on });
    await this.openLocal();
    await this.publishCamera();
    this.arrange();
  }

  async chooseDevice(kind: 'audio' | 'video', deviceId: string) {
    this.devices[kind] = deviceId;
    const track = (
      await navigator.mediaDevices.getUserMedia(
        kind === 'audio' ? { audio: { deviceId: { exact: deviceId } } } : { video: { deviceId: { exact: deviceId }, width: 640, height: 480 } },
      )
    ).getTracks()[0]!;
    track.enabled = kind === 'audio' ? this.view.micOn : this.view.camOn;
    await this.pub.replaceTrack(track);
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
    await this.pub.publishScreen(stream);
    this.set({ screen: stream });
  }

  async stopScreen() {
    this.view.screen?.getTracks().forEach((t) => t.stop());
    this.set({ screen: null });
    await this.pub.stopScreen();
  }

  async stop(leave = true) {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.speakerTimer) clearInterval(this.speakerTimer);
    if (this.layerTimer) clearInterval(this.layerTimer);
    await this.sub.close(false);
    this.pub.close();
    this.view.local?.getTracks().forEach((t) => t.stop());
    this.view.screen?.getTracks().forEach((t) => t.stop());
    if (leave) await api.post(this.path('/leave'), null).catch(() => {});
    this.set({ main: null, tiles: [], audio: [], local: null, screen: null });
  }
}
