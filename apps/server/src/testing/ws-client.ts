import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { WebSocket, type ClientOptions } from 'ws';

/** Starts the app listening on a random loopback port; returns its WebSocket endpoint. */
export async function listenWs(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/v1/ws`;
}

export interface Frame {
  type: string;
  [key: string]: unknown;
}

/**
 * A real WebSocket client for tests: keeps every frame it received and lets a test wait for the
 * frames it expects. Waits end with the socket: a closed socket rejects pending waits.
 */
export class WsTestClient {
  readonly frames: Frame[] = [];
  readonly ws: WebSocket;
  closed: { code: number; reason: string } | null = null;
  /** Binary frames received (none in this protocol): not parsed, as a browser could not. */
  binaryFrames = 0;
  private waiters: { check: () => boolean; resolve: () => void; reject: (e: Error) => void }[] = [];
  private readonly opened: Promise<void>;
  private refs = 0;

  constructor(url: string, options: ClientOptions = {}) {
    this.ws = new WebSocket(url, options);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.ws.on('error', () => {});
    this.ws.on('message', (data, isBinary) => {
      // Every frame of the protocol is text; a browser would hand a binary one over as a Blob.
      if (isBinary) {
        this.binaryFrames++;
        return;
      }
      this.frames.push(JSON.parse(data.toString()) as Frame);
      this.poke();
    });
    this.ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.poke();
      for (const w of this.waiters) w.reject(new Error(`socket closed (${code} ${reason.toString()}) while waiting`));
      this.waiters = [];
    });
  }

  static async open(url: string, options: ClientOptions = {}): Promise<WsTestClient> {
    const c = new WsTestClient(url, options);
    await c.opened;
    return c;
  }

  /** Opens, authenticates and waits for `ready`. */
  static async connect(url: string, token: string, after?: number): Promise<WsTestClient> {
    const c = await WsTestClient.open(url);
    c.send({ type: 'auth', token, ...(after !== undefined ? { after } : {}) });
    await c.waitFor((f) => f.type === 'ready');
    return c;
  }

  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

  /** Sends a `send` frame and waits for its answer (`sent` or `error`) by `ref`. */
  async sendMessage(chatId: string, message: Record<string, unknown>, ref = `r${++this.refs}`): Promise<Frame> {
    this.send({ type: 'send', ref, chatId, message });
    const [answer] = await this.waitFor((f) => (f.type === 'sent' || f.type === 'error') && f.ref === ref);
    return answer!;
  }

  of(type: string): Frame[] {
    return this.frames.filter((f) => f.type === type);
  }

  /** Updates received, in arrival order. */
  updates(): { pos: number; type: string; chatId?: string; message?: { id: string; text: string; seq: number } }[] {
    return this.of('update').map((f) => f.update as { pos: number; type: string });
  }

  waitFor(match: (f: Frame) => boolean, count = 1): Promise<Frame[]> {
    const found = () => this.frames.filter(match);
    return this.until(() => found().length >= count).then(found);
  }

  /** Resolves when `check` holds; rejects if the socket closes first (unless `check` holds then). */
  until(check: () => boolean): Promise<void> {
    if (check()) return Promise.resolve();
    if (this.closed) return Promise.reject(new Error(`socket closed (${this.closed.code}) while waiting`));
    return new Promise((resolve, reject) => this.waiters.push({ check, resolve, reject }));
  }

  waitClosed(): Promise<{ code: number; reason: string }> {
    if (this.closed) return Promise.resolve(this.closed);
    return new Promise((resolve) => this.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
  }

  private poke(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.check()) return true;
      w.resolve();
      return false;
    });
  }
}
