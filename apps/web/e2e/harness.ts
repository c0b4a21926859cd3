import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../../..');
export const artifacts = path.join(repoRoot, 'test-artifacts');
const require = createRequire(import.meta.url);

export const PHONES = { admin: '+79000000001', teacher: '+79000000002', parent: '+79000000003', student: '+79000000004' } as const;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** A real Parta server (PARTA_DEV=1, demo school) on a random port over a temporary data directory. */
export class TestServer {
  private proc: ChildProcess | null = null;
  readonly dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parta-e2e-'));
  port = 0;
  log = '';

  /** `env` overrides the server's settings (e.g. PARTA_CODE_RESEND_SECONDS); `webDir` is the built client to serve (default apps/web/dist). */
  private readonly env: Record<string, string>;
  private readonly webDir: string | undefined;
  constructor(env: Record<string, string> = {}, options: { webDir?: string } = {}) {
    this.env = env;
    this.webDir = options.webDir;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    const tsx = require.resolve('tsx', { paths: [path.join(repoRoot, 'apps/server')] });
    // Always PGlite in its own data directory, in-process pub/sub: the browser tests need no services.
    const { DATABASE_URL: _db, REDIS_URL: _redis, ...inherited } = process.env;
    const proc = spawn(process.execPath, ['--import', tsx, path.join(repoRoot, 'apps/server/src/main.ts')], {
      cwd: repoRoot,
      env: {
        ...inherited,
        NODE_ENV: 'production',
        PORT: String(this.port),
        HOST: '127.0.0.1',
        PARTA_DEV: '1',
        PARTA_DATA_DIR: this.dataDir,
        PARTA_LOG_LEVEL: 'warn',
        PARTA_CODE_RESEND_SECONDS: '0',
        PARTA_CODES_PER_PHONE_PER_HOUR: '100',
        PARTA_AUTH_RATE_PER_IP: '1000',
        // The demo's week of chat life is off: tests count the messages they send (screens.e2e.ts turns it on).
        PARTA_DEMO_CHATS: 'off',
        PARTA_WEB_DIR: this.webDir ?? path.join(repoRoot, 'apps/web/dist'),
        // The school's assistant makes a chat with every account: only bots.e2e.ts turns it on.
        PARTA_HELPER_BOT: 'off',
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    proc.stdout!.on('data', (d) => (this.log += d));
    proc.stderr!.on('data', (d) => (this.log += d));
    const deadline = Date.now() + 300_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`server exited (${proc.exitCode}):\n${this.log}`);
      try {
        const res = await fetch(`${this.url}/readyz`);
        if (res.ok) return;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline) throw new Error(`server did not start:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    this.proc = null;
  }

  async dispose(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** The newest sign-in code sent to a phone (development outbox); waits a moment for one just asked for. */
  async code(phone: string): Promise<string> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const res = await fetch(`${this.url}/api/v1/dev/sms?phone=${encodeURIComponent(phone)}`);
      const body = (await res.json()) as { messages: { code: string | null }[] };
      const code = body.messages[0]?.code;
      if (code) return code;
      if (Date.now() > deadline) throw new Error(`no code for ${phone}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export async function launch(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) throw new Error(`Chromium not found at ${executablePath}: apt-get install -y chromium`);
  return chromium.launch({
    executablePath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-dev-shm-usage',
    ],
  });
}

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 360, height: 740 };

export async function newContext(browser: Browser, viewport = DESKTOP): Promise<BrowserContext> {
  const ctx = await browser.newContext({ viewport, locale: 'ru-RU', timezoneId: 'Europe/Moscow', serviceWorkers: 'allow' });
  ctx.setDefaultTimeout(15_000);
  return ctx;
}

/** Signs in through the UI: phone, then the code from the development outbox (its sixth digit submits). */
export async function signIn(page: Page, server: TestServer, phone: string): Promise<void> {
  // After an SMS sign-in the app offers a passkey (passkey.e2e.ts tests it); elsewhere it is declined
  // whenever it shows, as a person not interested would.
  await page.addLocatorHandler(page.locator('.passkey-offer'), async (offer) => {
    await offer.getByRole('button', { name: /Не сейчас|Not now/ }).click();
  });
  await page.goto(server.url + '/');
  await page.getByLabel('Номер телефона').fill(phone);
  await page.getByRole('button', { name: 'Получить код' }).click();
  await page.getByLabel('Код из СМС').waitFor();
  await page.getByLabel('Код из СМС').fill(await server.code(phone));
  await page.locator('.shell').waitFor();
  await waitLive(page);
}

export async function waitLive(page: Page, timeout = 20_000): Promise<void> {
  await page.locator('[data-sync="live"]').waitFor({ timeout });
}

/** The session token the page signed in with. */
export function pageToken(page: Page): Promise<string> {
  return page.evaluate(() => localStorage.getItem('parta.token') ?? '');
}

/** A message of the open chat, by its text (the list is virtual: only drawn rows are found). */
export const messageRow = (page: Page, text: string) => page.locator('article[data-message-id]', { hasText: text });

/** Opens a chat from the chat list by its title. */
export async function openChatNamed(page: Page, name: string): Promise<void> {
  await page
    .getByRole('link', { name: new RegExp(name) })
    .first()
    .click();
  await page.getByRole('heading', { name }).waitFor();
}

/** Writes a message in the open chat, sends it with Enter, and waits for it in the history. */
export async function sendMessage(page: Page, text: string): Promise<void> {
  const box = page.getByLabel('Сообщение', { exact: true });
  await box.fill(text);
  await box.press('Enter');
  await messageRow(page, text).waitFor();
}

/** Runs axe-core in the page; returns serious and critical violations (WCAG 2.1 A/AA and best practice). */
export async function axe(page: Page): Promise<{ id: string; impact: string; help: string; nodes: string[] }[]> {
  const source = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  // Evaluated through the browser's debugging protocol: the page's Content-Security-Policy allows no
  // inline script, and the test must not weaken it.
  await page.evaluate(source);
  const result = await page.evaluate(async () => {
    const w = window as unknown as {
      axe: { run: (ctx: Document, opts: object) => Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> };
    };
    const r = await w.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: path.join(artifacts, `${name}.png`) });
}

/**
 * The usual frame of a browser test file: a fresh server (the one given, or a default demo
 * server) started before the file's tests and disposed after them, and one Chromium for them all.
 * `prepare` runs before the server starts, `extra` after the server and browser are up, and
 * `cleanup` after both are gone.
 */
export function useServerAndBrowser(
  server: TestServer = new TestServer(),
  options: { launcher?: () => Promise<Browser>; prepare?: () => void | Promise<void>; extra?: () => Promise<void>; cleanup?: () => void | Promise<void> } = {},
): { server: TestServer; readonly browser: Browser } {
  let browser: Browser | undefined;
  const suite = {
    server,
    get browser(): Browser {
      if (!browser) throw new Error('the browser is not started yet (use it inside a test)');
      return browser;
    },
  };
  before(async () => {
    await options.prepare?.();
    await server.start();
    browser = await (options.launcher ?? launch)();
    await options.extra?.();
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await server.dispose();
    await options.cleanup?.();
  });
  return suite;
}

/** An API call with a bearer token, outside the browser; `body` is sent as JSON. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each test reads the fields it asked for
export async function apiAs(server: TestServer, token: string, method: string, urlPath: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(server.url + urlPath, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
