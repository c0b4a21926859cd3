import type { Kysely } from 'kysely';
import { runStatements } from '../statements.ts';

/** Meetings (video lessons, parent meetings, calls), RSVPs, attendance, raised hands; polls. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    CREATE TABLE meetings (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      school_id uuid NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
      chat_id uuid NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
      kind text NOT NULL CHECK (kind IN ('lesson', 'parents', 'meeting', 'call')),
      title text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
      agenda jsonb NOT NULL DEFAULT '[]',
      starts_at timestamptz NOT NULL,
      duration_minutes int NOT NULL CHECK (duration_minutes BETWEEN 5 AND 600),
      created_by_person_id uuid NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
      host_person_id uuid NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
      locked boolean NOT NULL DEFAULT false,
      room bigint NOT NULL UNIQUE,
      room_secret text NOT NULL,
      room_pin text NOT NULL,
      message_id uuid REFERENCES messages(id) ON DELETE SET NULL,
      reminded_at timestamptz,
      started_at timestamptz,
      ended_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX meetings_chat_idx ON meetings (chat_id, starts_at);
    CREATE INDEX meetings_reminder_idx ON meetings (starts_at) WHERE reminded_at IS NULL AND ended_at IS NULL;
    CREATE TABLE meeting_rsvps (
      meeting_id uuid NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
      person_id uuid NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
      answer text NOT NULL CHECK (answer IN ('yes', 'no')),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (meeting_id, person_id)
    );
    CREATE TABLE meeting_attendance (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      meeting_id uuid NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
      person_id uuid NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      joined_at timestamptz NOT NULL DEFAULT now(),
      seen_at timestamptz NOT NULL DEFAULT now(),
      left_at timestamptz,
      removed boolean NOT NULL DEFAULT false
    );
    CREATE INDEX meeting_attendance_idx ON meeting_attendance (meeting_id, person_id, joined_at);
    CREATE UNIQUE INDEX meeting_attendance_open_idx ON meeting_attendance (meeting_id, person_id) WHERE left_at IS NULL;
    CREATE TABLE meeting_hands (
      meeting_id uuid NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
      person_id uuid NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
      raised_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      PRIMARY KEY (meeting_id, person_id)
    );
    CREATE TABLE polls (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      school_id uuid NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
      chat_id uuid NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
      meeting_id uuid REFERENCES meetings(id) ON DELETE SET NULL,
      question text NOT NULL,
      options jsonb NOT NULL,
      multiple boolean NOT NULL DEFAULT false,
      anonymous boolean NOT NULL DEFAULT false,
      per_family boolean NOT NULL DEFAULT false,
      closes_at timestamptz,
      closed_at timestamptz,
      created_by_person_id uuid NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
      message_id uuid REFERENCES messages(id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX polls_chat_idx ON polls (chat_id, created_at);
    CREATE TABLE poll_votes (
      poll_id uuid NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
      person_id uuid NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
      family_key text NOT NULL,
      options int[] NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (poll_id, person_id)
    );
    CREATE TABLE poll_family_votes (
      poll_id uuid NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
      family_key text NOT NULL,
      person_id uuid NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
      PRIMARY KEY (poll_id, family_key)
    );
  `,
  );
}
