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
  { kind: 'pglite'; dataDir: string | null; loadFrom?: Blob } | { kind: 'postgres'; url: string; poolSize?: number; prepare?: boolean; idleSeconds?: number };

/**
 * How long a pooled PostgreSQL connection may sit idle before the pool closes it (0: never).
 * The pool hands out the connection released last, so under a steady load the few it needs stay
 * busy and the others idle out; each burst above that (a class starting, a teacher posting to
 * five chats) then opened new ones: a new server process for each, its caches cold, every
 * statement prepared and planned afresh. Ten minutes keeps them through a school's quiet spells.
 */
export const DEFAULT_DB_IDLE_SECONDS = 600;

/** Statements prepared per connection at most; later ones run unnamed (planned each time). */
export const MAX_PREPARED_PER_CONNECTION = 500;

/**
 * Runs each parameterised statement as a named prepared statement of the connection: PostgreSQL
 * parses it once per connection and can keep its plan, where an unnamed statement is parsed and
 * planned at every run (for Parta's statements, planning costs more than running them; measured
 * in docs/performance/messaging.md). The name is per connection, from the statement's text.
 */
export function prepareStatements(client: pg.PoolClient | pg.Client): void {
  const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
  const names = new Map<string, string>();
  let next = 1;
  (client as { query: unknown }).query = (config: unknown, values?: unknown, callback?: unknown) => {
    if (typeof config === 'string' && Array.isArray(values) && values.length > 0 && callback === undefined) {
      let name = names.get(config);
      if (name === undefined && next <= MAX_PREPARED_PER_CONNECTION) {
        name = `parta_${next++}`;
        names.set(config, name);
      }
      if (name !== undefined) {
        return query({ name, text: config, values }).catch((err: { code?: string }) => {
          // The statement's plan no longer fits the tables (a migration of a running deployment
          // changed a row type), or the server lost it: run it once more unnamed (in a transaction
          // that cannot be: the error aborted it), and prepare it afresh next time.
          if (err.code !== STALE_PLAN && err.code !== NO_SUCH_STATEMENT) throw err;
          names.delete(config);
          return query(config, values).catch(() => Promise.reject(err));
        });
      }
    }
    return query(config, values, callback);
  };
}

/** `cached plan must not change result type` and `prepared statement does not exist`. */
const STALE_PLAN = '0A000';
const NO_SUCH_STATEMENT = '26000';

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
    const idleSeconds = options.idleSeconds ?? DEFAULT_DB_IDLE_SECONDS;
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10, idleTimeoutMillis: idleSeconds * 1000 });
    pool.on('error', onIdleError);
    if (options.prepare !== false) pool.on('connect', (client) => prepareStatements(client));
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

export function databaseOptionsFrom(config: {
  databaseUrl?: string;
  dataDir: string;
  preparedStatements?: boolean;
  dbPoolSize?: number;
  dbIdleSeconds?: number;
}): DatabaseOptions {
  return config.databaseUrl
    ? {
        kind: 'postgres',
        url: config.databaseUrl,
        prepare: config.preparedStatements !== false,
        poolSize: config.dbPoolSize,
        idleSeconds: config.dbIdleSeconds,
      }
    : { kind: 'pglite', dataDir: config.dataDir };
}
