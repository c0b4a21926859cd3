import type { Kysely } from 'kysely';
import { runStatements } from '../statements.ts';

/**
 * Bots (docs/subsystems/bots.md): a bot is an account of one school (a `users` row with no phone
 * of its own and a roster person with the role `bot`), reached through a Telegram-compatible API
 * with a token stored hashed. Stable integers for what the API exposes (accounts and chats); per
 * bot, a queue of updates with increasing `update_id`, filled by the bot worker from the update
 * stream; inline keyboards under bots' messages and the callback queries their buttons send; the
 * school's assistant «Помощник»: its FAQ and the requests it passes to the school admin.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    ALTER TABLE persons DROP CONSTRAINT persons_roles_check;
    ALTER TABLE persons ADD CONSTRAINT persons_roles_check CHECK (cardinality(roles) > 0 AND roles <@ ARRAY['student','guardian','teacher','admin','bot']::text[]);

    CREATE TABLE bot_numbers (
      num bigint GENERATED ALWAYS AS IDENTITY (START WITH 1000001) PRIMARY KEY,
      ref uuid NOT NULL UNIQUE,
      kind text NOT NULL CHECK (kind IN ('user','chat'))
    );

    CREATE TABLE bots (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      school_id uuid NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
      user_id uuid NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
      person_id uuid NOT NULL UNIQUE REFERENCES persons(id) ON DELETE CASCADE,
      num bigint NOT NULL UNIQUE,
      username text NOT NULL UNIQUE CHECK (username ~ '^[A-Za-z][A-Za-z0-9_]{3,31}$'),
      name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 64),
      description text NOT NULL DEFAULT '',
      short_description text NOT NULL DEFAULT '',
      commands jsonb NOT NULL DEFAULT '[]',
      privacy boolean NOT NULL DEFAULT true,
      kind text NOT NULL DEFAULT 'custom' CHECK (kind IN ('custom','helper')),
      token_hash text UNIQUE,
      token_issued_at timestamptz,
      webhook_url text,
      webhook_secret text,
      webhook_allowed jsonb,
      webhook_max_connections int NOT NULL DEFAULT 40,
      webhook_last_error_at timestamptz,
      webhook_last_error text,
      allowed_updates jsonb,
      last_update_id bigint NOT NULL DEFAULT 0,
      created_by uuid REFERENCES persons(id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX bots_one_helper ON bots (school_id) WHERE kind = 'helper';

    CREATE TABLE bot_updates (
      bot_id uuid NOT NULL REFERENCES bots(id) ON DELETE CASCADE,
      update_id bigint NOT NULL,
      type text NOT NULL,
      payload jsonb NOT NULL,
      state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','delivered')),
      attempts int NOT NULL DEFAULT 0,
      not_before timestamptz NOT NULL DEFAULT now(),
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (bot_id, update_id)
    );
    CREATE INDEX bot_updates_pending_idx ON bot_updates (not_before) WHERE state = 'pending';

    CREATE TABLE bot_cursor (
      id int PRIMARY KEY CHECK (id = 1),
      pos bigint NOT NULL
    );

    CREATE TABLE bot_markup (
      message_id uuid PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
      bot_id uuid NOT NULL REFERENCES bots(id) ON DELETE CASCADE,
      markup jsonb NOT NULL
    );

    CREATE TABLE bot_callbacks (
      id bigint GENERATED ALWAYS AS IDENTITY (START WITH 5000001) PRIMARY KEY,
      bot_id uuid NOT NULL REFERENCES bots(id) ON DELETE CASCADE,
      message_id uuid NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
      chat_id uuid NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      data text NOT NULL,
      answered_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE helper_faq (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      school_id uuid NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
      topic text NOT NULL,
      question text NOT NULL CHECK (char_length(question) BETWEEN 1 AND 300),
      answer text NOT NULL CHECK (char_length(answer) BETWEEN 1 AND 4000),
      keywords text NOT NULL DEFAULT '',
      position int NOT NULL DEFAULT 0,
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX helper_faq_school_idx ON helper_faq (school_id, position);

    CREATE TABLE helper_requests (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      school_id uuid NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      person_id uuid REFERENCES persons(id) ON DELETE SET NULL,
      chat_id uuid NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
      kind text NOT NULL CHECK (kind IN ('child_on_my_phone','phone_changed','question')),
      text text NOT NULL DEFAULT '',
      new_phone text,
      status text NOT NULL DEFAULT 'open' CHECK (status IN ('open','done','rejected')),
      answer text,
      invitation_id uuid REFERENCES invitations(id) ON DELETE SET NULL,
      decided_by uuid REFERENCES persons(id) ON DELETE SET NULL,
      decided_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX helper_requests_school_idx ON helper_requests (school_id, status, created_at);
  `,
  );
}
