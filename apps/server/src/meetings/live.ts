import type { MediaAdapter } from '../media/adapter.ts';

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
}

export interface LiveParticipantState {
  participantId: string;
  name: string;
  isStaff: boolean;
  feeds: Map<number, LiveFeedState>;
  subscriptions: Set<string>;
  audioMutedByHost: boolean;
  videoStoppedByHost: boolean;
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
      p = { participantId, name: '', isStaff: false, feeds: new Map(), subscriptions: new Set(), audioMutedByHost: p?.audioMutedByHost ?? false, videoStoppedByHost: p?.videoStoppedByHost ?? false };
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
        // A subscription hung up: forget it wherever it is.
        if (e.type === 'hangup') for (const m of this.meetings.values()) for (const p of m.participants.values()) p.subscriptions.delete(e.handleId);
        return;
      }
      const feed = this.meetings.get(h.meetingId)?.participants.get(h.personId)?.feeds.get(h.feedId);
      if (!feed) return;
      if (e.type === 'up') feed.up = true;
      if (e.type === 'hangup') {
        this.meetings.get(h.meetingId)?.participants.get(h.personId)?.feeds.delete(h.feedId);
        this.handles.delete(e.handleId);
        void adapter.leave(e.handleId).catch(() => {});
      }
    });
    adapter.onReset(() => {
      for (const m of this.meetings.values()) {
        m.roomReady = false;
        for (const p of m.participants.values()) {
          p.feeds.clear();
          p.subscriptions.clear();
        }
      }
      this.handles.clear();
    });
  }
}

export const live = new LiveRegistry();
