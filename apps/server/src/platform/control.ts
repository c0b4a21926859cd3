import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PGlite } from '@electric-sql/pglite';
import type { Logger } from 'pino';
import { writeBackup } from './backup.ts';

/**
 * The local control channel of a server on the embedded database: an HTTP server on a Unix
 * socket in the data folder (`control.sock`, mode 0600). Only someone who may read the data
 * folder itself can reach it, so it asks for no sign-in. The `backup` command uses it to ask
 * the running server for a backup, since no second process may open the database folder.
 */
export const controlSocket = (dataDir: string) => path.join(dataDir, 'control.sock');

/** Unix socket paths are limited to about 107 bytes (sun_path). */
const MAX_SOCKET_PATH = 100;

export async function startControl(pglite: PGlite, dataDir: string, log: Logger): Promise<() => Promise<void>> {
  const socket = controlSocket(dataDir);
  if (process.platform === 'win32' || Buffer.byteLength(socket) > MAX_SOCKET_PATH) {
    log.warn({ socket }, 'no control socket (path too long or no Unix sockets): online backups need a shorter PARTA_DATA_DIR');
    return async () => {};
  }
  let busy = false;
  const server = http.createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/backup') {
      res.writeHead(404).end();
      return;
    }
    if (busy) {
      res.writeHead(409, { 'content-type': 'text/plain' }).end('A backup is already running.');
      return;
    }
    busy = true;
    res.writeHead(200, { 'content-type': 'application/gzip' });
    const started = Date.now();
    writeBackup(pglite, dataDir, res)
      .then((r) => log.info({ files: r.manifest.files, databaseMs: r.databaseMs, ms: Date.now() - started }, 'backup written'))
      .catch((err: unknown) => {
        log.error({ err }, 'backup failed');
        res.destroy(err as Error); // the client sees a cut-off stream, never a complete-looking archive
      })
      .finally(() => {
        busy = false;
      });
  });
  // The data folder is locked by this process, so a socket file left there is a dead one of ours,
  // and so are the staging folders of a backup or restore that was killed (each holds a database copy).
  fs.rmSync(socket, { force: true });
  for (const entry of fs.readdirSync(dataDir)) {
    if (/^\.(backup|restore)-/.test(entry)) fs.rmSync(path.join(dataDir, entry), { recursive: true, force: true });
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => resolve());
  });
  fs.chmodSync(socket, 0o600);
  return async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(socket, { force: true });
  };
}

export class NoServerRunning extends Error {}

/**
 * Asks the server running on `dataDir` for a backup and writes it to `out`. Throws
 * NoServerRunning when nothing answers on the socket (then the caller opens the database itself).
 */
export async function requestBackup(dataDir: string, out: Writable): Promise<void> {
  const socket = controlSocket(dataDir);
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = http.request({ socketPath: socket, method: 'POST', path: '/backup' }, resolve);
    req.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? new NoServerRunning(err.message) : err));
    req.end();
  });
  if (res.statusCode !== 200) {
    let body = '';
    for await (const chunk of res) body += String(chunk);
    throw new Error(`The server refused the backup (${res.statusCode}): ${body}`);
  }
  await pipeline(res, out);
  if (!res.complete) throw new Error('The server ended the backup before it was complete; see its log.');
}
