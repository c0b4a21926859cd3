import { sql, type Kysely } from 'kysely';

/**
 * Runs a block of SQL statements one by one. PGlite's query path (the extended protocol)
 * takes one statement at a time, so migrations written as one block are split at each
 * semicolon that ends a line. Statements with semicolons inside lines (function bodies)
 * must go in a block of their own.
 */
export async function runStatements(db: Kysely<unknown>, text: string): Promise<void> {
  for (const statement of text.split(/;\s*$/m)) {
    const trimmed = statement.trim();
    if (trimmed) await sql.raw(trimmed).execute(db);
  }
}
