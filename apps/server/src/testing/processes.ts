import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../../../..');
const mainTs = path.join(repoRoot, 'apps/server/src/main.ts');

/** A free loopback port (asked from the kernel, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** A fresh PostgreSQL database next to `baseUrl`, with a function that drops it. */
export async function createPostgresDatabase(baseUrl: string, prefix = 'parta_test'): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  baseUrl: string;
  wsUrl: string;
  output(): string;
  /** SIGTERM, then SIGKILL after a grace period; resolves when the process has exited. */
  stop(): Promise<void>;
}

/** Starts `apps/server/src/main.ts` as its own process on 127.0.0.1 and waits until it answers /readyz. */
export async function startServer(env: Record<string, string>, options: { readyTimeoutMs?: number; nodeArgs?: string[] } = {}): Promise<ServerProcess> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parta-proc-'));
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', mainTs], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      PARTA_DATA_DIR: dataDir,
      PARTA_LOG_LEVEL: 'warn',
      // These tests are about messages and presence, not video: no Janus of their own (env may turn it on).
      PARTA_JANUS: 'off',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`server exited with ${child.exitCode}:\n${out}`);
    }
    try {
      const res = await fetch(`${baseUrl}/readyz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`server did not become ready:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, port, baseUrl, wsUrl: `ws://127.0.0.1:${port}/api/v1/ws`, output: () => out, stop };
}

/** Signs in over HTTP with the development outbox (the server runs with PARTA_DEV=1). */
export async function signInOverHttp(baseUrl: string, phone: string): Promise<{ token: string; userId: string }> {
  const post = (p: string, body: unknown) =>
    fetch(baseUrl + p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const sent = await post('/api/v1/auth/code', { phone });
  if (sent.status !== 202) throw new Error(`code request failed: ${sent.status} ${await sent.text()}`);
  const normalised = ((await sent.json()) as { phone: string }).phone;
  const outbox = await fetch(`${baseUrl}/api/v1/dev/sms?phone=${encodeURIComponent(normalised)}`);
  const code = ((await outbox.json()) as { messages: { code: string }[] }).messages[0]?.code;
  if (!code) throw new Error(`no code for ${phone}`);
  const res = await post('/api/v1/auth/session', { phone: normalised, code });
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { token: string; user: { id: string } };
  return { token: body.token, userId: body.user.id };
}
