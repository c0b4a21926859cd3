import type { StreamsState } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import { AppError } from '../http/errors.ts';
import { MediaError, type StreamRef } from '../media/adapter.ts';
import type { ChatAccess } from '../messaging/access.ts';
import { live, type LiveFeedState } from './live.ts';
import { media, openParticipant, viaMedia, type MeetingRow } from './service.ts';

/**
 * Multistream subscriptions: each participant receives every feed it sees through one media
 * handle, so one PeerConnection in the browser. The client says what it wants (the audio of every
 * feed, the video of the tiles on screen); this module turns that into Janus `join` (first time) or
 * `update` (subscribe and unsubscribe in one renegotiation) and returns the offer to answer and the
 * m-line map. Only feeds of this meeting that are flowing can be asked for; others are left out.
 */

const key = (s: { feedId: number; feedMid: string }) => `${s.feedId}/${s.feedMid}`;

function flowingFeeds(meetingId: string, exceptPersonId: string): Map<number, LiveFeedState> {
  const out = new Map<number, LiveFeedState>();
  for (const [personId, p] of live.meeting(meetingId).participants) {
    if (personId === exceptPersonId) continue;
    for (const [feedId, f] of p.feeds) if (f.up) out.set(feedId, f);
  }
  return out;
}

/** Janus refuses a feed that is gone or not up yet (428): the client asks again at its next poll. */
async function feedRequest<T>(ctx: AppContext, work: () => Promise<T>): Promise<T> {
  return viaMedia(ctx, async () => {
    try {
      return await work();
    } catch (err) {
      if (err instanceof MediaError && err.code === 428) throw new AppError('meeting_feed_not_found', 404);
      throw err;
    }
  });
}

function present(handleId: string | null, streams: { mid: string; feedId: number; kind: 'audio' | 'video' }[], sdp: string | null): StreamsState {
  return { subscriptionId: handleId, sdp, streams: streams.map((s) => ({ mid: s.mid, feedId: s.feedId, kind: s.kind })) };
}

export async function updateStreams(
  ctx: AppContext,
  meeting: MeetingRow,
  access: ChatAccess,
  wanted: { feedId: number; video: boolean; substream?: number }[],
): Promise<StreamsState> {
  const adapter = media(ctx);
  const p = await openParticipant(ctx, meeting, access);
  const feeds = flowingFeeds(meeting.id, access.person.id);
  const want = new Map<string, StreamRef>();
  for (const w of wanted) {
    const f = feeds.get(w.feedId);
    if (!f) continue;
    if (f.audioMid) want.set(key({ feedId: w.feedId, feedMid: f.audioMid }), { feedId: w.feedId, feedMid: f.audioMid });
    if (w.video && f.videoMid)
      want.set(key({ feedId: w.feedId, feedMid: f.videoMid }), {
        feedId: w.feedId,
        feedMid: f.videoMid,
        ...(w.substream !== undefined ? { substream: w.substream } : {}),
      });
  }
  const current = p.multistream;
  if (!current) {
    if (want.size === 0) return present(null, [], null);
    const sub = await feedRequest(ctx, () => adapter.subscribeStreams({ room: meeting.room, pin: meeting.room_pin, streams: [...want.values()] }));
    p.multistream = { handleId: sub.handleId, streams: sub.streams };
    p.subscriptions.add(sub.handleId);
    return present(sub.handleId, sub.streams, sub.offer);
  }
  if (current.pendingOffer) {
    // Janus renegotiated by itself (a publisher left): that offer is answered first; the client
    // asks again at once and then gets this request's changes.
    const offer = current.pendingOffer;
    current.pendingOffer = null;
    return present(current.handleId, current.streams, offer);
  }
  const have = new Map(current.streams.map((s) => [key(s), s]));
  const add = [...want].filter(([k]) => !have.has(k)).map(([, s]) => s);
  const drop = [...have].filter(([k]) => !want.has(k)).map(([, s]) => ({ feedId: s.feedId, feedMid: s.feedMid }));
  if (add.length === 0 && drop.length === 0) return present(current.handleId, current.streams, null);
  const sub = await feedRequest(ctx, async () => {
    try {
      return await adapter.updateStreams(current.handleId, { add, drop });
    } catch (err) {
      // A dropped feed Janus has already removed: add alone.
      if (err instanceof MediaError && err.code === 428 && drop.length > 0 && add.length > 0) return adapter.updateStreams(current.handleId, { add, drop: [] });
      if (err instanceof MediaError && err.code === 428 && drop.length > 0)
        return {
          handleId: current.handleId,
          offer: null,
          streams: current.streams.filter((s) => !drop.some((d) => d.feedId === s.feedId && d.feedMid === s.feedMid)),
        };
      throw err;
    }
  });
  current.streams = sub.streams;
  return present(current.handleId, sub.streams, sub.offer);
}

function ownMultistream(p: { multistream: { handleId: string; streams: { mid: string; feedId: number; kind: string }[] } | null }) {
  if (!p.multistream) throw new AppError('not_found', 404);
  return p.multistream;
}

export async function answerStreams(ctx: AppContext, meeting: MeetingRow, access: ChatAccess, sdp: string): Promise<void> {
  const m = ownMultistream(await openParticipant(ctx, meeting, access));
  await viaMedia(ctx, () => media(ctx).startSubscription(m.handleId, sdp));
}

export async function setFeedSubstream(ctx: AppContext, meeting: MeetingRow, access: ChatAccess, feedId: number, substream: number): Promise<void> {
  const m = ownMultistream(await openParticipant(ctx, meeting, access));
  const s = m.streams.find((x) => x.feedId === feedId && x.kind === 'video');
  if (!s) throw new AppError('meeting_feed_not_found', 404);
  await viaMedia(ctx, () => media(ctx).setStreamSubstream(m.handleId, s.mid, substream));
}

/** Closes the multistream subscription (leaving, or switching to audio only and back). */
export async function closeStreams(ctx: AppContext, meeting: MeetingRow, access: ChatAccess): Promise<void> {
  const p = await openParticipant(ctx, meeting, access);
  const m = p.multistream;
  if (!m) return;
  p.multistream = null;
  p.subscriptions.delete(m.handleId);
  await ctx.media.adapter?.leave(m.handleId);
}
