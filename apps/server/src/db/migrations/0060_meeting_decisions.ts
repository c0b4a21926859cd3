import type { Kysely } from 'kysely';
import { runStatements } from '../statements.ts';

/**
 * Host decisions about one person in one meeting (muted, video stopped, removed), kept in the
 * database so that leaving and joining again, a network drop or a server restart restore them;
 * and the meeting-wide "mute on entry" that «выключить звук всем» turns on for later joiners.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    CREATE TABLE meeting_decisions (
      meeting_id uuid NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
      person_id uuid NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
      audio_muted boolean NOT NULL DEFAULT false,
      video_stopped boolean NOT NULL DEFAULT false,
      removed boolean NOT NULL DEFAULT false,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (meeting_id, person_id)
    );
    ALTER TABLE meetings ADD COLUMN mute_on_entry boolean NOT NULL DEFAULT false;
    INSERT INTO meeting_decisions (meeting_id, person_id, removed)
      SELECT DISTINCT meeting_id, person_id, true FROM meeting_attendance WHERE removed;
  `,
  );
}
