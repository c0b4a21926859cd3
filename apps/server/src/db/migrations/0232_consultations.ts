import type { Kysely } from 'kysely';
import { runStatements } from '../statements.ts';

/**
 * Individual consultations: a teacher opens time slots in a chat (a class's parents' chat); each
 * family books one. A slot is held by at most one family (the booking is a conditional update),
 * and a family holds at most one slot of a consultation (the partial unique index), so two
 * concurrent bookings can never both win.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    CREATE TABLE consultations (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      school_id uuid NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
      chat_id uuid NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
      teacher_person_id uuid NOT NULL REFERENCES persons(id),
      title text NOT NULL,
      mode text NOT NULL CHECK (mode IN ('video', 'in_person')),
      place text NOT NULL DEFAULT '',
      starts_at timestamptz NOT NULL,
      ends_at timestamptz NOT NULL,
      slot_minutes integer NOT NULL,
      cutoff_minutes integer NOT NULL,
      cancelled_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX consultations_chat ON consultations (chat_id, starts_at);
    CREATE TABLE consultation_slots (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      consultation_id uuid NOT NULL REFERENCES consultations(id) ON DELETE CASCADE,
      starts_at timestamptz NOT NULL,
      ends_at timestamptz NOT NULL,
      family_key text,
      booked_by_person_id uuid REFERENCES persons(id),
      booked_at timestamptz,
      meeting_id uuid REFERENCES meetings(id) ON DELETE SET NULL,
      done_at timestamptz,
      UNIQUE (consultation_id, starts_at)
    );
    CREATE UNIQUE INDEX consultation_slots_one_per_family ON consultation_slots (consultation_id, family_key) WHERE family_key IS NOT NULL;
  `,
  );
}
