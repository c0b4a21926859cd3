import type { Kysely } from 'kysely';
import { runStatements } from '../statements.ts';

/**
 * Co-hosts, "ask to unmute" and the spotlight: a co-host (a co-teacher, the parent committee's
 * chair) is a decision about a person, like a mute, so it survives leaving and rejoining; the host's
 * request to unmute waits in the same row until the person answers; the spotlit speaker is the
 * meeting's, shown to everyone.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    ALTER TABLE meeting_decisions ADD COLUMN cohost boolean NOT NULL DEFAULT false;
    ALTER TABLE meeting_decisions ADD COLUMN unmute_asked_at timestamptz;
    ALTER TABLE meetings ADD COLUMN spotlight_person_id uuid REFERENCES persons(id) ON DELETE SET NULL;
  `,
  );
}
