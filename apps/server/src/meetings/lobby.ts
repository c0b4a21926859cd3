import type { AppContext } from '../context.ts';
import type { Queryable } from '../db/schema.ts';
import { fullName } from '../directory/rules.ts';
import { AppError } from '../http/errors.ts';
import { decide, type Decision } from './decisions.ts';

/**
 * The waiting room. With `meetings.lobby` on, a person other than the host who has not been
 * admitted waits: their join answers 409 `meeting_lobby` and puts them (or keeps them) in
 * `meeting_lobby` (co-hosts never wait); their client asks again every few seconds. The host admits one person or
 * everyone waiting; an admission is a decision (decisions.ts), kept when they leave and come back.
 * Lock works as before: a locked meeting refuses even the waiting room.
 */

/** Someone who stopped asking this long ago has left the waiting room. */
export const LOBBY_TIMEOUT_MS = 30_000;

/** Refuses a join into the waiting room (and records the wait), unless no waiting is due. */
export async function checkLobby(
  ctx: AppContext,
  meeting: { id: string; lobby: boolean; host_person_id: string },
  personId: string,
  decision: Decision,
  now: Date,
): Promise<void> {
  if (!meeting.lobby || personId === meeting.host_person_id || decision.admitted || decision.cohost) return;
  await ctx.db
    .insertInto('meeting_lobby')
    .values({ meeting_id: meeting.id, person_id: personId, since: now, seen_at: now })
    .onConflict((oc) => oc.columns(['meeting_id', 'person_id']).doUpdateSet({ seen_at: now }))
    .execute();
  throw new AppError('meeting_lobby', 409);
}

/** Who waits now, in order of arrival. */
export async function waitingList(db: Queryable, meetingId: string, now: Date): Promise<{ personId: string; name: string; since: string }[]> {
  const rows = await db
    .selectFrom('meeting_lobby')
    .innerJoin('persons', 'persons.id', 'meeting_lobby.person_id')
    .select(['meeting_lobby.person_id', 'meeting_lobby.since', 'persons.last_name', 'persons.first_name', 'persons.middle_name'])
    .where('meeting_id', '=', meetingId)
    .where('seen_at', '>', new Date(now.getTime() - LOBBY_TIMEOUT_MS))
    .orderBy('since')
    .execute();
  return rows.map((r) => ({ personId: r.person_id, name: fullName(r), since: r.since.toISOString() }));
}

/** Lets in one person waiting (404 `person_not_found` if they are not waiting), or all of them. */
export async function admit(db: Queryable, meetingId: string, personId: string | 'all', now: Date): Promise<void> {
  const waiting = (await waitingList(db, meetingId, now)).filter((w) => personId === 'all' || w.personId === personId);
  if (personId !== 'all' && waiting.length === 0) throw new AppError('person_not_found', 404);
  for (const w of waiting) {
    await decide(db, meetingId, w.personId, { admitted: true });
    await db.deleteFrom('meeting_lobby').where('meeting_id', '=', meetingId).where('person_id', '=', w.personId).execute();
  }
}
