import crypto from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Meeting, ScheduleMeetingBody } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import { fullName } from '../directory/rules.ts';
import { AppError } from '../http/errors.ts';
import { accessChat, type ChatAccess } from '../messaging/access.ts';
import { withOutbox } from '../stream/transaction.ts';
import { MediaError, sdpMids } from '../media/adapter.ts';
import { autoEndTimes } from './auto-end.ts';
import { postCard } from './cards.ts';
import { decide, decisionOf } from './decisions.ts';
import { checkLobby } from './lobby.ts';
import { live, type LiveFeedState, type LiveParticipantState } from './live.ts';
import type { MeetingsTable } from './tables.ts';

export type MeetingRow = Selectable<MeetingsTable>;

/** Joining opens this long before the start. */
export const OPENS_BEFORE_MS = 15 * 60_000;
/** A participant whose client has not been heard from for this long has left (network gone). */
export const PRESENCE_TIMEOUT_MS = 30_000;
export const REACTION_TTL_MS = 15_000;
/** Cameras and screen shares one meeting's room accepts. */
export const MAX_PUBLISHERS = 100;

const CHANNEL_KINDS = ['school_channel', 'class_channel'];

export function media(ctx: AppContext) {
  const adapter = ctx.media.adapter;
  if (!adapter) throw new AppError('video_not_configured', 503);
  return adapter;
}

/** Media-server failures become 503 `media_unavailable`; refusals of ours pass through. */
export async function viaMedia<T>(ctx: AppContext, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof MediaError) {
      ctx.log.warn({ err: err.message, code: err.code }, 'media server request failed');
      throw new AppError('media_unavailable', 503);
    }
    throw err;
  }
}

/** The meeting, if the account may see it (a current member of its chat); else 404. */
export async function accessMeeting(ctx: AppContext, userId: string, meetingId: string): Promise<{ meeting: MeetingRow; access: ChatAccess }> {
  if (!/^[0-9a-f-]{36}$/i.test(meetingId)) throw new AppError('meeting_not_found', 404);
  const meeting = await ctx.db.selectFrom('meetings').selectAll().where('id', '=', meetingId).executeTakeFirst();
  if (!meeting) throw new AppError('meeting_not_found', 404);
  const access = await accessChat(ctx.db, userId, meeting.chat_id).catch((err: unknown) => {
    if (err instanceof AppError && err.status === 404) throw new AppError('meeting_not_found', 404);
    throw err;
  });
  return { meeting: { ...meeting, room: Number(meeting.room) }, access };
}

export async function presentMeetings(ctx: AppContext, rows: MeetingRow[], personId: string): Promise<Meeting[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const rsvps = await ctx.db
    .selectFrom('meeting_rsvps')
    .innerJoin('persons', 'persons.id', 'meeting_rsvps.person_id')
    .select(['meeting_rsvps.meeting_id', 'meeting_rsvps.person_id', 'meeting_rsvps.answer', 'persons.last_name', 'persons.first_name', 'persons.middle_name'])
    .where('meeting_id', 'in', ids)
    .orderBy('meeting_rsvps.updated_at')
    .execute();
  const ends = await autoEndTimes(ctx.db, rows);
  return rows.map((m) => {
    const mine = rsvps.filter((r) => r.meeting_id === m.id);
    const isHost = m.host_person_id === personId;
    return {
      id: m.id,
      chatId: m.chat_id,
      kind: m.kind,
      title: m.title,
      agenda: m.agenda,
      startsAt: m.starts_at.toISOString(),
      durationMinutes: m.duration_minutes,
      status: m.ended_at ? 'ended' : m.started_at ? 'live' : 'scheduled',
      hostPersonId: m.host_person_id,
      locked: m.locked,
      lobby: m.lobby,
      muteOnEntry: m.mute_on_entry,
      opensAt: new Date(m.starts_at.getTime() - OPENS_BEFORE_MS).toISOString(),
      endedAt: m.ended_at?.toISOString() ?? null,
      autoEndsAt: ends.get(m.id)?.toISOString() ?? null,
      myRsvp: mine.find((r) => r.person_id === personId)?.answer ?? null,
      rsvp: {
        yes: mine.filter((r) => r.answer === 'yes').length,
        no: mine.filter((r) => r.answer === 'no').length,
        ...(isHost ? { names: { yes: mine.filter((r) => r.answer === 'yes').map(fullName), no: mine.filter((r) => r.answer === 'no').map(fullName) } } : {}),
      },
      isHost,
      videoConfigured: ctx.media.adapter !== null,
    };
  });
}

export async function presentMeeting(ctx: AppContext, row: MeetingRow, personId: string): Promise<Meeting> {
  return (await presentMeetings(ctx, [row], personId))[0]!;
}

function defaultKind(chatKind: string): Meeting['kind'] {
  if (chatKind === 'class') return 'lesson';
  if (chatKind === 'parents' || chatKind === 'parents_only') return 'parents';
  return 'meeting';
}

async function insertMeeting(
  ctx: AppContext,
  access: ChatAccess,
  userId: string,
  m: { kind: Meeting['kind']; title: string; agenda: string[]; startsAt: Date; durationMinutes: number },
) {
  return withOutbox(ctx, async (trx, outbox) => {
    const row = await trx
      .insertInto('meetings')
      .values({
        school_id: access.schoolId,
        chat_id: access.chat.id,
        kind: m.kind,
        title: m.title,
        agenda: JSON.stringify(m.agenda),
        starts_at: m.startsAt,
        duration_minutes: m.durationMinutes,
        created_by_person_id: access.person.id,
        host_person_id: access.person.id,
        room: crypto.randomInt(1, 2 ** 47),
        room_secret: crypto.randomBytes(18).toString('base64url'),
        room_pin: crypto.randomBytes(18).toString('base64url'),
        ...(m.kind === 'call' ? { started_at: new Date(), reminded_at: new Date() } : {}),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const messageId = await postCard(
      trx,
      outbox,
      { ...access, userId },
      { kind: 'meeting', id: row.id, title: row.title, variant: m.kind === 'call' ? 'call' : 'invite', clientId: `meeting:${row.id}` },
    );
    await trx.updateTable('meetings').set({ message_id: messageId }).where('id', '=', row.id).execute();
    return { ...row, room: Number(row.room), message_id: messageId };
  });
}

/** A teacher (or the administration) schedules a meeting in a chat; a card appears in the chat. */
export async function scheduleMeeting(ctx: AppContext, access: ChatAccess, userId: string, body: ScheduleMeetingBody): Promise<MeetingRow> {
  if (!access.isStaff || CHANNEL_KINDS.includes(access.chat.kind) || access.chat.archived_at) throw new AppError('meeting_schedule_not_allowed', 403);
  return insertMeeting(ctx, access, userId, {
    kind: body.kind ?? defaultKind(access.chat.kind),
    title: body.title,
    agenda: body.agenda,
    startsAt: new Date(body.startsAt),
    durationMinutes: body.durationMinutes,
  });
}

/** An ad-hoc call in a direct chat or group: open at once; a call already running there is reused. */
export async function startCall(ctx: AppContext, access: ChatAccess, userId: string): Promise<MeetingRow> {
  if (!['direct', 'group'].includes(access.chat.kind) || !access.canPost) throw new AppError('meeting_call_not_allowed', 403);
  const running = await ctx.db
    .selectFrom('meetings')
    .selectAll()
    .where('chat_id', '=', access.chat.id)
    .where('kind', '=', 'call')
    .where('ended_at', 'is', null)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  if (running) return { ...running, room: Number(running.room) };
  return insertMeeting(ctx, access, userId, { kind: 'call', title: access.chat.title ?? 'Звонок', agenda: [], startsAt: new Date(), durationMinutes: 60 });
}

export async function listMeetings(ctx: AppContext, access: ChatAccess): Promise<MeetingRow[]> {
  const rows = await ctx.db.selectFrom('meetings').selectAll().where('chat_id', '=', access.chat.id).orderBy('starts_at', 'desc').limit(50).execute();
  return rows.map((r) => ({ ...r, room: Number(r.room) }));
}

export async function rsvp(ctx: AppContext, meeting: MeetingRow, access: ChatAccess, answer: 'yes' | 'no'): Promise<void> {
  if (meeting.ended_at) throw new AppError('meeting_ended', 409);
  await ctx.db
    .insertInto('meeting_rsvps')
    .values({ meeting_id: meeting.id, person_id: access.person.id, answer })
    .onConflict((oc) => oc.columns(['meeting_id', 'person_id']).doUpdateSet({ answer, updated_at: new Date() }))
    .execute();
}

/** Janus VideoRoom's answer to `create` for a room that exists. */
const ROOM_EXISTS = 427;

async function ensureRoom(ctx: AppContext, meeting: MeetingRow): Promise<void> {
  const adapter = media(ctx);
  const state = live.meeting(meeting.id);
  if (state.roomReady && adapter.ready()) return;
  await viaMedia(ctx, async () => {
    if (await adapter.roomExists(meeting.room)) return;
    // Several people join at once (the host and the parents at 19:00), on this process or another:
    // whoever creates the room second is told it exists, which is what they wanted.
    try {
      await adapter.createRoom({
        room: meeting.room,
        secret: meeting.room_secret,
        pin: meeting.room_pin,
        description: meeting.id,
        // Room for a whole class's cameras and screen shares. (Counting the chat's member rows gave
        // 5 for a parents' chat, whose parents are members through the class: the sixth camera was refused.)
        publishers: MAX_PUBLISHERS,
        // The sum of the camera's simulcast layers (web meetings/layers.ts: 900 + 300 + 100 kbit/s):
        // a lower cap would starve the full-size layer first.
        bitrate: 1_300_000,
        simulcast: true,
      });
    } catch (err) {
      if (!(err instanceof MediaError && err.code === ROOM_EXISTS)) throw err;
    }
  });
  state.roomReady = true;
}

function checkOpen(meeting: MeetingRow, now: Date): void {
  if (meeting.ended_at) throw new AppError('meeting_ended', 409);
  if (now.getTime() < meeting.starts_at.getTime() - OPENS_BEFORE_MS) throw new AppError('meeting_not_open', 409);
}

/**
 * Enters the meeting: only members of the chat (accessMeeting), only from shortly before the
 * start until the host ends it, not when locked (the host always may), not after being removed.
 * Opens an attendance row; media comes next (publish / subscribe).
 */
export async function joinMeeting(
  ctx: AppContext,
  meeting: MeetingRow,
  access: ChatAccess,
  userId: string,
  now = new Date(),
): Promise<{ participantId: string }> {
  checkOpen(meeting, now);
  const isHost = meeting.host_person_id === access.person.id;
  if (meeting.locked && !isHost) throw new AppError('meeting_locked', 403);
  const decision = await decisionOf(ctx.db, meeting, access.person.id);
  if (!isHost && decision.removed) throw new AppError('meeting_removed', 403);
  const alreadyIn = await ctx.db
    .selectFrom('meeting_attendance')
    .select('id')
    .where('meeting_id', '=', meeting.id)
    .where('person_id', '=', access.person.id)
    .where('left_at', 'is', null)
    .executeTakeFirst();
  if (!alreadyIn) await checkLobby(ctx, meeting, access.person.id, decision, now);
  // Muted on entry: written down, so it stays a decision about them (a later removal keeps it).
  if (decision.audioMuted) await decide(ctx.db, meeting.id, access.person.id, { audioMuted: true });
  media(ctx);
  await ensureRoom(ctx, meeting);
  if (!meeting.started_at) await ctx.db.updateTable('meetings').set({ started_at: now }).where('id', '=', meeting.id).where('started_at', 'is', null).execute();
  const open = await ctx.db
    .selectFrom('meeting_attendance')
    .select('id')
    .where('meeting_id', '=', meeting.id)
    .where('person_id', '=', access.person.id)
    .where('left_at', 'is', null)
    .executeTakeFirst();
  let participantId = open?.id;
  if (open) await ctx.db.updateTable('meeting_attendance').set({ seen_at: now }).where('id', '=', open.id).execute();
  else {
    const row = await ctx.db
      .insertInto('meeting_attendance')
      .values({ meeting_id: meeting.id, person_id: access.person.id, user_id: userId, joined_at: now, seen_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    participantId = row.id;
  }
  const p = live.participant(meeting.id, access.person.id, participantId!);
  p.name = fullName(access.person);
  p.isStaff = access.isStaff;
  p.audioMutedByHost = decision.audioMuted;
  p.videoStoppedByHost = decision.videoStopped;
  p.loaded = true;
  return { participantId: participantId! };
}

export async function openParticipant(ctx: AppContext, meeting: MeetingRow, access: ChatAccess): Promise<LiveParticipantState> {
  if (meeting.ended_at) throw new AppError('meeting_ended', 409);
  const open = await ctx.db
    .selectFrom('meeting_attendance')
    .select(['id'])
    .where('meeting_id', '=', meeting.id)
    .where('person_id', '=', access.person.id)
    .where('left_at', 'is', null)
    .executeTakeFirst();
  if (!open) throw new AppError('meeting_not_joined', 409);
  const p = live.participant(meeting.id, access.person.id, open.id);
  p.name = fullName(access.person);
  p.isStaff = access.isStaff;
  if (!p.loaded) {
    // This process has not seen them join (it restarted): the host's decisions come from the database.
    const d = await decisionOf(ctx.db, meeting, access.person.id);
    p.audioMutedByHost = d.audioMuted;
    p.videoStoppedByHost = d.videoStopped;
    p.loaded = true;
  }
  return p;
}

/** Publishes a camera (or a screen share) with the browser's offer; returns Janus's answer. */
export async function publish(
  ctx: AppContext,
  meeting: MeetingRow,
  access: ChatAccess,
  kind: 'camera' | 'screen',
  sdp: string,
): Promise<{ feedId: number; sdp: string }> {
  const adapter = media(ctx);
  const p = await openParticipant(ctx, meeting, access);
  await ensureRoom(ctx, meeting);
  for (const [feedId, f] of p.feeds) {
    if (f.kind === kind) {
      p.feeds.delete(feedId);
      live.dropHandle(f.handleId);
      await adapter.leave(f.handleId);
    }
  }
  const pub = await viaMedia(ctx, async () => {
    try {
      return await adapter.publish({
        room: meeting.room,
        pin: meeting.room_pin,
        display: `${p.name}${kind === 'screen' ? ' (screen)' : ''}`,
        offer: sdp,
        bitrate: kind === 'screen' ? 1_200_000 : undefined,
      });
    } catch (err) {
      // The room vanished (the media server restarted): make it again, once.
      if (err instanceof MediaError && err.code === 426) {
        live.meeting(meeting.id).roomReady = false;
        await ensureRoom(ctx, meeting);
        return adapter.publish({ room: meeting.room, pin: meeting.room_pin, display: p.name, offer: sdp });
      }
      throw err;
    }
  });
  const mids = sdpMids(sdp);
  const feed: LiveFeedState = {
    kind,
    handleId: pub.handleId,
    audioMid: mids.audioMid,
    videoMid: mids.videoMid,
    up: false,
    audioMuted: false,
    videoStopped: false,
    silent: new Set(),
  };
  if (kind === 'camera') p.mediaLostAt = null;
  p.feeds.set(pub.feedId, feed);
  live.trackHandle(pub.handleId, meeting.id, access.person.id, pub.feedId);
  if (kind === 'camera' && p.audioMutedByHost && feed.audioMid) await moderateFeed(ctx, meeting, pub.feedId, feed, 'audio', true);
  if (kind === 'camera' && p.videoStoppedByHost && feed.videoMid) await moderateFeed(ctx, meeting, pub.feedId, feed, 'video', true);
  return { feedId: pub.feedId, sdp: pub.answer };
}

export async function unpublish(ctx: AppContext, meeting: MeetingRow, access: ChatAccess, kind: 'camera' | 'screen'): Promise<void> {
  const p = await openParticipant(ctx, meeting, access);
  for (const [feedId, f] of p.feeds) {
    if (f.kind !== kind) continue;
    p.feeds.delete(feedId);
    live.dropHandle(f.handleId);
    await ctx.media.adapter?.leave(f.handleId);
  }
}

function findFeed(meetingId: string, feedId: number): LiveFeedState | undefined {
  for (const p of live.meeting(meetingId).participants.values()) {
    const f = p.feeds.get(feedId);
    if (f) return f;
  }
  return undefined;
}

/** Subscribes to another participant's feed; Janus's offer goes back to the browser. */
export async function subscribe(
  ctx: AppContext,
  meeting: MeetingRow,
  access: ChatAccess,
  o: { feedId: number; audioOnly: boolean; substream?: number },
): Promise<{ subscriptionId: string; sdp: string }> {
  const adapter = media(ctx);
  const p = await openParticipant(ctx, meeting, access);
  const feed = findFeed(meeting.id, o.feedId);
  if (!feed) throw new AppError('meeting_feed_not_found', 404);
  const mids = o.audioOnly && feed.audioMid ? [feed.audioMid] : undefined;
  const sub = await viaMedia(ctx, async () => {
    try {
      return await adapter.subscribe({ room: meeting.room, pin: meeting.room_pin, feedId: o.feedId, mids, substream: o.substream });
    } catch (err) {
      if (err instanceof MediaError && err.code === 428) throw new AppError('meeting_feed_not_found', 404);
      throw err;
    }
  });
  p.subscriptions.add(sub.handleId);
  return { subscriptionId: sub.handleId, sdp: sub.offer };
}

async function ownSubscription(ctx: AppContext, meeting: MeetingRow, access: ChatAccess, subscriptionId: string) {
  const p = await openParticipant(ctx, meeting, access);
  if (!p.subscriptions.has(subscriptionId)) throw new AppError('not_found', 404);
  return p;
}

export async function answerSubscription(ctx: AppContext, meeting: MeetingRow, access: ChatAccess, subscriptionId: string, sdp: string): Promise<void> {
  await ownSubscription(ctx, meeting, access, subscriptionId);
  await viaMedia(ctx, () => media(ctx).startSubscription(subscriptionId, sdp));
}

export async function setSubstream(ctx: AppContext, meeting: MeetingRow, access: ChatAccess, subscriptionId: string, substream: number): Promise<void> {
  await ownSubscription(ctx, meeting, access, subscriptionId);
  await viaMedia(ctx, () => media(ctx).setSubstream(subscriptionId, substream));
}

export async function closeSubscription(ctx: AppContext, meeting: MeetingRow, access: ChatAccess, subscriptionId: string): Promise<void> {
  const p = await ownSubscription(ctx, meeting, access, subscriptionId);
  p.subscriptions.delete(subscriptionId);
  await ctx.media.adapter?.leave(subscriptionId);
}

export async function moderateFeed(ctx: AppContext, meeting: MeetingRow, feedId: number, f: LiveFeedState, what: 'audio' | 'video', mute: boolean) {
  const mid = what === 'audio' ? f.audioMid : f.videoMid;
  if (!mid) return;
  await viaMedia(ctx, () => media(ctx).moderate({ room: meeting.room, secret: meeting.room_secret, feedId, mid, mute }));
  if (what === 'audio') f.audioMuted = mute;
  else f.videoStopped = mute;
}

/** My answer to the host's request to unmute: either way the request is cleared; the microphone is the client's. */
export async function answerUnmute(ctx: AppContext, meeting: MeetingRow, access: ChatAccess, accept: boolean): Promise<void> {
  await openParticipant(ctx, meeting, access);
  const d = await decisionOf(ctx.db, meeting, access.person.id);
  if (!d.unmuteAsked) throw new AppError('not_found', 404);
  if (accept && d.audioMuted) throw new AppError('meeting_host_only', 403);
  await decide(ctx.db, meeting.id, access.person.id, { unmuteAsked: false });
}

export async function raiseHand(ctx: AppContext, meeting: MeetingRow, access: ChatAccess, raised: boolean): Promise<void> {
  await openParticipant(ctx, meeting, access);
  if (raised)
    await ctx.db
      .insertInto('meeting_hands')
      .values({ meeting_id: meeting.id, person_id: access.person.id })
      .onConflict((oc) => oc.doNothing())
      .execute();
  else await ctx.db.deleteFrom('meeting_hands').where('meeting_id', '=', meeting.id).where('person_id', '=', access.person.id).execute();
}

export async function react(ctx: AppContext, meeting: MeetingRow, access: ChatAccess, emoji: string, now = new Date()): Promise<void> {
  await openParticipant(ctx, meeting, access);
  const state = live.meeting(meeting.id);
  state.reactions = state.reactions.filter((r) => now.getTime() - r.at.getTime() < REACTION_TTL_MS);
  state.reactions.push({ personId: access.person.id, emoji, at: now });
  if (state.reactions.length > 200) state.reactions.splice(0, state.reactions.length - 200);
}

/** Reminders 15 minutes before: one card per meeting, claimed atomically so one process sends it. */
export async function sendDueReminders(ctx: AppContext, now = new Date()): Promise<number> {
  const due = await ctx.db
    .updateTable('meetings')
    .set({ reminded_at: now })
    .where('reminded_at', 'is', null)
    .where('ended_at', 'is', null)
    .where('starts_at', '<=', new Date(now.getTime() + OPENS_BEFORE_MS))
    .where('starts_at', '>', new Date(now.getTime() - 5 * 60_000))
    .returningAll()
    .execute();
  for (const m of due) {
    const host = await ctx.db.selectFrom('persons').selectAll().where('id', '=', m.host_person_id).executeTakeFirstOrThrow();
    if (!host.user_id) continue;
    const access = await accessChat(ctx.db, host.user_id, m.chat_id).catch(() => null);
    if (!access) continue;
    await withOutbox(ctx, (trx, outbox) =>
      postCard(
        trx,
        outbox,
        { ...access, userId: host.user_id! },
        { kind: 'meeting', id: m.id, title: m.title, variant: 'reminder', clientId: `meeting-reminder:${m.id}` },
      ),
    );
  }
  return due.length;
}
