import type { Kysely } from 'kysely';
import { runStatements } from '../statements.ts';

/**
 * Reaching people beyond the app (docs/subsystems/notifications.md): what a delivery that is not
 * a message is about (diary events); SMS invitations of roster people not yet on Parta, capped
 * per school and day; guardians' e-mail addresses, verified by a link, and the digests sent to
 * them; which chat kinds a school keeps private in e-mail.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    ALTER TABLE push_deliveries ADD COLUMN details jsonb;

    ALTER TABLE notification_policies ADD COLUMN invite_sms_per_day int NOT NULL DEFAULT 300 CHECK (invite_sms_per_day BETWEEN 0 AND 10000);
    ALTER TABLE notification_policies ADD COLUMN private_kinds text[] NOT NULL DEFAULT '{direct}';

    CREATE TABLE invite_sms (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      school_id uuid NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
      person_id uuid NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
      chat_id uuid REFERENCES chats(id) ON DELETE SET NULL,
      sent_by uuid REFERENCES persons(id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX invite_sms_school_idx ON invite_sms (school_id, created_at);
    CREATE INDEX invite_sms_person_idx ON invite_sms (person_id, created_at);

    CREATE TABLE user_emails (
      user_id uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
      email text NOT NULL,
      verified_at timestamptz,
      verify_hash text,
      verify_expires_at timestamptz,
      digest boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE email_digests (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      email text NOT NULL,
      since timestamptz NOT NULL,
      up_to timestamptz NOT NULL,
      messages int NOT NULL,
      state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','sent','failed')),
      attempts int NOT NULL DEFAULT 0,
      next_try_at timestamptz NOT NULL DEFAULT now(),
      last_error text,
      sent_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (user_id, up_to)
    );
    CREATE INDEX email_digests_user_idx ON email_digests (user_id, up_to DESC);
    CREATE INDEX email_digests_pending_idx ON email_digests (next_try_at) WHERE state = 'pending';
  `,
  );
}
