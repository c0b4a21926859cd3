/**
 * What Parta needs from a media server (an SFU). The meetings domain talks only to this
 * interface; Janus (janus.ts) is the implementation today, another SFU can be added beside it.
 *
 * Browsers never talk to the SFU's control API: they send their SDP to Parta, Parta checks who
 * they are and forwards it here. Only media flows between the browser and the SFU.
 */

export interface RoomOptions {
  /** Numeric room id chosen by the caller (unique per meeting). */
  room: number;
  /** Needed for every moderation request and to destroy the room. */
  secret: string;
  /** Needed to join the room: only Parta knows it, so only Parta can join anyone. */
  pin: string;
  description: string;
  /** Most publishers at once (cameras and screen shares). */
  publishers: number;
  /** Highest bitrate per publisher, in bits per second. */
  bitrate: number;
  /** Allow simulcast publishers (VP8). */
  simulcast: boolean;
}

export interface FeedStreams {
  audioMid: string | null;
  videoMid: string | null;
}

export interface Publication {
  /** The handle's id in the adapter: to leave, unpublish or reconfigure. */
  handleId: string;
  /** The publisher's feed id in the room: others subscribe to it. */
  feedId: number;
  answer: string;
}

export interface Subscription {
  handleId: string;
  offer: string;
}

/** One stream of a multistream subscription: which publisher's stream an m-line carries. */
export interface SubscribedStream {
  /** The m-line's mid in the subscriber's PeerConnection. */
  mid: string;
  feedId: number;
  /** The stream's mid in the publisher's PeerConnection. */
  feedMid: string;
  kind: 'audio' | 'video';
}

/** A publisher's stream to add to, or drop from, a multistream subscription. */
export interface StreamRef {
  feedId: number;
  feedMid: string;
  /** Simulcast layer to start with (video). */
  substream?: number;
}

export interface MultiSubscription {
  handleId: string;
  /** Null when nothing changed and no renegotiation is due. */
  offer: string | null;
  /** Every active stream of the subscription after the change. */
  streams: SubscribedStream[];
}

export interface RoomParticipant {
  feedId: number;
  display: string;
  publisher: boolean;
  talking?: boolean;
}

export type MediaHandleEvent =
  | { type: 'up'; handleId: string }
  | { type: 'hangup'; handleId: string; reason: string }
  | { type: 'slowlink'; handleId: string; uplink: boolean; lost: number }
  /** The SFU started or stopped receiving one kind of media on a handle (stopped: nothing for a second). */
  | { type: 'media'; handleId: string; kind: 'audio' | 'video'; receiving: boolean }
  /**
   * The SFU changed a multistream subscription by itself (a publisher it carried left): the streams
   * now, and the offer the browser must answer (null when no renegotiation is needed).
   */
  | { type: 'streams'; handleId: string; streams: SubscribedStream[]; offer: string | null };

export interface MediaAdapter {
  readonly kind: string;
  /** Whether the media server is reachable now. */
  ready(): boolean;
  createRoom(opts: RoomOptions): Promise<void>;
  roomExists(room: number): Promise<boolean>;
  destroyRoom(room: number, secret: string): Promise<void>;
  /** Joins as a publisher with the browser's SDP offer (ICE candidates included); returns the answer. */
  publish(opts: { room: number; pin: string; display: string; offer: string; bitrate?: number }): Promise<Publication>;
  /** Opens a subscription to one feed; the SFU answers with an SDP offer for the browser. */
  /** `mids`: only these streams of the feed (audio-only mode subscribes to the audio mid alone). */
  subscribe(opts: { room: number; pin: string; feedId: number; mids?: string[]; substream?: number }): Promise<Subscription>;
  /**
   * Multistream: one subscription (one PeerConnection in the browser) for many publishers'
   * streams. Opens it with these streams; the SFU answers with an SDP offer.
   */
  subscribeStreams(opts: { room: number; pin: string; streams: StreamRef[] }): Promise<MultiSubscription>;
  /** Adds and drops streams of an open multistream subscription in one renegotiation. */
  updateStreams(handleId: string, change: { add: StreamRef[]; drop: StreamRef[] }): Promise<MultiSubscription>;
  /** Picks the simulcast layer of one video stream of a multistream subscription (by its mid). */
  setStreamSubstream(handleId: string, mid: string, substream: number): Promise<void>;
  /** Completes a subscription (or a renegotiation of it) with the browser's SDP answer; media starts. */
  startSubscription(handleId: string, answer: string): Promise<void>;
  /** Picks the simulcast layer a subscriber receives (0 = lowest). */
  setSubstream(handleId: string, substream: number): Promise<void>;
  /** Ends one handle (publication or subscription). */
  leave(handleId: string): Promise<void>;
  /** Stops (or resumes) forwarding one of a feed's streams to everyone. */
  moderate(opts: { room: number; secret: string; feedId: number; mid: string; mute: boolean }): Promise<void>;
  kick(opts: { room: number; secret: string; feedId: number }): Promise<void>;
  listParticipants(room: number): Promise<RoomParticipant[]>;
  /** Events of handles (connection up, hung up, weak link). */
  onEvent(listener: (e: MediaHandleEvent) => void): () => void;
  /** Called after the connection to the media server was lost and made again: rooms are gone. */
  onReset(listener: () => void): () => void;
  close(): Promise<void>;
}

/** The audio and video mids of an SDP (the first of each kind). */
export function sdpMids(sdp: string): FeedStreams {
  const out: FeedStreams = { audioMid: null, videoMid: null };
  let kind: 'audio' | 'video' | null = null;
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) kind = line.startsWith('m=audio') ? 'audio' : line.startsWith('m=video') ? 'video' : null;
    else if (line.startsWith('a=mid:') && kind) {
      const mid = line.slice(6).trim();
      if (kind === 'audio' && out.audioMid === null) out.audioMid = mid;
      if (kind === 'video' && out.videoMid === null) out.videoMid = mid;
    }
  }
  return out;
}

export class MediaError extends Error {
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
  }
}
