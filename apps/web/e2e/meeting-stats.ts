import type { Page } from 'playwright-core';

/**
 * Reading a call from the browser's side for apps/web/e2e/meeting.e2e.ts: every
 * RTCPeerConnection the page makes is kept for getStats(), and each remote tile's received
 * video (frames, frame size) and audio are read from the connection that carries its tracks.
 */

/**
 * Init script: collects the page's RTCPeerConnections; once one connects, its video senders keep
 * their resolution under CPU load (`degradationPreference: maintain-resolution`), so that a busy
 * test machine lowers the frame rate rather than the size the test measures.
 */
export const TRACK_PCS = () => {
  const Native = window.RTCPeerConnection;
  const all: RTCPeerConnection[] = [];
  (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs = all;
  window.RTCPeerConnection = class extends Native {
    constructor(config?: RTCConfiguration) {
      super(config);
      all.push(this);
      this.addEventListener('connectionstatechange', () => {
        if (this.connectionState !== 'connected') return;
        for (const s of this.getSenders()) {
          if (s.track?.kind !== 'video') continue;
          const p = s.getParameters();
          void s.setParameters({ ...p, degradationPreference: 'maintain-resolution' } as RTCRtpSendParameters).catch(() => {});
        }
      });
    }
  } as typeof RTCPeerConnection;
};

export interface TileStats {
  name: string;
  screen: boolean;
  framesDecoded: number;
  frameWidth: number;
  frameHeight: number;
  /** Video inbound streams on the tile's connection (0 when audio only). */
  videoStreams: number;
  /** Inbound video jitter, seconds, and packets lost. */
  jitter: number;
  lost: number;
  audioJitter: number;
  audioPackets: number;
  audioSamples: number;
}

/** Per remote tile (named by its caption): decoded video frames and size, received audio, from getStats(). */
export async function tileStats(page: Page): Promise<TileStats[]> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.filter((pc) => pc.connectionState !== 'closed');
    const out: TileStats[] = [];
    for (const fig of Array.from(document.querySelectorAll('figure.tile'))) {
      const video = fig.querySelector('video') as HTMLVideoElement;
      const stream = video.srcObject as MediaStream | null;
      if (!stream || video.muted) continue;
      // One PeerConnection carries every feed (multistream): the tile's video tracks, and its feed's
      // audio from the hidden <audio> of the same feed; stats per track (getStats(track)).
      const feed = fig.getAttribute('data-feed');
      const audioEl = feed ? (document.querySelector(`audio[data-feed="${feed}"]`) as HTMLAudioElement | null) : null;
      const tracks = [...stream.getTracks(), ...((audioEl?.srcObject as MediaStream | null)?.getTracks() ?? [])];
      const pc = pcs.find((p) => p.getReceivers().some((r) => tracks.includes(r.track)));
      const t: TileStats = {
        name: fig.querySelector('figcaption')?.textContent ?? '',
        screen: fig.classList.contains('tile-screen'),
        framesDecoded: 0,
        frameWidth: 0,
        frameHeight: 0,
        videoStreams: 0,
        jitter: 0,
        lost: 0,
        audioJitter: 0,
        audioPackets: 0,
        audioSamples: 0,
      };
      if (!pc) {
        out.push(t);
        continue;
      }
      const reports = await Promise.all(tracks.filter((tr) => tr.readyState === 'live').map((tr) => pc.getStats(tr).catch(() => null)));
      for (const report of reports)
        report?.forEach(
          (r: {
            type: string;
            kind?: string;
            framesDecoded?: number;
            frameWidth?: number;
            frameHeight?: number;
            packetsReceived?: number;
            packetsLost?: number;
            jitter?: number;
            totalSamplesReceived?: number;
          }) => {
            if (r.type !== 'inbound-rtp') return;
            if (r.kind === 'video') {
              t.videoStreams++;
              t.jitter = Math.max(t.jitter, r.jitter ?? 0);
              t.lost += r.packetsLost ?? 0;
              t.framesDecoded += r.framesDecoded ?? 0;
              t.frameWidth = Math.max(t.frameWidth, r.frameWidth ?? 0);
              t.frameHeight = Math.max(t.frameHeight, r.frameHeight ?? 0);
            }
            if (r.kind === 'audio') {
              t.audioPackets += r.packetsReceived ?? 0;
              t.audioJitter = Math.max(t.audioJitter, r.jitter ?? 0);
              t.audioSamples += r.totalSamplesReceived ?? 0;
            }
          },
        );
      out.push(t);
    }
    return out;
  });
}

/** The laptop-side cost of a call: PeerConnections open and video streams decoding now. */
export async function receiveCost(page: Page): Promise<{ peerConnections: number; receivingPcs: number; decodedVideos: number }> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.filter((pc) => pc.connectionState !== 'closed');
    let decodedVideos = 0;
    let receivingPcs = 0;
    for (const pc of pcs) {
      let receives = false;
      (await pc.getStats()).forEach((r: { type: string; kind?: string; framesDecoded?: number; trackIdentifier?: string }) => {
        if (r.type !== 'inbound-rtp') return;
        receives = true;
        if (r.kind === 'video' && (r.framesDecoded ?? 0) > 0) decodedVideos++;
      });
      if (receives) receivingPcs++;
    }
    return { peerConnections: pcs.length, receivingPcs, decodedVideos };
  });
}

/** Polls `probe` until it gives a value (loaded machine: generous deadlines, no fixed sleeps). */
export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const byName = (stats: TileStats[], part: string, screen = false) => stats.find((s) => s.name.includes(part) && s.screen === screen);

/** The page's own microphone track is enabled (false when muted by the host or by the user). */
export async function micEnabled(page: Page): Promise<boolean | null> {
  return page.evaluate(() => {
    const own = Array.from(document.querySelectorAll('figure.tile video')).find((v) => (v as HTMLVideoElement).muted) as HTMLVideoElement | undefined;
    const track = (own?.srcObject as MediaStream | null)?.getAudioTracks()[0];
    return track ? track.enabled : null;
  });
}

/** The camera's simulcast layers as this page sends them: rid, size, frame rate, what limits it. */
export async function outboundLayers(page: Page): Promise<{ rid: string; size: string; fps: number; limit: string }[]> {
  return page.evaluate(async () => {
    const out: { rid: string; size: string; fps: number; limit: string }[] = [];
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach(
        (r: {
          type: string;
          kind?: string;
          rid?: string;
          frameWidth?: number;
          frameHeight?: number;
          framesPerSecond?: number;
          qualityLimitationReason?: string;
        }) => {
          if (r.type === 'outbound-rtp' && r.kind === 'video')
            out.push({
              rid: r.rid ?? '',
              size: `${r.frameWidth ?? 0}×${r.frameHeight ?? 0}`,
              fps: r.framesPerSecond ?? 0,
              limit: r.qualityLimitationReason ?? '',
            });
        },
      );
    }
    return out;
  });
}
