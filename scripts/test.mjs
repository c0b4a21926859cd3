#!/usr/bin/env node
// Runs every *.test.ts under apps/, packages/ and scripts/ with Node's own test runner (through tsx).
// Extra arguments are passed on: `node scripts/test.mjs --test-name-pattern=invite`.
//
// Without DATABASE_URL the tests run on PGlite. PGlite runs one statement at a time, so the tests
// whose point is PostgreSQL's own behaviour (row locks between transactions, deadlocks, a pool of
// connections) skip there or prove little: those files run a second time on the machine's
// PostgreSQL when it answers (PARTA_TEST_POSTGRES_URL, default 127.0.0.1:5432), and a loud line says
// so when it does not. PARTA_TEST_POSTGRES=off leaves that pass out (CI runs every test on PostgreSQL
// in a step of its own).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const POSTGRES_TOO = [
  'apps/server/src/messaging/send-batch.test.ts', // group commit: a batch behind a row lock, the deadlock it must not make
  'apps/server/src/messaging/concurrency.test.ts', // roster changes of one class in parallel transactions
  'apps/server/src/db/database.test.ts', // the connection pool: idle connections, prepared statements
  'apps/server/src/consultations/consultations.test.ts', // two bookings of one slot (or one family) at once: one wins
];
const POSTGRES_URL = process.env.PARTA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const roots = ['packages', 'apps', 'scripts'];
const skip = new Set(['node_modules', 'dist', 'data', '.tmp']);
const files = [];
function walk(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (skip.has(entry.name)) continue;
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(p);
    else if (/\.test\.tsx?$/.test(entry.name)) files.push(p);
  }
}
for (const r of roots) if (fs.existsSync(r)) walk(r);
for (const f of POSTGRES_TOO) if (!files.includes(f)) throw new Error(`scripts/test.mjs names ${f} among the PostgreSQL tests, and it is not there`);
const filter = process.env.PARTA_TEST_FILTER;
const selected = files.sort().filter((f) => !filter || f.includes(filter));

const run = (list, env = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...process.argv.slice(2), ...list], {
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'test', ...env },
  }).status ?? 1;

/** Whether PostgreSQL answers a query at `url` within a few seconds; the error when it does not. */
async function postgresAnswers(url) {
  const require = createRequire(path.resolve('apps/server/package.json'));
  const pg = require('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (err) {
    return err.message || String(err);
  } finally {
    await client.end().catch(() => {});
  }
}

function loud(lines) {
  const bar = '!'.repeat(100);
  console.error(['', bar, ...lines.map((l) => `!! ${l}`), bar, ''].join('\n'));
}

let status = run(selected);
const postgresFiles = selected.filter((f) => POSTGRES_TOO.includes(f));
if (!process.env.DATABASE_URL && postgresFiles.length && process.env.PARTA_TEST_POSTGRES !== 'off') {
  const safeUrl = POSTGRES_URL.replace(/\/\/[^@/]*@/, '//…@');
  const refused = await postgresAnswers(POSTGRES_URL);
  if (refused) {
    loud([
      `SKIPPED: the PostgreSQL-only tests did not run: nothing answers at ${safeUrl} (${refused}).`,
      `On PGlite their lock and deadlock cases skip: ${postgresFiles.map((f) => path.basename(f)).join(', ')}.`,
      'Start PostgreSQL 15+ there (trust auth), or set PARTA_TEST_POSTGRES_URL, or DATABASE_URL to run everything on it.',
    ]);
  } else {
    console.log(`\n== the PostgreSQL-only tests again, on ${safeUrl} ==\n`);
    status = Math.max(status, run(postgresFiles, { DATABASE_URL: POSTGRES_URL }));
  }
}
process.exit(status);
