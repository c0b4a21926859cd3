import type { Queryable } from '../db/schema.ts';

/** A meeting whose host has left ends by itself this long after (unless the host comes back). */
export const AUTO_END_MS = 10 * 60_000;

/**
 * When each running meeting ends by itself: AUTO_END_MS after its last host (the host or a
 * co-host) left (or, when the
 * host never came, after the planned end). Not while the host is in it; not before anyone came.
 */
export async function autoEndTimes(
  db: Queryable,
  rows: { id: string; started_at: Date | null; ended_at: Date | null; starts_at: Date; duration_minutes: number }[],
): Promise<Map<string, Date>> {
  const running = rows.filter((m) => m.started_at && !m.ended_at);
  const out = new Map<string, Date>();
  if (running.length === 0) return out;
  const hostRows = await db
    .selectFrom('meeting_attendance')
    .innerJoin('meetings', 'meetings.id', 'meeting_attendance.meeting_id')
    .select(['meeting_attendance.meeting_id', 'meeting_attendance.left_at'])
    .leftJoin('meeting_decisions', (j) =>
      j.onRef('meeting_decisions.meeting_id', '=', 'meeting_attendance.meeting_id').onRef('meeting_decisions.person_id', '=', 'meeting_attendance.person_id'),
    )
    .where((eb) => eb.or([eb('meeting_attendance.person_id', '=', eb.ref('meetings.host_person_id')), eb('meeting_decisions.cohost', '=', true)]))
    .where(
      'meeting_attendance.meeting_id',
      'in',
      running.map((m) => m.id),
    )
    .execute();
  for (const m of running) {
    const mine = hostRows.filter((r) => r.meeting_id === m.id);
    if (mine.some((r) => r.left_at === null)) continue;
    const lastLeft = Math.max(0, ...mine.map((r) => r.left_at!.getTime()));
    const from = mine.length ? lastLeft : Math.max(m.started_at!.getTime(), m.starts_at.getTime() + m.duration_minutes * 60_000);
    out.set(m.id, new Date(from + AUTO_END_MS));
  }
  return out;
}
