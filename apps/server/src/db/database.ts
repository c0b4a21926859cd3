import fs from 'node:fs';
import path from 'node:path';
import { Kysely, PGliteDialect, PostgresDialect } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import pg from 'pg';
import type { DB } from './schema.ts';
import { migrations } from './migrations/index.ts';
import { lockDataDir } from './lock.ts';

const INT8 = 20;
const NUMERIC = 1700;
const DATE = 1082;

// Align node-postgres with PGlite: int8 and count(*) as numbers, dates as 'YYYY-MM-DD' strings.
pg.types.setTypeParser(INT8, (v) => Number(v));
pg.types.setTypeParser(NUMERIC, (v) => Number(v));
pg.types.setTypeParser(DATE, (v) => v);

export type DatabaseOptions =
  | { kind: 'pglite'; dataDir: string | null; loadFrom?: Blob }
  | { kind: 'postgres'; url: string; poolSize?: number };

export interface Database {
  db: Kysely<DB>;
  kind: 'pglite' | 'postgres';
  /** The embedded instance, when there is one (for backups and notifications). */
  pglite: PGlite | null;
  close(): Promise<void>;
}

/**
 * Opens the database. `onIdleError` hears of a pooled PostgreSQL connection that failed while idle
 * (the server restarted, an administrator ended it): the pool drops it and opens another when
 * needed, so it is reported, never thrown (an unheard pool error would end the process).
 */
export async function openDatabase(options: DatabaseOptions, onIdleError: (err: Error) => void = () => {}): Promise<Database> {
  if (options.kind === 'postgres') {
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10 });
    pool.on('error', onIdleError);
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: 'postgres', pglite: null, close: () => db.destroy() };
  }
  let unlock = () => {};
  if (options.dataDir) {
    fs.mkdirSync(options.dataDir, { recursive: true });
    unlock = lockDataDir(options.dataDir);
  }
  try {
    const pglite = await PGlite.create({
      dataDir: options.dataDir ? path.join(options.dataDir, 'pg') : undefined,
      loadDataDir: options.loadFrom,
      extensions: { pg_trgm },
      parsers: { [DATE]: (v: string) => v, [NUMERIC]: (v: string) => Number(v) },
      // Cap the write-ahead log kept on disk.
      postgresqlconf: ['max_wal_size = 64MB', 'min_wal_size = 32MB'],
    });
    const db = new Kysely<DB>({ dialect: new PGliteDialect({ pglite }) });
    return {
      db,
      kind: 'pglite',
      pglite,
      close: async () => {
        await db.destroy();
        if (!pglite.closed) await pglite.close();
        unlock();
      },
    };
  } catch (err) {
    unlock();
    throw err;
  }
}

class StaticProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations;
  }
}

/** Applies every pending migration. Throws with the failing migration's name. */
export async function migrate(db: Kysely<DB>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new StaticProvider() });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    throw new Error(`Migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message ?? error}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

export function databaseOptionsFrom(config: { databaseUrl?: string; dataDir: string }): DatabaseOptions {
  return config.databaseUrl ? { kind: 'postgres', url: config.databaseUrl } : { kind: 'pglite', dataDir: config.dataDir };
}
