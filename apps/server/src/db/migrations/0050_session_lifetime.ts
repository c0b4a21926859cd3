import type { Kysely } from 'kysely';
import { runStatements } from '../statements.ts';

/**
 * Sessions end (identity/sessions.ts): a school may shorten or lengthen the installation's idle
 * timeout and absolute lifetime (NULL: the installation's default). The installation's daily
 * budget of sign-in codes counts the codes of the last 24 hours, by their creation time.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    ALTER TABLE schools ADD COLUMN session_idle_days int CHECK (session_idle_days BETWEEN 1 AND 3650);
    ALTER TABLE schools ADD COLUMN session_max_days int CHECK (session_max_days BETWEEN 1 AND 3650);
    CREATE INDEX auth_codes_created_idx ON auth_codes (created_at);
  `,
  );
}
