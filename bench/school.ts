/**
 * The school a messaging benchmark runs against, and the Parta process it talks to: a school of
 * R classes of M students with phones, seeded through the server's own directory services (the
 * same code as the admin API), so the messaging core provisions one class chat of M members per
 * class; every member signed in over HTTP through the development outbox, with one authenticated
 * WebSocket each.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import pino from 'pino';
import type { WebSocket } from 'ws';
import { loadConfig } from '../apps/server/src/config.ts';
import { createRuntime } from '../apps/server/src/bootstrap.ts';
import { assignTeacher, createClass, createPerson, createSchool } from '../apps/server/src/directory/service.ts';
import { signInOverHttp, startServer, type ServerProcess } from '../apps/server/src/testing/processes.ts';
import { openSocket, pool } from './lib.ts';

export interface Member {
  phone: string;
  token?: string;
  ws?: WebSocket;
}

/** A POST over kept-alive connections (cheaper for the generator than fetch). */
export function postJson(agent: http.Agent, url: string, token: string, body: unknown): Promise<{ status: number; body: string }> {
  const data = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': data.length } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

export const phoneOf = (n: number) => `+7910${String(n).padStart(7, '0')}`;

/** Members of all classes taken in turn (one of each class, then the next of each): concurrent sign-ins then rarely wait on one class's roster lock. */
export const interleaved = <T>(rooms: T[][]): T[] => {
  const out: T[] = [];
  const longest = Math.max(0, ...rooms.map((r) => r.length));
  for (let i = 0; i < longest; i++) for (const r of rooms) if (i < r.length) out.push(r[i]!);
  return out;
};

export async function seed(databaseUrl: string, classes: number, perClass: number, concurrency = 8): Promise<Member[][]> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parta-bench-seed-'));
  const config = loadConfig({ DATABASE_URL: databaseUrl, PARTA_DATA_DIR: dataDir, PARTA_LOG_LEVEL: 'warn', PARTA_DEMO: 'off' });
  const { ctx, database } = await createRuntime(config, { log: pino({ level: 'warn' }) });
  try {
    const school = await createSchool(ctx, {
      name: 'Школа для нагрузочного теста',
      timezone: 'Europe/Moscow',
      admin: { lastName: 'Админова', firstName: 'Анна', phone: phoneOf(9_999_999) },
    });
    const rooms: Member[][] = [];
    let n = 0;
    const plan = Array.from({ length: classes }, (_, r) => ({ r, base: (n += perClass) - perClass }));
    await pool(plan, concurrency, async ({ r, base }) => {
      const cls = await createClass(ctx, school.id, { name: `${(r % 11) + 1}-${r}`, grade: (r % 11) + 1 });
      // The class chat is provisioned with the class teacher; the teacher has no account here, so the chat's members are the M students.
      const teacher = await createPerson(ctx, school.id, { lastName: 'Учитель', firstName: `№${r}`, roles: ['teacher'] });
      await assignTeacher(ctx, school.id, cls.id, { personId: teacher.id, subject: 'Русский язык', isClassTeacher: true });
      const members: Member[] = [];
      for (let i = 0; i < perClass; i++) {
        const phone = phoneOf(base + i);
        await createPerson(ctx, school.id, {
          lastName: 'Ученик',
          firstName: `№${r}-${i}`,
          roles: ['student'],
          birthDate: '2010-03-01',
          phone,
          classId: cls.id,
        });
        members.push({ phone });
      }
      rooms[r] = members;
    });
    return rooms;
  } finally {
    await ctx.pubsub.close();
    await database.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Seeding and 3,000 sign-ins leave work behind: autovacuum would visit every table they filled,
 * and its writes (full pages into the WAL) make every commit's WAL flush wait, hundreds of
 * milliseconds in the first steps, which measures the seed, not the steps. So the database is
 * vacuumed and analysed, and checkpointed (needs a superuser or pg_checkpoint; skipped otherwise),
 * before the first step.
 */
export async function settleWrites(databaseUrl: string): Promise<void> {
  const client = new pg.Client(databaseUrl);
  await client.connect();
  try {
    const t0 = performance.now();
    await client.query('VACUUM (ANALYZE)');
    try {
      await client.query('CHECKPOINT');
    } catch (err) {
      console.log(`  no checkpoint after seeding (${(err as Error).message})`);
    }
    console.log(`  vacuum and checkpoint after seeding and sign-in: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    await client.end();
  }
}

/** What a benchmark may set on the Parta process it starts. */
export interface PartaOptions {
  /** The server's least time between batches of sends (PARTA_SEND_BATCH_MS). */
  batchMs?: number;
  /** Batches of sends the server writes at once (PARTA_SEND_BATCHES). */
  batches?: number;
  /** A folder the server writes a V8 CPU profile into when it stops (open it in Chrome's DevTools). */
  profileDir?: string;
}

/** A Parta process on `databaseUrl` in development mode (codes in the outbox), with sign-in limits out of the way. */
export async function startParta(databaseUrl: string, opts: PartaOptions = {}): Promise<ServerProcess> {
  return startServer(
    {
      DATABASE_URL: databaseUrl,
      PARTA_DEV: '1',
      PARTA_DEMO: 'off',
      PARTA_LOG_LEVEL: 'warn',
      PARTA_AUTH_RATE_PER_IP: '10000000',
      PARTA_CODES_PER_PHONE_PER_HOUR: '1000',
      PARTA_CODE_RESEND_SECONDS: '0',
      PARTA_JANUS: 'off',
      ...(opts.batchMs !== undefined ? { PARTA_SEND_BATCH_MS: String(opts.batchMs) } : {}),
      ...(opts.batches !== undefined ? { PARTA_SEND_BATCHES: String(opts.batches) } : {}),
    },
    { readyTimeoutMs: 120_000, nodeArgs: opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(opts.profileDir)}`] : [] },
  );
}

/** Signs every member in and opens its authenticated WebSocket; calls `onFrame` for each frame. */
export async function connectAll(server: ServerProcess, members: Member[], onFrame: (data: Buffer) => void, signInConcurrency = 32): Promise<void> {
  const t0 = performance.now();
  // Concurrently: sign-ins of one class take the class's roster rows in a fixed order (messaging/provisioning.ts).
  await pool(members, signInConcurrency, async (m) => {
    m.token = (await signInOverHttp(server.baseUrl, m.phone)).token;
  });
  const t1 = performance.now();
  await pool(members, 64, async (m) => {
    const ws = await openSocket(server.wsUrl);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no ready frame')), 60_000);
      let ready = false;
      ws.on('message', (data: Buffer) => {
        if (ready) return onFrame(data);
        if (data.toString('latin1', 0, 15) === '{"type":"ready"') {
          ready = true;
          clearTimeout(timer);
          resolve();
        }
      });
      ws.once('close', (code) => reject(new Error(`closed ${code}`)));
      ws.send(JSON.stringify({ type: 'auth', token: m.token }));
    });
    m.ws = ws;
  });
  console.log(`  ${members.length} signed in in ${((t1 - t0) / 1000).toFixed(1)} s, connected in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
}
