import type { AppContext } from '../context.ts';
import type { ChatAccess } from '../messaging/access.ts';
import { live } from './live.ts';
import { PRESENCE_TIMEOUT_MS, type MeetingRow } from './service.ts';

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
  await ctx.db.deleteFrom('meeting_hands').where('meeting_id', '=', meetingId).where('person_id', '=', personId).execute();
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
    await ctx.db.deleteFrom('meeting_hands').where('meeting_id', '=', s.meeting_id).where('person_id', '=', s.person_id).execute();
    await dropMedia(ctx, s.meeting_id, s.person_id);
  }
  return stale.length;
}

export async function endMeeting(ctx: AppContext, meeting: MeetingRow, now = new Date()): Promise<void> {
  await ctx.db.updateTable('meetings').set({ ended_at: now, started_at: meeting.started_at ?? now }).where('id', '=', meeting.id).where('ended_at', 'is', null).execute();
  await ctx.db.updateTable('meeting_attendance').set({ left_at: now }).where('meeting_id', '=', meeting.id).where('left_at', 'is', null).execute();
  await ctx.db.deleteFrom('meeting_hands').where('meeting_id', '=', meeting.id).execute();
  for (const personId of [...live.meeting(meeting.id).participants.keys()]) await dropMedia(ctx, meeting.id, personId);
  live.forget(meeting.id);
  if (ctx.media.adapter?.ready()) await ctx.media.adapter.destroyRoom(meeting.room, meeting.room_secret).catch((err: Error) => ctx.log.warn({ err: err.message }, 'destroying a media room failed'));
}
