import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * Runs a local Janus (Debian package `janus`) for Parta: writes a config folder of its own
 * (videoroom only; HTTP and WebSocket transports on 127.0.0.1; admin API on loopback; secrets made
 * here) and starts `janus` with it. Janus never gathers ICE candidates on loopback, so ICE is
 * pinned to the machine's own non-loopback IPv4 address; traffic to it never leaves the host.
 */

export interface JanusLaunchOptions {
  /** Folder for the generated config and log (created; emptied of old configs). */
  dir: string;
  binary?: string;
  httpPort?: number;
  wsPort?: number;
  adminPort?: number;
  /** "from-to", both inclusive. */
  rtpPortRange?: string;
  /** The IPv4 address ICE uses; default: the machine's first non-loopback IPv4. */
  iceIp?: string;
  /** "host:port" of a STUN server Janus itself uses to learn its public address (none by default). */
  stunServer?: string;
  /** A 1:1 NAT public address (cloud hosts). */
  natPublicIp?: string;
  debugLevel?: number;
  /** The API secret, admin secret and VideoRoom admin key; new random ones when omitted. */
  secrets?: JanusSecrets;
}

export interface JanusSecrets {
  apiSecret: string;
  adminSecret: string;
  adminKey: string;
}

export interface JanusInstance {
  /** The ports it listens on (127.0.0.1): a restart on the same ports keeps the adapter's URL. */
  ports: { http: number; ws: number; admin: number };
  wsUrl: string;
  httpUrl: string;
  adminUrl: string;
  apiSecret: string;
  adminKey: string;
  adminSecret: string;
  iceIp: string;
  pid: number;
  /** Stops Janus (SIGTERM, then SIGKILL after a grace period). */
  stop(): Promise<void>;
  /** Resolves when the process exits, with its code. */
  exited: Promise<number | null>;
  log(): string;
}

const PLUGINS_DIR = '/usr/lib/x86_64-linux-gnu/janus';

/** The `janus` binary on PATH, or null. */
export function findJanusBinary(): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).concat(['/usr/bin', '/usr/local/bin'])) {
    if (!dir) continue;
    const p = path.join(dir, 'janus');
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return null;
}

/** The folder holding Janus's plugins, transports and loggers (Debian's multiarch path, or /usr/lib/janus, /usr/local/lib/janus). */
function janusLibDir(): string {
  for (const d of [
    PLUGINS_DIR,
    `/usr/lib/${os.arch() === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/janus`,
    '/usr/lib/janus',
    '/usr/local/lib/janus',
    '/opt/janus/lib/janus',
  ]) {
    if (fs.existsSync(path.join(d, 'plugins'))) return d;
  }
  return PLUGINS_DIR;
}

/** The machine's first non-loopback, non-link-local IPv4 address. */
export function machineIPv4(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4' && !a.internal && !a.address.startsWith('169.254.')) return a.address;
    }
  }
  throw new Error('no non-loopback IPv4 address on this machine: Janus cannot gather ICE candidates on loopback');
}

/** A free TCP port on 127.0.0.1 (asked of the kernel). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const q = (s: string) => JSON.stringify(s);

/** Every plugin, transport, logger and event handler but the ones Parta uses. */
function disabledModules(dir: string, keep: string[]): string {
  try {
    return fs
      .readdirSync(dir)
      .filter((f) => /^libjanus_.*\.so$/.test(f) && !keep.includes(f))
      .join(',');
  } catch {
    return '';
  }
}

export function janusConfig(
  o: Required<Pick<JanusLaunchOptions, 'httpPort' | 'wsPort' | 'adminPort' | 'rtpPortRange' | 'iceIp' | 'debugLevel'>> &
    Pick<JanusLaunchOptions, 'stunServer' | 'natPublicIp'> & { dir: string; apiSecret: string; adminSecret: string; adminKey: string },
): Record<string, string> {
  const lib = janusLibDir();
  const [stunHost, stunPort] = (o.stunServer ?? '').split(':');
  return {
    'janus.jcfg': `general: {
  configs_folder = ${q(o.dir)}
  plugins_folder = ${q(path.join(lib, 'plugins'))}
  transports_folder = ${q(path.join(lib, 'transports'))}
  events_folder = ${q(path.join(lib, 'events'))}
  loggers_folder = ${q(path.join(lib, 'loggers'))}
  debug_level = ${o.debugLevel}
  api_secret = ${q(o.apiSecret)}
  admin_secret = ${q(o.adminSecret)}
  session_timeout = 60
  server_name = "Parta media"
}
media: {
  rtp_port_range = ${q(o.rtpPortRange)}
  nack_queue = 500
  slowlink_threshold = 4
}
nat: {
  nice_debug = false
  ice_enforce_list = ${q(o.iceIp)}
  ignore_mdns = true
${stunHost ? `  stun_server = ${q(stunHost)}\n  stun_port = ${Number(stunPort || 3478)}\n` : ''}${o.natPublicIp ? `  nat_1_1_mapping = ${q(o.natPublicIp)}\n` : ''}}
plugins: {
  disable = ${q(disabledModules(path.join(lib, 'plugins'), ['libjanus_videoroom.so']))}
}
transports: {
  disable = ${q(disabledModules(path.join(lib, 'transports'), ['libjanus_http.so', 'libjanus_websockets.so']))}
}
loggers: {
  disable = ${q(disabledModules(path.join(lib, 'loggers'), []))}
}
events: {
  broadcast = false
  disable = ${q(disabledModules(path.join(lib, 'events'), []))}
}
`,
    'janus.plugin.videoroom.jcfg': `general: {
  admin_key = ${q(o.adminKey)}
  lock_rtp_forward = true
}
`,
    'janus.transport.http.jcfg': `general: {
  json = "plain"
  base_path = "/janus"
  http = true
  port = ${o.httpPort}
  ip = "127.0.0.1"
  https = false
}
admin: {
  admin_base_path = "/admin"
  admin_http = true
  admin_port = ${o.adminPort}
  admin_ip = "127.0.0.1"
  admin_https = false
}
cors: {
}
`,
    'janus.transport.websockets.jcfg': `general: {
  json = "plain"
  ws = true
  ws_port = ${o.wsPort}
  ws_ip = "127.0.0.1"
  wss = false
}
admin: {
  admin_ws = false
  admin_wss = false
}
`,
  };
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`janus exited with code ${child.exitCode} during start:\n${log().slice(-2000)}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`janus did not open port ${port} in ${timeoutMs} ms:\n${log().slice(-2000)}`);
}

/** Writes the config and starts Janus; resolves once its WebSocket and HTTP ports accept connections. */
const PID_FILE = 'janus.pid';

/**
 * A server killed outright (SIGKILL, OOM) cannot stop its Janus, which would keep its ports and
 * sit there unused. The next start with the same folder finds its pid file and stops it, if that
 * process is still a Janus of this folder.
 */
async function stopStaleJanus(dir: string): Promise<void> {
  const file = path.join(dir, PID_FILE);
  let pid: number;
  try {
    pid = Number(fs.readFileSync(file, 'utf8').trim());
  } catch {
    return;
  }
  fs.rmSync(file, { force: true });
  if (!Number.isInteger(pid) || pid <= 1) return;
  const ours = () => {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return path.basename(cmd[0] ?? '') === 'janus' && cmd.includes(path.join(dir, 'janus.jcfg'));
    } catch {
      return false;
    }
  };
  if (!ours()) return;
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 50 && ours(); i++) await new Promise((r) => setTimeout(r, 100));
}

export async function launchJanus(opts: JanusLaunchOptions): Promise<JanusInstance> {
  const binary = opts.binary ?? findJanusBinary();
  if (!binary) throw new Error('no janus binary found');
  const httpPort = opts.httpPort ?? (await freePort());
  const wsPort = opts.wsPort ?? (await freePort());
  const adminPort = opts.adminPort ?? (await freePort());
  const iceIp = opts.iceIp ?? machineIPv4();
  const secrets = opts.secrets ?? {
    apiSecret: crypto.randomBytes(18).toString('base64url'),
    adminSecret: crypto.randomBytes(18).toString('base64url'),
    adminKey: crypto.randomBytes(18).toString('base64url'),
  };
  fs.mkdirSync(opts.dir, { recursive: true });
  await stopStaleJanus(opts.dir);
  for (const f of fs.readdirSync(opts.dir)) if (f.endsWith('.jcfg')) fs.rmSync(path.join(opts.dir, f));
  const files = janusConfig({
    dir: opts.dir,
    httpPort,
    wsPort,
    adminPort,
    rtpPortRange: opts.rtpPortRange ?? '20000-20200',
    iceIp,
    debugLevel: opts.debugLevel ?? 3,
    stunServer: opts.stunServer,
    natPublicIp: opts.natPublicIp,
    ...secrets,
  });
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(opts.dir, name), text, { mode: 0o600 });

  const child = spawn(binary, ['-C', path.join(opts.dir, 'janus.jcfg'), '-F', opts.dir, '-o', '-E', iceIp], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (b: Buffer) => {
    output = (output + b.toString('utf8')).slice(-64 * 1024);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  if (child.pid) fs.writeFileSync(path.join(opts.dir, PID_FILE), String(child.pid));
  // Janus never outlives the server, however the server ends (a crash included).
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      process.off('exit', killOnExit);
      resolve(code);
    }),
  );
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitForPort(wsPort, child, 15_000, () => output);
    await waitForPort(httpPort, child, 5_000, () => output);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    ports: { http: httpPort, ws: wsPort, admin: adminPort },
    wsUrl: `ws://127.0.0.1:${wsPort}`,
    httpUrl: `http://127.0.0.1:${httpPort}/janus`,
    adminUrl: `http://127.0.0.1:${adminPort}/admin`,
    ...secrets,
    iceIp,
    pid: child.pid!,
    stop,
    exited,
    log: () => output,
  };
}
