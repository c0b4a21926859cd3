#!/usr/bin/env node
// Builds the server to JavaScript (`npm run build:server`): the protocol package to
// packages/protocol/dist, then the server to apps/server/dist, with tsc (type-checked emit;
// `rewriteRelativeImportExtensions` turns the sources' `./x.ts` imports into `./x.js`).
// Production runs the result with plain Node: `node --conditions=parta-built apps/server/dist/main.js`
// (the condition makes `@parta/protocol` resolve to its built files). Imported by start.mjs and
// parta.mjs, which build first when the build is missing or older than the sources.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const serverDist = path.join(root, 'apps/server/dist');
const protocolDist = path.join(root, 'packages/protocol/dist');
const stamp = path.join(serverDist, '.built');
const sources = [
  'packages/protocol/src',
  'packages/protocol/package.json',
  'apps/server/src',
  'apps/server/package.json',
  'tsconfig.base.json',
  'apps/server/tsconfig.json',
  'apps/server/tsconfig.build.json',
  'packages/protocol/tsconfig.json',
  'packages/protocol/tsconfig.build.json',
];

function newestSource() {
  let newest = 0;
  const visit = (p) => {
    const st = fs.statSync(p, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) visit(path.join(p, e));
    else if (!p.endsWith('.test.ts')) newest = Math.max(newest, st.mtimeMs);
  };
  for (const s of sources) visit(path.join(root, s));
  return newest;
}

/** Whether apps/server/dist is missing or older than a source it was built from. */
export function serverBuildStale() {
  const built = fs.statSync(stamp, { throwIfNoEntry: false });
  return !built || built.mtimeMs < newestSource();
}

export function buildServer() {
  const require = createRequire(import.meta.url);
  let tsc;
  try {
    tsc = require.resolve('typescript/bin/tsc');
  } catch {
    throw new Error('TypeScript is not installed (npm ci installs it): the server cannot be built.');
  }
  for (const dir of [serverDist, protocolDist]) fs.rmSync(dir, { recursive: true, force: true });
  for (const project of ['packages/protocol/tsconfig.build.json', 'apps/server/tsconfig.build.json']) {
    const res = spawnSync(process.execPath, [tsc, '-p', path.join(root, project)], { stdio: 'inherit' });
    if (res.status !== 0) throw new Error(`tsc -p ${project} failed`);
  }
  fs.writeFileSync(stamp, new Date().toISOString());
}

/** Builds when needed; a stale build with no TypeScript to rebuild it is run as it is, with a warning. */
export function ensureServerBuilt() {
  if (!serverBuildStale()) return;
  const missing = !fs.existsSync(stamp);
  console.log(missing ? 'Building the server (apps/server/dist is missing)…' : 'Building the server (its sources changed since the last build)…');
  try {
    buildServer();
  } catch (err) {
    if (missing) throw err;
    console.warn(`${err.message}; running the previous build.`);
  }
}

/** Runs a file of the built server with this Node, passing signals on, and exits with its code. */
export function runBuilt(file, args) {
  return import('node:child_process').then(({ spawn }) => {
    const child = spawn(process.execPath, ['--conditions=parta-built', path.join(serverDist, file), ...args], { stdio: 'inherit', cwd: process.cwd() });
    for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
    child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildServer();
  console.log('Built apps/server/dist and packages/protocol/dist.');
}
