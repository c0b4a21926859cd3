import type { AppContext } from '../context.ts';
import type { ChatAccess } from '../messaging/access.ts';
import { live } from './live.ts';
import { AUTO_END_MS, autoEndTimes } from './auto-end.ts';
import { PRESENCE_TIMEOUT_MS, type MeetingRow } from './service.ts';

/**
 * A participant whose camera's media is gone (Janus hung it up, or receives nothing) and whose
 * client has not polled for this long has left: their browser died or their network is gone.
 */
export const MEDIA_LOST_SILENCE_MS = 5_000;

/**
 * Who is in a meeting now: leaving, being timed out (the client stopped polling), and the end of
 * the meeting close attendance rows and release the participant's media handles.
 */

/** Drops a participant's media handles (left, removed, timed out, meeting ended). */
export async function dropMedia(ctx: AppContext, meetingId: string, personId: string): Promise<void> {
  const p = live.meeting(meetingId).participants.get(personId);
  if (!p) return;
  live.meeting(meetingId).participants.delete(personId);
  for (const [, f] of p.feeds) {
    live.dropHandle(f.handleId);
    await ctx.media.adapter?.leave(f.handleId).catch(() => {});
  }
  for (const s of p.subscriptions) await ctx.media.adapter?.leave(s).catch(() => {});
}

export async function closeAttendance(ctx: AppContext, meetingId: string, personId: string, at: Date, removed = false): Promise<void> {
  await ctx.db
    .updateTable('meeting_attendance')
    .set({ left_at: at, ...(removed ? { removed: true } : {}) })
    .where('meeting_id', '=', meetingId)
    .where('person_id', '=', personId)
    .where('left_at', 'is', null)
    .execute();
  // A raised hand survives leaving and a drop (it shows again on return); not a removal.
  if (removed) await ctx.db.deleteFrom('meeting_hands').where('meeting_id', '=', meetingId).where('person_id', '=', personId).execute();
}

export async function leaveMeeting(ctx: AppContext, meeting: MeetingRow, access: ChatAccess, now = new Date()): Promise<void> {
  await closeAttendance(ctx, meeting.id, access.person.id, now);
  await dropMedia(ctx, meeting.id, access.person.id);
}

/**
 * Participants not heard from within PRESENCE_TIMEOUT_MS have left at the moment last seen: a
 * dropped network ends the attendance row; when the client returns it joins again (a new row).
 */
export async function sweepAbsent(ctx: AppContext, now = new Date()): Promise<number> {
  const stale = await ctx.db
    .selectFrom('meeting_attendance')
    .select(['id', 'meeting_id', 'person_id', 'seen_at'])
    .where('left_at', 'is', null)
    .where('seen_at', '<', new Date(now.getTime() - PRESENCE_TIMEOUT_MS))
    .execute();
  for (const s of stale) {
    await ctx.db.updateTable('meeting_attendance').set({ left_at: s.seen_at }).where('id', '=', s.id).where('left_at', 'is', null).execute();
    await dropMedia(ctx, s.meeting_id, s.person_id);
  }
  return stale.length;
}

/**
 * Frozen tiles, removed within seconds: participants whose camera media Janus reports gone (hung
 * up, ICE failed, nothing received) and whose client has also stopped polling for
 * MEDIA_LOST_SILENCE_MS have left at the moment last seen, without waiting for the 30 s sweep.
 * A client that still polls is only reconnecting: it publishes again by itself.
 */
export async function sweepLostMedia(ctx: AppContext, now = new Date()): Promise<number> {
  const lost = live.lostMedia();
  if (lost.length === 0) return 0;
  let closed = 0;
  for (const l of lost) {
    const row = await ctx.db
      .updateTable('meeting_attendance')
      .set((eb) => ({ left_at: eb.ref('seen_at') }))
      .where('meeting_id', '=', l.meetingId)
      .where('person_id', '=', l.personId)
      .where('left_at', 'is', null)
      .where('seen_at', '<', new Date(now.getTime() - MEDIA_LOST_SILENCE_MS))
      .returning('id')
      .executeTakeFirst();
    if (!row) continue;
    closed++;
    await dropMedia(ctx, l.meetingId, l.personId);
  }
  return closed;
}

/** Meetings nobody ended end by themselves AUTO_END_MS after their host left. */
export async function endAbandoned(ctx: AppContext, now = new Date()): Promise<number> {
  const running = await ctx.db
    .selectFrom('meetings')
    .selectAll()
    .where('ended_at', 'is', null)
    .where('started_at', 'is not', null)
    .where('started_at', '<', new Date(now.getTime() - AUTO_END_MS))
    .execute();
  const rows = running.map((r) => ({ ...r, room: Number(r.room) }));
  const ends = await autoEndTimes(ctx.db, rows);
  let ended = 0;
  for (const m of rows) {
    const at = ends.get(m.id);
    if (!at || at.getTime() > now.getTime()) continue;
    await endMeeting(ctx, m, now);
    ended++;
  }
  return ended;
}

export async function endMeeting(ctx: AppContext, meeting: MeetingRow, now = new Date()): Promise<void> {
  await ctx.db
    .updateTable('meetings')
    .set({ ended_at: now, started_at: meeting.started_at ?? now })
    .where('id', '=', meeting.id)
    .where('ended_at', 'is', null)
    .execute();
  await ctx.db.updateTable('meeting_attendance').set({ left_at: now }).where('meeting_id', '=', meeting.id).where('left_at', 'is', null).execute();
  await ctx.db.deleteFrom('meeting_hands').where('meeting_id', '=', meeting.id).execute();
  for (const personId of [...live.meeting(meeting.id).participants.keys()]) await dropMedia(ctx, meeting.id, personId);
  live.forget(meeting.id);
  if (ctx.media.adapter?.ready())
    await ctx.media.adapter
      .destroyRoom(meeting.room, meeting.room_secret)
      .catch((err: Error) => ctx.log.warn({ err: err.message }, 'destroying a media room failed'));
}
