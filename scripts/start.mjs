#!/usr/bin/env node
// `npm start`: builds the web client when its build is missing, then runs the server,
// which serves the client at `/` and the API under `/api`.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const web = path.join(root, 'apps/web');
const require = createRequire(import.meta.url);

if (!process.env.PARTA_WEB_DIR && !fs.existsSync(path.join(web, 'dist/index.html'))) {
  console.log('Building the web client (apps/web/dist is missing)…');
  try {
    const { build } = await import(require.resolve('vite', { paths: [web] }));
    await build({ root: web, logLevel: 'warn' });
  } catch (err) {
    console.error('The web client did not build; starting the API only.', err);
  }
}

const tsx = require.resolve('tsx', { paths: [path.join(root, 'apps/server')] });
const server = spawn(process.execPath, ['--import', tsx, path.join(root, 'apps/server/src/main.ts'), ...process.argv.slice(2)], { stdio: 'inherit', cwd: process.cwd() });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.kill(sig));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
