import type { Kysely } from 'kysely';
import { runStatements } from '../statements.ts';

/**
 * A meeting's agenda as items (a question, its speaker, its minutes), each with what was said in
 * brief and what was decided; and the published minutes (протокол) with their two files.
 * `meetings.agenda` (plain titles) stays as the titles given at scheduling; the items start from it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    CREATE TABLE meeting_agenda_items (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      meeting_id uuid NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
      position integer NOT NULL,
      title text NOT NULL,
      speaker text NOT NULL DEFAULT '',
      minutes integer NOT NULL DEFAULT 0,
      said text NOT NULL DEFAULT '',
      decision text NOT NULL DEFAULT '',
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX meeting_agenda_items_meeting ON meeting_agenda_items (meeting_id, position);
    CREATE TABLE meeting_minutes (
      meeting_id uuid PRIMARY KEY REFERENCES meetings(id) ON DELETE CASCADE,
      message_id uuid REFERENCES messages(id) ON DELETE SET NULL,
      pdf_file_id uuid,
      docx_file_id uuid,
      published_by_person_id uuid NOT NULL REFERENCES persons(id),
      published_at timestamptz NOT NULL DEFAULT now()
    );
  `,
  );
}
