#!/usr/bin/env node
// Runs every *.test.ts under apps/ and packages/ with Node's own test runner (through tsx).
// Extra arguments are passed on: `node scripts/test.mjs --test-name-pattern=invite`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

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
const filter = process.env.PARTA_TEST_FILTER;
const selected = files.sort().filter((f) => !filter || f.includes(filter));
const args = ['--import', 'tsx', '--test', '--test-concurrency=2', ...process.argv.slice(2), ...selected];
const res = spawnSync(process.execPath, args, { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } });
process.exit(res.status ?? 1);
