import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import pino from 'pino';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { loadConfig, type Config } from '../config.ts';
import { createRuntime, type Runtime, type RuntimeOverrides } from '../bootstrap.ts';
import { buildApp } from '../app.ts';
import { migrate, openDatabase, type DatabaseOptions } from '../db/database.ts';
import { seedDemo } from '../demo/seed.ts';

/**
 * A real Parta for tests: the real app over a real database of its own.
 * - Default: PGlite, loaded from a migrated template (built once, cached under .tmp/).
 * - With DATABASE_URL: a fresh PostgreSQL database with a random name, dropped on close.
 */
export interface TestApp {
  app: FastifyInstance;
  runtime: Runtime;
  config: Config;
  close(): Promise<void>;
  request(
    method: string,
    url: string,
    opts?: { token?: string; body?: unknown; headers?: Record<string, string>; ip?: string },
  ): Promise<LightMyRequestResponse>;
  /** Signs in through the public API, reading the code from the development outbox. */
  signIn(phone: string): Promise<{ token: string; userId: string }>;
  lastCode(phone: string): Promise<string>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../../..');
const migrationsDir = path.resolve(here, '../db/migrations');

function migrationsHash(): string {
  const h = crypto.createHash('sha256');
  for (const f of fs.readdirSync(migrationsDir).sort()) h.update(f).update(fs.readFileSync(path.join(migrationsDir, f)));
  return h.digest('hex').slice(0, 16);
}

async function pgliteTemplate(): Promise<Blob> {
  const dir = path.join(repoRoot, '.tmp');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `pglite-template-${migrationsHash()}.tar.gz`);
  if (!fs.existsSync(file)) {
    const database = await openDatabase({ kind: 'pglite', dataDir: null });
    await migrate(database.db);
    const dump = await database.pglite!.dumpDataDir('gzip');
    await database.close();
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
    fs.renameSync(tmp, file); // atomic: parallel test files may race to build it
  }
  return new Blob([fs.readFileSync(file)]);
}

async function postgresDatabase(baseUrl: string): Promise<{ options: DatabaseOptions; drop: () => Promise<void> }> {
  const name = `parta_test_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    options: { kind: 'postgres', url: url.toString(), poolSize: 5 },
    drop: async () => {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /** The demo school: `true` its roster only; `'full'` with the diary as `npm start` seeds it. */
  demo?: boolean | 'full';
  overrides?: Omit<RuntimeOverrides, 'database'>;
  /** A data folder of the test's own: the embedded database on disk there (also with DATABASE_URL), kept on close. */
  dataDir?: string;
}

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'parta-test-'));
  const config = loadConfig({
    PARTA_DEV: '1',
    PARTA_DATA_DIR: dataDir,
    PARTA_LOG_LEVEL: 'silent',
    PARTA_CODE_RESEND_SECONDS: '0',
    PARTA_CODES_PER_PHONE_PER_HOUR: '1000',
    PARTA_AUTH_RATE_PER_IP: '100000',
    // The school's assistant makes a chat with every account: only the tests of bots/ want it.
    PARTA_HELPER_BOT: 'off',
    ...options.env,
  });
  const baseUrl = process.env.DATABASE_URL;
  let drop = async () => {};
  let dbOptions: DatabaseOptions;
  if (options.dataDir) {
    dbOptions = { kind: 'pglite', dataDir, loadFrom: fs.existsSync(path.join(dataDir, 'pg')) ? undefined : await pgliteTemplate() };
  } else if (baseUrl) {
    const created = await postgresDatabase(baseUrl);
    dbOptions = created.options;
    drop = created.drop;
  } else {
    dbOptions = { kind: 'pglite', dataDir: null, loadFrom: await pgliteTemplate() };
  }
  const runtime = await createRuntime(config, { database: dbOptions, log: pino({ level: 'silent' }), ...options.overrides });
  if (options.demo) await seedDemo(runtime.ctx, { full: options.demo === 'full' });
  const app = await buildApp(runtime.ctx);
  await app.ready();

  const request: TestApp['request'] = (method, url, opts = {}) =>
    app.inject({
      method: method as 'GET',
      url,
      headers: { ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...opts.headers },
      ...(opts.body !== undefined ? { payload: opts.body as object } : {}),
      ...(opts.ip ? { remoteAddress: opts.ip } : {}),
    });

  const lastCode = async (phone: string) => {
    const res = await request('GET', `/api/v1/dev/sms?phone=${encodeURIComponent(phone)}`);
    const code = res.json().messages[0]?.code;
    if (!code) throw new Error(`no code was sent to ${phone}`);
    return code as string;
  };

  const signIn = async (phone: string) => {
    const sent = await request('POST', '/api/v1/auth/code', { body: { phone } });
    if (sent.statusCode !== 202) throw new Error(`code request failed: ${sent.statusCode} ${sent.body}`);
    const res = await request('POST', '/api/v1/auth/session', { body: { phone, code: await lastCode(phone) } });
    if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
    const body = res.json();
    return { token: body.token as string, userId: body.user.id as string };
  };

  return {
    app,
    runtime,
    config,
    request,
    signIn,
    lastCode,
    close: async () => {
      await app.close();
      await runtime.ctx.pubsub.close();
      await runtime.database.close();
      await drop();
      if (!options.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
