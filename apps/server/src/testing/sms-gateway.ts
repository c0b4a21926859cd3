import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** An SMS gateway for tests (PARTA_SMS_PROVIDER=http): keeps what it was asked to send. */
export class SmsGateway {
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
    readonly texts: { to: string; text: string }[],
  ) {}

  static async start(): Promise<SmsGateway> {
    const texts: { to: string; text: string }[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        texts.push(JSON.parse(body) as { to: string; text: string });
        res.end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return new SmsGateway(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms`, texts);
  }

  /** Waits until at least `n` texts have arrived (they are sent after the answer). */
  async waitFor(n: number, timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.texts.length < n) {
      if (Date.now() > until) throw new Error(`expected ${n} SMS, got ${this.texts.length}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}
