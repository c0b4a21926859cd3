import type { LiveState } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import { fullName } from '../directory/rules.ts';
import { isStaffRoles, type ChatAccess } from '../messaging/access.ts';
import { cohostIds, decisionOf, removedPeople } from './decisions.ts';
import { live } from './live.ts';
import { waitingList } from './lobby.ts';
import { REACTION_TTL_MS, presentMeeting, type MeetingRow } from './service.ts';

/** What a participant's client polls: who is in, their feeds, hands in order, recent reactions. Also the presence heartbeat. */
export async function liveState(ctx: AppContext, meeting: MeetingRow, access: ChatAccess, now = new Date()): Promise<LiveState> {
  const mine = await ctx.db
    .updateTable('meeting_attendance')
    .set({ seen_at: now })
    .where('meeting_id', '=', meeting.id)
    .where('person_id', '=', access.person.id)
    .where('left_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  const fresh = await ctx.db.selectFrom('meetings').selectAll().where('id', '=', meeting.id).executeTakeFirstOrThrow();
  const row = { ...fresh, room: Number(fresh.room) };
  const decision = await decisionOf(ctx.db, row, access.person.id);
  const removed = !mine && decision.removed;
  const cohosts = await cohostIds(ctx.db, meeting.id);
  const isCohost = cohosts.has(access.person.id) && !decision.removed;
  const controls = row.host_person_id === access.person.id || isCohost;
  const [present, hands] = await Promise.all([
    ctx.db
      .selectFrom('meeting_attendance')
      .innerJoin('persons', 'persons.id', 'meeting_attendance.person_id')
      .select(['meeting_attendance.id', 'meeting_attendance.person_id', 'persons.last_name', 'persons.first_name', 'persons.middle_name', 'persons.roles'])
      .where('meeting_id', '=', meeting.id)
      .where('left_at', 'is', null)
      .orderBy('meeting_attendance.joined_at')
      .execute(),
    ctx.db
      .selectFrom('meeting_hands')
      .innerJoin('persons', 'persons.id', 'meeting_hands.person_id')
      .select(['meeting_hands.person_id', 'meeting_hands.raised_at', 'persons.last_name', 'persons.first_name', 'persons.middle_name'])
      .where('meeting_id', '=', meeting.id)
      .orderBy('raised_at')
      .execute(),
  ]);
  const state = live.meeting(meeting.id);
  // A hand stays raised through a drop or a rejoin; it is shown while its owner is in the meeting.
  const presentIds = new Set(present.map((r) => r.person_id));
  const raised = hands.filter((h) => presentIds.has(h.person_id));
  const handOf = new Map(raised.map((h) => [h.person_id, h.raised_at.toISOString()]));
  const meP = state.participants.get(access.person.id);
  return {
    meeting: await presentMeeting(ctx, row, access.person.id),
    participants: present.map((r) => {
      const p = state.participants.get(r.person_id);
      return {
        participantId: r.id,
        personId: r.person_id,
        name: fullName(r),
        isHost: r.person_id === row.host_person_id,
        isStaff: isStaffRoles(r.roles),
        handRaisedAt: handOf.get(r.person_id) ?? null,
        isCohost: cohosts.has(r.person_id),
        feeds: p
          ? [...p.feeds].filter(([, f]) => f.up).map(([feedId, f]) => ({ feedId, kind: f.kind, audioMuted: f.audioMuted, videoStopped: f.videoStopped }))
          : [],
      };
    }),
    hands: raised.map((h) => ({ personId: h.person_id, name: fullName(h), at: h.raised_at.toISOString() })),
    reactions: state.reactions
      .filter((r) => now.getTime() - r.at.getTime() < REACTION_TTL_MS)
      .map((r) => ({ personId: r.personId, emoji: r.emoji, at: r.at.toISOString() })),
    me: {
      participantId: mine?.id ?? null,
      removed,
      audioMutedByHost: meP?.loaded ? meP.audioMutedByHost : decision.audioMuted,
      videoStoppedByHost: meP?.loaded ? meP.videoStoppedByHost : decision.videoStopped,
      isCohost,
      unmuteAsked: decision.unmuteAsked,
    },
    spotlightPersonId: row.spotlight_person_id && presentIds.has(row.spotlight_person_id) ? row.spotlight_person_id : null,
    waiting: controls ? await waitingList(ctx.db, meeting.id, now) : [],
    removed: controls ? (await removedPeople(ctx.db, meeting.id)).map((r) => ({ personId: r.personId, name: fullName(r) })) : [],
  };
}
