#!/usr/bin/env node
// `npm start`: builds the web client when its build is missing and the server when its build is
// missing or older than its sources (build-server.mjs), then runs the built server with plain Node.
// The server serves the client at `/` and the API under `/api`.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { ensureServerBuilt, root, runBuilt } from './build-server.mjs';

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

ensureServerBuilt();
await runBuilt('main.js', process.argv.slice(2));
