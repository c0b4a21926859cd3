import crypto from 'node:crypto';

/** A new opaque bearer token. Only its hash is stored. */
export function newSessionToken(): string {
  return `pt_${crypto.randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

export function newSmsCode(): string {
  return String(crypto.randomInt(0, 1_000_000)).padStart(6, '0');
}

/** Codes are only six digits, so they are hashed with the instance's secret (HMAC), not a bare hash. */
export function hashSmsCode(secret: string, phone: string, code: string): string {
  return crypto.createHmac('sha256', secret).update(`${phone}:${code}`).digest('hex');
}

export function safeEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && crypto.timingSafeEqual(ba, bb);
}
