import type { MediaAdapter, SubscribedStream } from '../media/adapter.ts';

/**
 * The signalling state of running meetings in this process: who publishes which feed, through
 * which media handle, and what the host has muted. It is rebuilt as clients publish again, so it
 * needs no persistence: after a restart of Janus or of this process the clients reconnect.
 * With several server processes, a meeting's signalling must reach one process (route
 * /api/v1/meetings/:id by meeting id); attendance, hands and RSVPs are in the database.
 */
export interface LiveFeedState {
  kind: 'camera' | 'screen';
  handleId: string;
  audioMid: string | null;
  videoMid: string | null;
  /** Media is flowing from the browser (Janus said `webrtcup`). */
  up: boolean;
  audioMuted: boolean;
  videoStopped: boolean;
  /** Kinds of media Janus says it no longer receives (no packet for a second). */
  silent: Set<'audio' | 'video'>;
}

export interface LiveParticipantState {
  participantId: string;
  name: string;
  isStaff: boolean;
  feeds: Map<number, LiveFeedState>;
  subscriptions: Set<string>;
  /** The one multistream subscription (streams.ts): its media handle and what it carries now. */
  multistream: { handleId: string; streams: SubscribedStream[]; pendingOffer?: string | null } | null;
  audioMutedByHost: boolean;
  videoStoppedByHost: boolean;
  /** The host's decisions were read from the database (decisions.ts). */
  loaded: boolean;
  /** Since when the camera's media is gone (Janus hung it up or receives nothing); null while it flows. */
  mediaLostAt: Date | null;
}

export interface LiveMeetingState {
  roomReady: boolean;
  participants: Map<string, LiveParticipantState>;
  reactions: { personId: string; emoji: string; at: Date }[];
}

class LiveRegistry {
  private meetings = new Map<string, LiveMeetingState>();
  private handles = new Map<string, { meetingId: string; personId: string; feedId: number }>();
  private attached = new WeakSet<MediaAdapter>();

  meeting(id: string): LiveMeetingState {
    let m = this.meetings.get(id);
    if (!m) {
      m = { roomReady: false, participants: new Map(), reactions: [] };
      this.meetings.set(id, m);
    }
    return m;
  }

  participant(meetingId: string, personId: string, participantId: string): LiveParticipantState {
    const m = this.meeting(meetingId);
    let p = m.participants.get(personId);
    if (!p || p.participantId !== participantId) {
      p = {
        participantId,
        name: '',
        isStaff: false,
        feeds: new Map(),
        subscriptions: new Set(),
        multistream: null,
        audioMutedByHost: p?.audioMutedByHost ?? false,
        videoStoppedByHost: p?.videoStoppedByHost ?? false,
        loaded: p?.loaded ?? false,
        mediaLostAt: null,
      };
      m.participants.set(personId, p);
    }
    return p;
  }

  trackHandle(handleId: string, meetingId: string, personId: string, feedId: number) {
    this.handles.set(handleId, { meetingId, personId, feedId });
  }

  dropHandle(handleId: string) {
    this.handles.delete(handleId);
  }

  /** Participants whose camera media is gone (see presence.ts `sweepLostMedia`). */
  lostMedia(): { meetingId: string; personId: string; since: Date }[] {
    const out: { meetingId: string; personId: string; since: Date }[] = [];
    for (const [meetingId, m] of this.meetings)
      for (const [personId, p] of m.participants) if (p.mediaLostAt) out.push({ meetingId, personId, since: p.mediaLostAt });
    return out;
  }

  forget(meetingId: string) {
    this.meetings.delete(meetingId);
  }

  /** Follows the media server: feeds come up, hang up; after a reset every room and handle is gone. */
  attach(adapter: MediaAdapter) {
    if (this.attached.has(adapter)) return;
    this.attached.add(adapter);
    adapter.onEvent((e) => {
      const h = this.handles.get(e.handleId);
      if (!h) {
        // Janus changed a multistream subscription itself (a publisher left): keep its streams and
        // the offer for the client's next `PUT /streams` (streams.ts).
        if (e.type === 'streams')
          for (const m of this.meetings.values())
            for (const p of m.participants.values())
              if (p.multistream?.handleId === e.handleId) {
                p.multistream.streams = e.streams;
                if (e.offer) p.multistream.pendingOffer = e.offer;
              }
        // A subscription hung up: forget it wherever it is.
        if (e.type === 'hangup')
          for (const m of this.meetings.values())
            for (const p of m.participants.values()) {
              p.subscriptions.delete(e.handleId);
              if (p.multistream?.handleId === e.handleId) p.multistream = null;
            }
        return;
      }
      const p = this.meetings.get(h.meetingId)?.participants.get(h.personId);
      const feed = p?.feeds.get(h.feedId);
      if (!p || !feed) return;
      if (e.type === 'up') feed.up = true;
      if (e.type === 'media') {
        if (e.receiving) feed.silent.delete(e.kind);
        else feed.silent.add(e.kind);
      }
      if (e.type === 'hangup') {
        p.feeds.delete(h.feedId);
        this.handles.delete(e.handleId);
        void adapter.leave(e.handleId).catch(() => {});
      }
      // A camera whose media is gone: the participant's browser may have died (presence.ts decides).
      if (feed.kind === 'camera' && (e.type === 'hangup' || e.type === 'media')) {
        const kinds = [feed.audioMid ? 'audio' : null, feed.videoMid ? 'video' : null].filter(Boolean) as ('audio' | 'video')[];
        const gone = e.type === 'hangup' || (kinds.length > 0 && kinds.every((k) => feed.silent.has(k)));
        if (gone) p.mediaLostAt ??= new Date();
        else p.mediaLostAt = null;
      }
    });
    adapter.onReset(() => {
      for (const m of this.meetings.values()) {
        m.roomReady = false;
        for (const p of m.participants.values()) {
          p.feeds.clear();
          p.subscriptions.clear();
          p.multistream = null;
        }
      }
      this.handles.clear();
    });
  }
}

export const live = new LiveRegistry();
