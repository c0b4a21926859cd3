import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet from '@fastify/helmet';

/** A Host header as a browser sends it (name or address, optional port); anything else is not echoed into the policy. */
const HOST = /^[a-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/i;

/** The page's own WebSocket origins: CSP's 'self' does not cover ws:/wss: in every browser. */
function ownSockets(request: IncomingMessage): string {
  const host = request.headers.host;
  return typeof host === 'string' && HOST.test(host) ? `ws://${host} wss://${host}` : '';
}

/**
 * Security headers on every response (docs/subsystems/security.md), through @fastify/helmet:
 * - a strict Content-Security-Policy for the web client: scripts, styles, workers and the
 *   manifest only from the site itself (the Vite build has no inline script); images from the
 *   site plus `blob:` (authenticated photos and attachments are fetched and shown as blob URLs,
 *   the photo crop previews a local file) and `data:`; media from the site and `blob:`
 *   (meetings play MediaStreams through `srcObject`, which CSP does not govern); connections to
 *   the site and its own WebSocket; no framing, no plugins, no `<base>`;
 * - `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`, `X-Frame-Options: DENY`,
 *   `Cross-Origin-Opener-Policy` and `-Resource-Policy: same-origin`;
 * - `Cache-Control: no-store` on API answers that do not set their own (file downloads keep
 *   their `private, no-cache` with an ETag).
 * No `upgrade-insecure-requests` and no HSTS: TLS is the reverse proxy's business, and a school
 * server on a LAN address over plain HTTP must keep working.
 */
export async function registerSecurityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'blob:', 'data:'],
        mediaSrc: ["'self'", 'blob:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'", (req) => ownSockets(req)],
        workerSrc: ["'self'"],
        manifestSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: false,
  });
  app.addHook('onSend', async (request, reply) => {
    if (request.url.startsWith('/api/') && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });
}
