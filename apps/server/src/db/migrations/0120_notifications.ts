import type { Kysely } from 'kysely';
import { runStatements } from '../statements.ts';

/**
 * Notifications (docs/subsystems/notifications.md): Web Push subscriptions, one per device
 * (session); the deliveries to them, an outbox claimed by the delivery worker and unique per
 * device and event; the worker's place in the update stream; per-chat and per-school settings; SMS sent for urgent messages (capped per school and day);
 * the school's audit log, where urgent messages are written.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    CREATE TABLE push_subscriptions (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      session_id uuid NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
      endpoint text NOT NULL,
      p256dh text NOT NULL,
      auth text NOT NULL,
      level text NOT NULL DEFAULT 'all' CHECK (level IN ('all','important','none')),
      muted_until timestamptz,
      expires_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX push_subscriptions_endpoint_uniq ON push_subscriptions (endpoint);
    CREATE UNIQUE INDEX push_subscriptions_session_uniq ON push_subscriptions (session_id);
    CREATE INDEX push_subscriptions_user_idx ON push_subscriptions (user_id);

    CREATE TABLE push_deliveries (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      subscription_id uuid NOT NULL REFERENCES push_subscriptions(id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      event_key text NOT NULL,
      kind text NOT NULL,
      chat_id uuid REFERENCES chats(id) ON DELETE CASCADE,
      message_id uuid,
      count int NOT NULL DEFAULT 1,
      urgent boolean NOT NULL DEFAULT false,
      not_before timestamptz NOT NULL DEFAULT now(),
      state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','sent','failed')),
      attempts int NOT NULL DEFAULT 0,
      claimed_until timestamptz,
      last_error text,
      sent_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (subscription_id, event_key)
    );
    CREATE INDEX push_deliveries_due_idx ON push_deliveries (not_before) WHERE state = 'pending';
    CREATE INDEX push_deliveries_user_idx ON push_deliveries (user_id, created_at);

    CREATE TABLE notification_cursor (
      id int PRIMARY KEY CHECK (id = 1),
      pos bigint NOT NULL
    );

    CREATE TABLE chat_notification_settings (
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      chat_id uuid NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
      level text NOT NULL DEFAULT 'all' CHECK (level IN ('all','important','none')),
      muted_until timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (user_id, chat_id)
    );

    CREATE TABLE notification_policies (
      school_id uuid PRIMARY KEY REFERENCES schools(id) ON DELETE CASCADE,
      quiet_start_minute int CHECK (quiet_start_minute BETWEEN 0 AND 1439),
      quiet_end_minute int CHECK (quiet_end_minute BETWEEN 0 AND 1439),
      urgent_per_day int NOT NULL DEFAULT 3 CHECK (urgent_per_day BETWEEN 0 AND 100),
      urgent_sms_per_day int NOT NULL DEFAULT 100 CHECK (urgent_sms_per_day BETWEEN 0 AND 10000),
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE urgent_marks (
      message_id uuid PRIMARY KEY,
      chat_id uuid NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
      school_id uuid NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
      person_id uuid NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
      reason text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX urgent_marks_person_idx ON urgent_marks (person_id, created_at);

    CREATE TABLE urgent_sms (
      message_id uuid NOT NULL,
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      school_id uuid NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (message_id, user_id)
    );
    CREATE INDEX urgent_sms_school_idx ON urgent_sms (school_id, created_at);

    CREATE TABLE school_audit_log (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      school_id uuid NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
      actor_person_id uuid REFERENCES persons(id) ON DELETE SET NULL,
      action text NOT NULL,
      details jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX school_audit_log_school_idx ON school_audit_log (school_id, created_at);
  `,
  );
}
