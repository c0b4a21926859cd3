import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { errorBody, requestLocale } from '../http/errors.ts';

/** Where `vite build` puts the web client. PARTA_WEB_DIR overrides it (e.g. for a separately built bundle). */
export function webDistDir(): string {
  const fromEnv = process.env.PARTA_WEB_DIR;
  if (fromEnv) return path.resolve(fromEnv);
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web/dist');
}

/**
 * Serves the web client at `/`: hashed assets with a long cache, everything else revalidated,
 * and index.html for any other GET outside `/api` so the client's own routes work on reload.
 * Does nothing when the client has not been built (the API still runs).
 */
export async function registerWebClient(app: FastifyInstance, dir = webDistDir()): Promise<boolean> {
  const index = path.join(dir, 'index.html');
  if (!fs.existsSync(index)) {
    app.log.warn({ dir }, 'web client not built: run `npm run build`; serving the API only');
    return false;
  }
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    wildcard: false,
    index: ['index.html'],
    cacheControl: false,
    setHeaders(reply, filePath) {
      const rel = path.relative(dir, filePath).split(path.sep).join('/');
      if (rel.startsWith('assets/')) reply.header('cache-control', 'public, max-age=31536000, immutable');
      else reply.header('cache-control', 'no-cache');
      if (rel === 'sw.js') reply.header('service-worker-allowed', '/');
      reply.header('x-content-type-options', 'nosniff');
    },
  });
  // Any other GET: the client's own routes get index.html; unknown API paths keep the API's 404.
  app.get('/*', { schema: { hide: true } }, (request, reply) => {
    const url = request.url.split('?')[0] ?? '/';
    if (url === '/api' || url.startsWith('/api/') || /\.[a-z0-9]+$/i.test(url)) {
      return reply.status(404).send(errorBody('route_not_found', requestLocale(request)));
    }
    return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').sendFile('index.html');
  });
  return true;
}
