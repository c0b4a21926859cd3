import type { Kysely } from 'kysely';
import { runStatements } from '../statements.ts';

/**
 * Messaging: chats provisioned from the roster, members, messages with a gap-free per-chat
 * sequence, reactions, the resumable update stream (one row per event, not per recipient),
 * the school's direct-message policy, working hours and notification decisions.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    CREATE TABLE chats (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      school_id uuid NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
      kind text NOT NULL CHECK (kind IN ('class','parents','parents_only','staff','group','direct','school_channel','class_channel')),
      class_id uuid REFERENCES classes(id) ON DELETE CASCADE,
      title text,
      direct_key text,
      created_by uuid REFERENCES persons(id) ON DELETE SET NULL,
      last_seq bigint NOT NULL DEFAULT 0,
      pinned_message_id uuid,
      archived_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX chats_school_idx ON chats (school_id);
    CREATE UNIQUE INDEX chats_class_kind_uniq ON chats (class_id, kind) WHERE kind IN ('class','parents','parents_only','class_channel');
    CREATE UNIQUE INDEX chats_school_kind_uniq ON chats (school_id, kind) WHERE kind IN ('staff','school_channel');
    CREATE UNIQUE INDEX chats_direct_uniq ON chats (school_id, direct_key) WHERE direct_key IS NOT NULL;

    CREATE TABLE chat_members (
      chat_id uuid NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
      person_id uuid NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      role text NOT NULL DEFAULT 'member' CHECK (role IN ('member','moderator')),
      last_read_seq bigint NOT NULL DEFAULT 0,
      joined_at timestamptz NOT NULL DEFAULT now(),
      left_at timestamptz,
      PRIMARY KEY (chat_id, person_id)
    );
    CREATE INDEX chat_members_user_idx ON chat_members (user_id, chat_id) WHERE left_at IS NULL;

    CREATE TABLE messages (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      chat_id uuid NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
      seq bigint NOT NULL,
      author_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
      author_person_id uuid NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
      author_roles text[] NOT NULL,
      author_staff boolean NOT NULL,
      client_id text NOT NULL,
      text text NOT NULL DEFAULT '',
      entities jsonb NOT NULL DEFAULT '[]',
      reply_to_id uuid REFERENCES messages(id) ON DELETE SET NULL,
      forward_from jsonb,
      attachments jsonb NOT NULL DEFAULT '[]',
      attachment_ids uuid[] NOT NULL DEFAULT '{}',
      has_attachments boolean GENERATED ALWAYS AS (cardinality(attachment_ids) > 0) STORED,
      search tsvector GENERATED ALWAYS AS (to_tsvector('russian', text)) STORED,
      edited_at timestamptz,
      deleted_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (chat_id, seq),
      UNIQUE (chat_id, author_user_id, client_id)
    );
    CREATE INDEX messages_search_idx ON messages USING gin (search);
    CREATE INDEX messages_attachment_ids_idx ON messages USING gin (attachment_ids);
    CREATE INDEX messages_staff_idx ON messages (chat_id, seq) WHERE author_staff;

    CREATE TABLE message_reactions (
      message_id uuid NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      emoji text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (message_id, user_id, emoji)
    );

    CREATE TABLE stream_state (
      id int PRIMARY KEY CHECK (id = 1),
      head bigint NOT NULL DEFAULT 0,
      floor bigint NOT NULL DEFAULT 0
    );
    INSERT INTO stream_state (id, head, floor) VALUES (1, 0, 0);

    CREATE TABLE chat_events (
      pos bigint PRIMARY KEY,
      chat_id uuid NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
      type text NOT NULL,
      payload jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX chat_events_chat_pos_idx ON chat_events (chat_id, pos);

    CREATE TABLE user_events (
      pos bigint PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      type text NOT NULL,
      payload jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX user_events_user_pos_idx ON user_events (user_id, pos);

    CREATE TABLE messaging_policies (
      school_id uuid PRIMARY KEY REFERENCES schools(id) ON DELETE CASCADE,
      student_direct text NOT NULL DEFAULT 'classmates_and_teachers' CHECK (student_direct IN ('classmates_and_teachers','teachers','classmates','none')),
      guardian_direct text NOT NULL DEFAULT 'teachers_and_guardians' CHECK (guardian_direct IN ('teachers_and_guardians','teachers','none')),
      teacher_student_direct boolean NOT NULL DEFAULT true,
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE working_hours (
      user_id uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
      timezone text NOT NULL,
      start_minute int NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
      end_minute int NOT NULL CHECK (end_minute BETWEEN 1 AND 1440),
      days int[] NOT NULL DEFAULT '{1,2,3,4,5}',
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE notification_decisions (
      message_id uuid PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
      chat_id uuid NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
      notify uuid[] NOT NULL,
      quiet uuid[] NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
  `,
  );
}
