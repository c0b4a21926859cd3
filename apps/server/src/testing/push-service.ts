import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A real Web Push service on 127.0.0.1 for tests and the bench: HTTPS (a self-signed certificate
 * made with openssl, trusted through `agent`), checks each request's VAPID JWT (RFC 8292) and
 * decrypts its payload (RFC 8291, aes128gcm) with the subscription's own private key and auth
 * secret, as a browser would. It can answer a subscription 404/410, 500, or late.
 */
export interface ReceivedPush {
  subscription: string;
  /** The decrypted payload as text. */
  text: string;
  claims: { aud: string; exp: number; sub: string };
  vapidKey: string;
  headers: Record<string, string | string[] | undefined>;
  at: number;
}

export type Behaviour = 'ok' | 'gone' | 'not_found' | 'error' | { delayMs: number };

export interface TestSubscription {
  id: string;
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

interface Keys {
  ecdh: crypto.ECDH;
  publicKey: Buffer;
  auth: Buffer;
}

const b64u = (b: Buffer) => b.toString('base64url');

export class PushService {
  readonly received: ReceivedPush[] = [];
  /** Requests refused: a bad signature, a payload that did not decrypt. */
  readonly rejected: { subscription: string; reason: string }[] = [];
  readonly agent: https.Agent;
  private readonly subs = new Map<string, Keys>();
  private readonly behaviour = new Map<string, Behaviour>();
  private waiters: (() => void)[] = [];
  /** JWTs already verified (a sender reuses one per origin until it expires). */
  private readonly verified = new Map<string, { claims: ReceivedPush['claims']; vapidKey: string }>();
  url = '';

  private constructor(
    private readonly server: https.Server,
    /** Its certificate (PEM): a server process trusts it through NODE_EXTRA_CA_CERTS. */
    readonly cert: Buffer,
    maxSockets: number,
  ) {
    this.agent = new https.Agent({ ca: cert, keepAlive: true, maxSockets });
  }

  static async start(opts: { maxSockets?: number } = {}): Promise<PushService> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parta-push-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const key = fs.readFileSync(path.join(dir, 'key.pem'));
    const cert = fs.readFileSync(path.join(dir, 'cert.pem'));
    fs.rmSync(dir, { recursive: true, force: true });
    let self: PushService | null = null;
    const server = https.createServer({ key, cert, keepAliveTimeout: 30_000 }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => self!.handle(req, Buffer.concat(chunks), res));
    });
    self = new PushService(server, cert, opts.maxSockets ?? 64);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return self;
  }

  /** A new browser subscription: its key pair and auth secret stay here, as in a browser. */
  subscribe(): TestSubscription {
    const id = crypto.randomUUID();
    const ecdh = crypto.createECDH('prime256v1');
    ecdh.generateKeys();
    const keys: Keys = { ecdh, publicKey: ecdh.getPublicKey(), auth: crypto.randomBytes(16) };
    this.subs.set(id, keys);
    return { id, endpoint: `${this.url}/push/${id}`, keys: { p256dh: b64u(keys.publicKey), auth: b64u(keys.auth) } };
  }

  setBehaviour(subscription: string, b: Behaviour): void {
    this.behaviour.set(subscription, b);
  }

  for(subscription: string): ReceivedPush[] {
    return this.received.filter((r) => r.subscription === subscription);
  }

  /** Resolves when `n` pushes have been received in all. */
  async waitFor(n: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < n) {
      if (Date.now() > deadline) throw new Error(`expected ${n} pushes, got ${this.received.length}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  async close(): Promise<void> {
    this.agent.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private handle(req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    const m = /^\/push\/([0-9a-f-]+)$/.exec(req.url ?? '');
    const id = m?.[1] ?? '';
    const keys = this.subs.get(id);
    const b = this.behaviour.get(id) ?? 'ok';
    const answer = (status: number) => {
      res.statusCode = status;
      res.end();
    };
    if (!keys || b === 'not_found') return answer(404);
    if (b === 'gone') return answer(410);
    if (b === 'error') return answer(500);
    try {
      const authorization = String(req.headers.authorization ?? '');
      const known = this.verified.get(authorization);
      if (known && known.claims.exp <= Date.now() / 1000) throw new Error('the JWT has expired');
      const { claims, vapidKey } = known ?? verifyVapid(authorization, this.url);
      this.verified.set(authorization, { claims, vapidKey });
      if (req.headers['content-encoding'] !== 'aes128gcm') throw new Error('content-encoding must be aes128gcm');
      if (!req.headers.ttl) throw new Error('no TTL');
      const text = decrypt(body, keys).toString('utf8');
      const done = () => {
        this.received.push({ subscription: id, text, claims, vapidKey, headers: req.headers, at: Date.now() });
        this.waiters.splice(0).forEach((w) => w());
        answer(201);
      };
      if (typeof b === 'object') setTimeout(done, b.delayMs);
      else done();
    } catch (err) {
      this.rejected.push({ subscription: id, reason: err instanceof Error ? err.message : String(err) });
      answer(400);
    }
  }
}

/** `Authorization: vapid t=<JWT>, k=<public key>`: an ES256 JWT for this origin, signed by that key, valid for at most 24 h. */
function verifyVapid(header: string, origin: string): { claims: ReceivedPush['claims']; vapidKey: string } {
  const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header);
  if (!m) throw new Error('no vapid authorization');
  const [h, p, s] = m[1]!.split('.');
  const header_ = JSON.parse(Buffer.from(h!, 'base64url').toString()) as { alg: string; typ: string };
  if (header_.alg !== 'ES256') throw new Error('alg must be ES256');
  const pub = Buffer.from(m[2]!, 'base64url');
  if (pub.length !== 65 || pub[0] !== 4) throw new Error('k is not an uncompressed P-256 point');
  const key = crypto.createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64u(pub.subarray(1, 33)), y: b64u(pub.subarray(33)) }, format: 'jwk' });
  const ok = crypto.verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s!, 'base64url'));
  if (!ok) throw new Error('bad JWT signature');
  const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as ReceivedPush['claims'];
  const now = Date.now() / 1000;
  if (claims.aud !== origin) throw new Error(`aud ${claims.aud} is not ${origin}`);
  if (!(claims.exp > now && claims.exp <= now + 24 * 3600 + 60)) throw new Error('exp out of range');
  if (!/^(mailto:|https:)/.test(claims.sub)) throw new Error('sub must be mailto: or https:');
  return { claims, vapidKey: m[2]! };
}

const hkdf = (salt: Buffer, ikm: Buffer, info: Buffer, len: number) => Buffer.from(crypto.hkdfSync('sha256', ikm, salt, info, len));

/** RFC 8291 + RFC 8188: one aes128gcm record, keyed by ECDH with the sender's key and the auth secret. */
function decrypt(body: Buffer, keys: Keys): Buffer {
  const salt = body.subarray(0, 16);
  const idlen = body[20]!;
  const asPublic = body.subarray(21, 21 + idlen);
  const record = body.subarray(21 + idlen);
  const secret = keys.ecdh.computeSecret(asPublic);
  const ikm = hkdf(keys.auth, secret, Buffer.concat([Buffer.from('WebPush: info\0'), keys.publicKey, asPublic]), 32);
  const cek = hkdf(salt, ikm, Buffer.from('Content-Encoding: aes128gcm\0'), 16);
  const nonce = hkdf(salt, ikm, Buffer.from('Content-Encoding: nonce\0'), 12);
  const decipher = crypto.createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const plain = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  let end = plain.length - 1;
  while (end >= 0 && plain[end] === 0) end--;
  if (plain[end] !== 2) throw new Error('bad padding delimiter');
  return plain.subarray(0, end);
}
