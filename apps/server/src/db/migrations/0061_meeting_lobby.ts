import type { Kysely } from 'kysely';
import { runStatements } from '../statements.ts';

/**
 * The waiting room: with `meetings.lobby` on, people other than the host wait in
 * `meeting_lobby` until the host admits them (`meeting_decisions.admitted`, kept for rejoins).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    ALTER TABLE meetings ADD COLUMN lobby boolean NOT NULL DEFAULT false;
    ALTER TABLE meeting_decisions ADD COLUMN admitted boolean NOT NULL DEFAULT false;
    CREATE TABLE meeting_lobby (
      meeting_id uuid NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
      person_id uuid NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
      since timestamptz NOT NULL DEFAULT now(),
      seen_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (meeting_id, person_id)
    );
  `,
  );
}
