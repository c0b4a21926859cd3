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
import { registerInputChecks } from './http/input.ts';
import { registerSecurityHeaders } from './http/headers.ts';
import { identityPublicRoutes, identityRoutes } from './identity/routes.ts';
import { profileRoutes } from './identity/profile-routes.ts';
import { oidcAdminRoutes, oidcPublicRoutes } from './identity/oidc-routes.ts';
import { passkeyPublicRoutes, passkeyRoutes } from './identity/passkey-routes.ts';
import { directoryRoutes } from './directory/routes.ts';
import { membershipRoutes } from './membership/routes.ts';
import { messagingRoutes } from './messaging/routes.ts';
import { filesRoutes } from './files/routes.ts';
import { meetingsRoutes } from './meetings/routes.ts';
import { minutesRoutes } from './meetings/minutes-routes.ts';
import { acksRoutes } from './acks/routes.ts';
import { consultationsRoutes } from './consultations/routes.ts';
import { diaryRoutes } from './diary/routes.ts';
import { diarySetupRoutes } from './diary/routes-setup.ts';
import { calendarFeedRoute, calendarRoutes } from './diary/calendar.ts';
import { realtimeRoutes } from './realtime/routes.ts';
import { notificationsRoutes } from './notifications/routes.ts';
import { botApiRoutes, botsRoutes } from './bots/routes.ts';
import { emailPublicRoutes } from './notifications/email.ts';
import { registerWebClient } from './web/static.ts';
import { fallbackStore } from './redis/limiter-store.ts';
import { importRoutes } from './import/routes.ts';

export const API_VERSION = '0.1.0';

/**
 * The HTTP server: thin transport over the domains. Each domain registers its own routes;
 * everything under the authenticated scope needs a live session.
 */
export async function buildApp(ctx: AppContext): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.log as FastifyBaseLogger,
    trustProxy: ctx.config.trustProxy,
    bodyLimit: 1024 * 1024,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);
  registerInputChecks(app);
  await registerSecurityHeaders(app);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Parta API', version: API_VERSION, description: 'The REST API of Parta, a closed communication platform for schools.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  // Per-IP limits live in Redis when several processes serve one site (in memory while it is down), else in memory.
  const limiterRedis = ctx.config.redisUrl
    ? new Redis(ctx.config.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: false })
    : undefined;
  if (limiterRedis) {
    limiterRedis.on('error', () => {}); // reconnects by itself; the store logs the outage
    app.addHook('onClose', async () => void limiterRedis.quit().catch(() => limiterRedis.disconnect()));
  }
  await app.register(rateLimit, { global: false, ...(limiterRedis ? { store: fallbackStore(limiterRedis, ctx.log, 'parta-rl:') } : {}) });
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
    oidcPublicRoutes(open, ctx);
    passkeyPublicRoutes(open, ctx);
    calendarFeedRoute(open, ctx);
    emailPublicRoutes(open, ctx);
  });
  await app.register(async (scope) => {
    requireAuth(scope, ctx);
    identityRoutes(scope, ctx);
    profileRoutes(scope, ctx);
    oidcAdminRoutes(scope, ctx);
    passkeyRoutes(scope, ctx);
    directoryRoutes(scope, ctx);
    membershipRoutes(scope, ctx);
    messagingRoutes(scope, ctx);
    filesRoutes(scope, ctx);
    meetingsRoutes(scope, ctx);
    minutesRoutes(scope, ctx);
    acksRoutes(scope, ctx);
    consultationsRoutes(scope, ctx);
    diarySetupRoutes(scope, ctx);
    diaryRoutes(scope, ctx);
    calendarRoutes(scope, ctx);
    notificationsRoutes(scope, ctx);
    botsRoutes(scope, ctx);
    // Its own scope: the upload body parser (a file as the body) applies to its routes only.
    await scope.register(async (s) => importRoutes(s, ctx));
  });
  // The Telegram-compatible Bot API (/bot<token>/…): the token is the credential (docs/subsystems/bots.md).
  await botApiRoutes(app, ctx);
  // WebSocket at /api/v1/ws: authenticates inside the socket, so it stays outside the bearer scope.
  await realtimeRoutes(app, ctx);
  // The web client at `/` (after the API, whose routes take precedence).
  await registerWebClient(app);
  return app;
}
