/**
 * Which simulcast layer to ask Janus for, per subscribed camera, from what this browser receives.
 * A pure decision, fed every few seconds with the subscription's cumulative `inbound-rtp` video
 * counters (RTCPeerConnection.getStats): heavy loss or jitter steps one layer down at once; a long
 * clean run steps one layer up, never above the ceiling (0 with "save data" or many cameras shown).
 */

export type Layer = 0 | 1 | 2;

/**
 * The camera's simulcast layers, highest first. Janus's VideoRoom reads the rids in the order of the
 * SDP's `a=simulcast` line as high → medium → low (its default `rid_order` "hml", as janus.js sends
 * them), and numbers its substreams from the lowest: substream 2 is `h`, 1 is `m`, 0 is `l`. Chrome
 * limits the layer count by the capture size (two at 640×480) and then drops the encodings listed
 * last: so the one it gives up is the 160×120 layer, never the full picture. Layers here are those substream
 * numbers.
 */
export const SIMULCAST_ENCODINGS: RTCRtpEncodingParameters[] = [
  { rid: 'h', scaleResolutionDownBy: 1, maxBitrate: 900_000 },
  { rid: 'm', scaleResolutionDownBy: 2, maxBitrate: 300_000 },
  { rid: 'l', scaleResolutionDownBy: 4, maxBitrate: 100_000 },
];

/** The Janus substream (0 = lowest) that carries an encoding's rid. */
export function substreamOfRid(rid: string): Layer {
  const i = SIMULCAST_ENCODINGS.findIndex((e) => e.rid === rid);
  if (i < 0) throw new Error(`unknown rid ${rid}`);
  return (SIMULCAST_ENCODINGS.length - 1 - i) as Layer;
}

/** Cumulative counters of one inbound video stream. */
export interface LinkSample {
  packetsReceived: number;
  packetsLost: number;
  /** Seconds. */
  jitter: number;
}

/**
 * The reading of a subscription's link: loss from its video, jitter from its audio when audio
 * arrives. Audio packets leave every 20 ms, so their jitter is the network's; a video frame's
 * packets are spread out by the sender's pacer, and a busy sender's frames leave late against
 * their capture time, so video jitter runs to 80–100 ms on a clean link and would pull every
 * picture down a layer.
 */
export function linkSample(video: LinkSample, audioJitter: number | null): LinkSample {
  return audioJitter === null ? video : { ...video, jitter: audioJitter };
}

export interface LayerState {
  layer: Layer;
  /** Clean samples in a row since the last change. */
  clean: number;
  last: LinkSample | null;
}

/** Above these a sample is bad: the layer goes down. */
export const BAD_LOSS = 0.05;
export const BAD_JITTER_S = 0.05;
/** Below these it is clean. */
export const CLEAN_LOSS = 0.01;
export const CLEAN_JITTER_S = 0.03;
/** Clean samples in a row before trying the layer above (with samples every 3 s: 15 s). */
export const CLEAN_TO_RISE = 5;

export function initialLayer(ceiling: Layer): LayerState {
  return { layer: ceiling, clean: 0, last: null };
}

export function nextLayer(state: LayerState, sample: LinkSample, ceiling: Layer): LayerState {
  const capped = Math.min(state.layer, ceiling) as Layer;
  const last = state.last;
  if (!last || sample.packetsReceived < last.packetsReceived) return { layer: capped, clean: 0, last: sample };
  const received = sample.packetsReceived - last.packetsReceived;
  const lost = Math.max(0, sample.packetsLost - last.packetsLost);
  // Nothing arrived: not a reading of the link (the feed may be paused); change nothing.
  if (received + lost === 0) return { layer: capped, clean: state.clean, last: sample };
  const loss = lost / (received + lost);
  if (loss > BAD_LOSS || sample.jitter > BAD_JITTER_S) return { layer: Math.max(0, capped - 1) as Layer, clean: 0, last: sample };
  if (loss < CLEAN_LOSS && sample.jitter < CLEAN_JITTER_S) {
    const clean = state.clean + 1;
    if (clean >= CLEAN_TO_RISE && capped < ceiling) return { layer: (capped + 1) as Layer, clean: 0, last: sample };
    return { layer: capped, clean, last: sample };
  }
  return { layer: capped, clean: 0, last: sample };
}
