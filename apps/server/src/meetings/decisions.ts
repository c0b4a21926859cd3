import type { Queryable } from '../db/schema.ts';

/**
 * What the host decided about one person in one meeting: muted, video stopped, removed. Kept in
 * `meeting_decisions`, so leaving and joining again, a network drop, a restart of the media server
 * or of Parta restore them. A person without a row gets the meeting's "mute on entry".
 */
export interface Decision {
  audioMuted: boolean;
  videoStopped: boolean;
  removed: boolean;
  /** Let in from the waiting room. */
  admitted: boolean;
  /** Has the host's controls too. */
  cohost: boolean;
  /** The host asked them to turn their microphone on, and they have not answered yet. */
  unmuteAsked: boolean;
}

export async function decisionOf(db: Queryable, meeting: { id: string; mute_on_entry: boolean; host_person_id: string }, personId: string): Promise<Decision> {
  const row = await db
    .selectFrom('meeting_decisions')
    .select(['audio_muted', 'video_stopped', 'removed', 'admitted', 'cohost', 'unmute_asked_at'])
    .where('meeting_id', '=', meeting.id)
    .where('person_id', '=', personId)
    .executeTakeFirst();
  if (row)
    return {
      audioMuted: row.audio_muted,
      videoStopped: row.video_stopped,
      removed: row.removed,
      admitted: row.admitted,
      cohost: row.cohost,
      unmuteAsked: row.unmute_asked_at !== null,
    };
  return {
    audioMuted: meeting.mute_on_entry && personId !== meeting.host_person_id,
    videoStopped: false,
    removed: false,
    admitted: false,
    cohost: false,
    unmuteAsked: false,
  };
}

export async function decide(db: Queryable, meetingId: string, personId: string, patch: Partial<Decision>): Promise<void> {
  const set = {
    ...(patch.audioMuted !== undefined ? { audio_muted: patch.audioMuted } : {}),
    ...(patch.videoStopped !== undefined ? { video_stopped: patch.videoStopped } : {}),
    ...(patch.removed !== undefined ? { removed: patch.removed } : {}),
    ...(patch.admitted !== undefined ? { admitted: patch.admitted } : {}),
    ...(patch.cohost !== undefined ? { cohost: patch.cohost } : {}),
    ...(patch.unmuteAsked !== undefined ? { unmute_asked_at: patch.unmuteAsked ? new Date() : null } : {}),
  };
  await db
    .insertInto('meeting_decisions')
    .values({ meeting_id: meetingId, person_id: personId, ...set })
    .onConflict((oc) => oc.columns(['meeting_id', 'person_id']).doUpdateSet({ ...set, updated_at: new Date() }))
    .execute();
}

/** People the host removed (for readmission), by name. */
export async function removedPeople(
  db: Queryable,
  meetingId: string,
): Promise<{ personId: string; last_name: string; first_name: string; middle_name: string | null }[]> {
  return db
    .selectFrom('meeting_decisions')
    .innerJoin('persons', 'persons.id', 'meeting_decisions.person_id')
    .select(['meeting_decisions.person_id as personId', 'persons.last_name', 'persons.first_name', 'persons.middle_name'])
    .where('meeting_id', '=', meetingId)
    .where('removed', '=', true)
    .orderBy('meeting_decisions.updated_at')
    .execute();
}

/** The co-hosts of a meeting (person ids). */
export async function cohostIds(db: Queryable, meetingId: string): Promise<Set<string>> {
  const rows = await db.selectFrom('meeting_decisions').select('person_id').where('meeting_id', '=', meetingId).where('cohost', '=', true).execute();
  return new Set(rows.map((r) => r.person_id));
}
