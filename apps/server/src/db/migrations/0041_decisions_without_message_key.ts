import type { Kysely } from 'kysely';
import { runStatements } from '../statements.ts';

/**
 * Notification decisions are written in the same statement as their messages, one per message
 * (messaging/send-batch.ts). Their foreign key to `messages` made PostgreSQL look each new message
 * up again after the insert, through a plan it keeps for the connection's life: planned while
 * `messages` was small (a new school, or statistics taken when it was empty), that plan scans the
 * table whole, and a batch of 64 sends took 250 ms once a few thousand messages were stored, and
 * more with every message. Messages are never deleted row by row (a message deleted for everyone
 * keeps its row); the decisions still go with their chat (`chat_id` keeps its cascading key).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    ALTER TABLE notification_decisions DROP CONSTRAINT notification_decisions_message_id_fkey;
  `,
  );
}
