#!/usr/bin/env node
// Prints the initial JavaScript of the build (what index.html loads before any lazy screen), gzipped,
// and fails when it is over the budget of 250 KB.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const BUDGET = 250 * 1024;
const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist');
const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
const initial = [...html.matchAll(/<(?:script[^>]+src|link[^>]+rel="modulepreload"[^>]+href)="\/([^"]+\.js)"/g)].map((m) => m[1]);
const all = fs.readdirSync(path.join(dist, 'assets')).filter((f) => f.endsWith('.js'));
const gz = (f) => zlib.gzipSync(fs.readFileSync(path.join(dist, f)), { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
let total = 0;
for (const f of initial) {
  const n = gz(f);
  total += n;
  console.log(`  initial  ${f}  ${kb(n)} gzipped`);
}
for (const f of all.map((f) => `assets/${f}`).filter((f) => !initial.includes(f))) console.log(`  lazy     ${f}  ${kb(gz(f))} gzipped`);
console.log(`Initial JavaScript: ${kb(total)} gzipped (budget ${kb(BUDGET)})`);
if (total > BUDGET) {
  console.error('Over budget');
  process.exit(1);
}
