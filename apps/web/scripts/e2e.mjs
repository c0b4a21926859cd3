#!/usr/bin/env node
// Browser tests: builds the web client when needed, then runs apps/web/e2e/*.e2e.ts with Node's
// test runner (one file at a time: each starts its own server and Chromium) and prints the totals.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const web = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
if (process.env.PARTA_E2E_BUILD !== '0' || !fs.existsSync(path.join(web, 'dist/index.html'))) {
  const { build } = await import('vite');
  await build({ root: web, logLevel: 'warn' });
}
const filter = process.argv[2];
const files = fs
  .readdirSync(path.join(web, 'e2e'))
  .filter((f) => f.endsWith('.e2e.ts') && (!filter || f.includes(filter)))
  .sort()
  .map((f) => path.join(web, 'e2e', f));
const tsx = require.resolve('tsx', { paths: [web] });
// Output is shown as it comes and kept to count the results.
let out = '';
const child = spawn(process.execPath, ['--import', tsx, '--test', '--test-concurrency=1', '--test-reporter=spec', ...files], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
child.stdout.on('data', (d) => {
  out += d;
  process.stdout.write(d);
});
const status = await new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
const count = (name) => Number(new RegExp(`ℹ ${name} (\\d+)`).exec(out)?.[1] ?? 0);
console.log(`${count('pass')} passed, ${count('fail') + count('cancelled')} failed`);
process.exit(status);
