/**
 * An abusive WebSocket client in a process of its own, as an attacker would run it: it signs in
 * with a session token and sends `typing` frames naming random chats as fast as the socket takes
 * them, for a while. Used by realtime/flood.test.ts and bench/fairness.ts.
 *
 *   node --import tsx apps/server/src/testing/flooder.ts <ws url> <token> <seconds> [reconnect]
 *
 * With `reconnect`, it opens a new connection whenever one is closed. At the end it prints one
 * line of JSON: frames sent, connections opened, close codes, and the error codes it was answered.
 */
import crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';

export interface FloodReport {
  sent: number;
  connections: number;
  closes: Record<string, number>;
  errors: Record<string, number>;
}

const report: FloodReport = { sent: 0, connections: 0, closes: {}, errors: {} };

async function flood(url: string, token: string, seconds: number, reconnect: boolean): Promise<FloodReport> {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    report.connections++;
    await new Promise<void>((resolve) => {
      const ws = new WebSocket(url);
      let ready = false;
      const stop = setTimeout(() => ws.terminate(), Math.max(0, until - Date.now()));
      ws.on('error', () => {});
      ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', token })));
      ws.on('message', (data) => {
        const f = JSON.parse(data.toString()) as { type: string; code?: string };
        if (f.type === 'ready' && !ready) {
          ready = true;
          if (report.connections === 1) console.log('flooding');
          pump();
        } else if (f.type === 'error') report.errors[f.code!] = (report.errors[f.code!] ?? 0) + 1;
      });
      ws.on('close', (code) => {
        clearTimeout(stop);
        report.closes[code] = (report.closes[code] ?? 0) + 1;
        resolve();
      });
      const pump = () => {
        if (ws.readyState !== WebSocket.OPEN) return;
        // Keep the socket's buffer full, no more: the kernel takes frames as fast as the server reads them.
        // (At most a thousand a turn: a socket the server has closed may not report its buffer.)
        for (let i = 0; i < 1000 && ws.readyState === WebSocket.OPEN && ws.bufferedAmount < 256 * 1024; i++) {
          ws.send(`{"type":"typing","chatId":"${crypto.randomUUID()}"}`);
          report.sent++;
        }
        setImmediate(pump);
      };
    });
    if (!reconnect) break;
  }
  return report;
}

/** Runs a flooder process; resolves with its report when it is done. `onFlooding`: its first connection is ready and the flood begins. */
export function runFlooder(
  url: string,
  token: string,
  seconds: number,
  reconnect = false,
  onFlooding: () => void = () => {},
  signal?: AbortSignal,
): Promise<FloodReport> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), url, token, String(seconds), ...(reconnect ? ['reconnect'] : [])], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    if (!out.includes('flooding') && (out + d.toString()).includes('flooding')) onFlooding();
    out += d.toString();
  });
  // Stopped early: it prints its report as it goes.
  signal?.addEventListener('abort', () => child.kill('SIGTERM'));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) reject(new Error(`flooder exited with ${code}: ${out}`));
      else resolve(JSON.parse(line) as FloodReport);
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [url, token, seconds, mode] = process.argv.slice(2);
  process.on('SIGTERM', () => {
    console.log(JSON.stringify(report));
    process.exit(0);
  });
  await flood(url!, token!, Number(seconds), mode === 'reconnect');
  console.log(JSON.stringify(report));
  process.exit(0);
}
