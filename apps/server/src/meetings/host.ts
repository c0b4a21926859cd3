import type { HostAction } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import { AppError } from '../http/errors.ts';
import { isStaffRoles, type ChatAccess } from '../messaging/access.ts';
import { decide } from './decisions.ts';
import { live } from './live.ts';
import { admit } from './lobby.ts';
import { closeAttendance, dropMedia, endMeeting } from './presence.ts';
import { media, moderateFeed, viaMedia, type MeetingRow } from './service.ts';

/**
 * The host's controls over a meeting in progress: mute, ask to unmute, stop video, remove and
 * readmit, lock, end, hand over, lower hands, spotlight. Decisions about a person are stored
 * (decisions.ts), so they hold when the person leaves and comes back or their network drops.
 *
 * Co-hosts (a co-teacher, the parent committee's chair), granted and revoked by the host, have
 * the same controls, except granting co-hosts and handing the meeting over; and none of them
 * acts on the host.
 */

export type Controller = 'host' | 'cohost';

/** Who may use the controls: the host, or a co-host not removed. Everyone else: 403 `meeting_host_only`. */
export async function checkController(ctx: AppContext, meeting: MeetingRow, personId: string): Promise<Controller> {
  if (meeting.host_person_id === personId) return 'host';
  const d = await ctx.db
    .selectFrom('meeting_decisions')
    .select(['cohost', 'removed'])
    .where('meeting_id', '=', meeting.id)
    .where('person_id', '=', personId)
    .executeTakeFirst();
  if (d?.cohost && !d.removed) return 'cohost';
  throw new AppError('meeting_host_only', 403);
}

/** Actions only the host has. */
const HOST_ONLY = new Set<HostAction['action']>(['cohost', 'hand_over']);
/** Actions on a person that a co-host may not take against the host. */
const ON_PERSON = new Set<HostAction['action']>(['mute', 'unmute', 'ask_unmute', 'stop_video', 'remove']);

/** A co-host is an adult member of the chat: staff or a parent, not a student, not the host. */
async function checkCohostTarget(ctx: AppContext, meeting: MeetingRow, personId: string): Promise<void> {
  const target = await ctx.db
    .selectFrom('chat_members')
    .innerJoin('persons', 'persons.id', 'chat_members.person_id')
    .select(['persons.roles'])
    .where('chat_members.chat_id', '=', meeting.chat_id)
    .where('chat_members.person_id', '=', personId)
    .where('chat_members.left_at', 'is', null)
    .where('persons.archived_at', 'is', null)
    .executeTakeFirst();
  const adult = target && (isStaffRoles(target.roles) || target.roles.includes('guardian'));
  if (!adult || personId === meeting.host_person_id) throw new AppError('meeting_cohost_target_invalid', 400);
}

async function checkHostTarget(ctx: AppContext, meeting: MeetingRow, personId: string): Promise<void> {
  const target = await ctx.db
    .selectFrom('chat_members')
    .innerJoin('persons', 'persons.id', 'chat_members.person_id')
    .select(['persons.roles'])
    .where('chat_members.chat_id', '=', meeting.chat_id)
    .where('chat_members.person_id', '=', personId)
    .where('chat_members.left_at', 'is', null)
    .where('persons.archived_at', 'is', null)
    .executeTakeFirst();
  if (!target || !isStaffRoles(target.roles)) throw new AppError('meeting_host_target_invalid', 400);
}

/** Host controls. Everyone but the host and co-hosts gets 403 `meeting_host_only`. */
export async function hostAction(ctx: AppContext, meeting: MeetingRow, access: ChatAccess, a: HostAction, now = new Date()): Promise<void> {
  const role = await checkController(ctx, meeting, access.person.id);
  if (role === 'cohost' && HOST_ONLY.has(a.action)) throw new AppError('meeting_host_only', 403);
  if (role === 'cohost' && ON_PERSON.has(a.action) && 'personId' in a && a.personId === meeting.host_person_id)
    throw new AppError('meeting_host_protected', 403);
  if (meeting.ended_at) throw new AppError('meeting_ended', 409);
  const state = live.meeting(meeting.id);
  const person = (id: string) => state.participants.get(id);
  switch (a.action) {
    case 'mute':
    case 'unmute': {
      const mute = a.action === 'mute';
      const p = person(a.personId);
      if (!p) throw new AppError('person_not_found', 404);
      await decide(ctx.db, meeting.id, a.personId, { audioMuted: mute, ...(mute ? { unmuteAsked: false } : {}) });
      p.audioMutedByHost = mute;
      for (const [feedId, f] of p.feeds) if (f.kind === 'camera') await moderateFeed(ctx, meeting, feedId, f, 'audio', mute);
      return;
    }
    case 'mute_all':
      // Everyone but the host, and whoever joins later (mute on entry); people who left keep it too.
      await ctx.db.updateTable('meetings').set({ mute_on_entry: true }).where('id', '=', meeting.id).execute();
      await ctx.db
        .updateTable('meeting_decisions')
        .set({ audio_muted: true, updated_at: now })
        .where('meeting_id', '=', meeting.id)
        .where('person_id', '!=', access.person.id)
        .execute();
      for (const [personId, p] of state.participants) {
        if (personId === access.person.id) continue;
        await decide(ctx.db, meeting.id, personId, { audioMuted: true });
        p.audioMutedByHost = true;
        for (const [feedId, f] of p.feeds) if (f.kind === 'camera') await moderateFeed(ctx, meeting, feedId, f, 'audio', true);
      }
      return;
    case 'ask_unmute': {
      // Lifts the host's mute and asks: the microphone stays off until the person turns it on.
      const p = person(a.personId);
      if (!p) throw new AppError('person_not_found', 404);
      await decide(ctx.db, meeting.id, a.personId, { audioMuted: false, unmuteAsked: true });
      p.audioMutedByHost = false;
      for (const [feedId, f] of p.feeds) if (f.kind === 'camera') await moderateFeed(ctx, meeting, feedId, f, 'audio', false);
      return;
    }
    case 'cohost':
      if (a.on) await checkCohostTarget(ctx, meeting, a.personId);
      await decide(ctx.db, meeting.id, a.personId, { cohost: a.on });
      return;
    case 'spotlight': {
      if (a.personId !== null) {
        const inCall = await ctx.db
          .selectFrom('meeting_attendance')
          .select('id')
          .where('meeting_id', '=', meeting.id)
          .where('person_id', '=', a.personId)
          .where('left_at', 'is', null)
          .executeTakeFirst();
        if (!inCall) throw new AppError('person_not_found', 404);
      }
      await ctx.db.updateTable('meetings').set({ spotlight_person_id: a.personId }).where('id', '=', meeting.id).execute();
      return;
    }
    case 'stop_video': {
      const p = person(a.personId);
      if (!p) throw new AppError('person_not_found', 404);
      await decide(ctx.db, meeting.id, a.personId, { videoStopped: true });
      p.videoStoppedByHost = true;
      for (const [feedId, f] of p.feeds) await moderateFeed(ctx, meeting, feedId, f, 'video', true);
      return;
    }
    case 'remove': {
      if (a.personId === access.person.id) throw new AppError('validation_failed', 400);
      const came = await ctx.db
        .selectFrom('meeting_attendance')
        .select('id')
        .where('meeting_id', '=', meeting.id)
        .where('person_id', '=', a.personId)
        .executeTakeFirst();
      if (!came) throw new AppError('person_not_found', 404);
      await decide(ctx.db, meeting.id, a.personId, { removed: true });
      const p = person(a.personId);
      if (p) for (const [feedId] of p.feeds) await viaMedia(ctx, () => media(ctx).kick({ room: meeting.room, secret: meeting.room_secret, feedId }));
      await closeAttendance(ctx, meeting.id, a.personId, now, true);
      await ctx.db.updateTable('meeting_attendance').set({ removed: true }).where('meeting_id', '=', meeting.id).where('person_id', '=', a.personId).execute();
      await dropMedia(ctx, meeting.id, a.personId);
      return;
    }
    case 'readmit': {
      const res = await ctx.db
        .updateTable('meeting_decisions')
        .set({ removed: false, updated_at: now })
        .where('meeting_id', '=', meeting.id)
        .where('person_id', '=', a.personId)
        .where('removed', '=', true)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) throw new AppError('person_not_found', 404);
      return;
    }
    case 'lobby':
      await ctx.db.updateTable('meetings').set({ lobby: a.on }).where('id', '=', meeting.id).execute();
      if (!a.on) await admit(ctx.db, meeting.id, 'all', now);
      return;
    case 'admit':
      await admit(ctx.db, meeting.id, a.personId, now);
      return;
    case 'admit_all':
      await admit(ctx.db, meeting.id, 'all', now);
      return;
    case 'mute_on_entry':
      await ctx.db.updateTable('meetings').set({ mute_on_entry: a.on }).where('id', '=', meeting.id).execute();
      return;
    case 'lock':
    case 'unlock':
      await ctx.db
        .updateTable('meetings')
        .set({ locked: a.action === 'lock' })
        .where('id', '=', meeting.id)
        .execute();
      return;
    case 'end':
      await endMeeting(ctx, meeting, now);
      return;
    case 'hand_over':
      await checkHostTarget(ctx, meeting, a.personId);
      await ctx.db.updateTable('meetings').set({ host_person_id: a.personId }).where('id', '=', meeting.id).execute();
      return;
    case 'lower_hand':
      await ctx.db.deleteFrom('meeting_hands').where('meeting_id', '=', meeting.id).where('person_id', '=', a.personId).execute();
      return;
  }
}
