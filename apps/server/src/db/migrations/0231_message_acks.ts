import type { Kysely } from 'kysely';
import { runStatements } from '../statements.ts';

/**
 * «Ознакомлен(а)»: a message a teacher or admin asked to be acknowledged, and one confirmation
 * per family (or per person outside a class's chats). The primary key makes a second tap of the
 * same family a no-op, whoever of its guardians taps.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    CREATE TABLE message_ack_requests (
      message_id uuid PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
      chat_id uuid NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
      requested_by_person_id uuid NOT NULL REFERENCES persons(id),
      requested_at timestamptz NOT NULL DEFAULT now(),
      nudged_at timestamptz
    );
    CREATE INDEX message_ack_requests_chat ON message_ack_requests (chat_id);
    CREATE TABLE message_acks (
      message_id uuid NOT NULL REFERENCES message_ack_requests(message_id) ON DELETE CASCADE,
      unit_key text NOT NULL,
      person_id uuid NOT NULL REFERENCES persons(id),
      acked_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (message_id, unit_key)
    );
  `,
  );
}
