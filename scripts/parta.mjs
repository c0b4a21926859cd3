#!/usr/bin/env node
// `npm run parta -- <command>`: the administration commands of the built server (apps/server/src/cli.ts).
import { ensureServerBuilt, runBuilt } from './build-server.mjs';

ensureServerBuilt();
await runBuilt('cli.js', process.argv.slice(2));
