import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { Redis } from 'ioredis';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import type { AppContext } from './context.ts';
import { registerErrorHandling } from './http/errors.ts';
import { requireAuth } from './http/auth.ts';
import { identityPublicRoutes, identityRoutes } from './identity/routes.ts';
import { profileRoutes } from './identity/profile-routes.ts';
import { directoryRoutes } from './directory/routes.ts';
import { membershipRoutes } from './membership/routes.ts';
import { messagingRoutes } from './messaging/routes.ts';
import { filesRoutes } from './files/routes.ts';
import { meetingsRoutes } from './meetings/routes.ts';
import { realtimeRoutes } from './realtime/routes.ts';
import { notificationsRoutes } from './notifications/routes.ts';
import { registerWebClient } from './web/static.ts';

export const API_VERSION = '0.1.0';

/**
 * The HTTP server: thin transport over the domains. Each domain registers its own routes;
 * everything under the authenticated scope needs a live session.
 */
export async function buildApp(ctx: AppContext): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.log as FastifyBaseLogger,
    trustProxy: process.env.PARTA_TRUST_PROXY === '1',
    bodyLimit: 1024 * 1024,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Parta API', version: API_VERSION, description: 'The REST API of Parta, a closed communication platform for schools.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  // Per-IP limits live in Redis when several processes serve one site, else in memory.
  const limiterStore = ctx.config.redisUrl ? new Redis(ctx.config.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 }) : undefined;
  if (limiterStore) app.addHook('onClose', async () => void limiterStore.quit());
  await app.register(rateLimit, { global: false, ...(limiterStore ? { redis: limiterStore, nameSpace: 'parta-rl:' } : {}) });
  await app.register(multipart, { limits: { fileSize: ctx.config.limits.maxPhotoBytes, files: 1, fields: 10 } });

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    try {
      await sql`select 1`.execute(ctx.db);
      return { status: 'ready', database: ctx.dbKind };
    } catch (err) {
      ctx.log.warn({ err }, 'readiness check failed');
      return reply.status(503).send({ status: 'unavailable', database: ctx.dbKind });
    }
  });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(async (open) => {
    identityPublicRoutes(open, ctx);
  });
  await app.register(async (scope) => {
    requireAuth(scope, ctx);
    identityRoutes(scope, ctx);
    profileRoutes(scope, ctx);
    directoryRoutes(scope, ctx);
    membershipRoutes(scope, ctx);
    messagingRoutes(scope, ctx);
    filesRoutes(scope, ctx);
    meetingsRoutes(scope, ctx);
    notificationsRoutes(scope, ctx);
  });
  // WebSocket at /api/v1/ws: authenticates inside the socket, so it stays outside the bearer scope.
  await realtimeRoutes(app, ctx);
  // The web client at `/` (after the API, whose routes take precedence).
  await registerWebClient(app);
  return app;
}
