import type { Kysely } from 'kysely';
import { runStatements } from '../statements.ts';

/**
 * GIN indexes of messages with a short pending list (docs/performance.md). With the default
 * 4 MB list, the insert that fills it merges the whole list into the index on its own: hundreds
 * of milliseconds in the middle of a send, stalling every send queued behind it. With 128 kB the
 * merges are small and frequent, and inserts stay cheaper than without a list (fastupdate off).
 * The file lookup only needs messages with files, so its index holds only those.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    ALTER INDEX messages_search_idx SET (gin_pending_list_limit = 128);
    DROP INDEX messages_attachment_ids_idx;
    CREATE INDEX messages_attachment_ids_idx ON messages USING gin (attachment_ids) WITH (gin_pending_list_limit = 128) WHERE has_attachments;
  `,
  );
}
