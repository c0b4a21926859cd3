import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  CreateSessionBody,
  CreateSessionResponse,
  DevSmsQuery,
  DevSmsResponse,
  ErrorBody,
  Id,
  IdParam,
  RequestCodeBody,
  RequestCodeResponse,
  SessionList,
  SessionPolicy,
  SessionPolicyBody,
} from '@parta/protocol';
import type { AppContext } from '../context.ts';
import { me } from '../http/auth.ts';
import { loadPresentedUser } from './store.ts';
import { normalisePhone } from './phone.ts';
import { listSessions, requestCode, revokeOtherSessions, revokeSession, signIn } from './service.ts';
import { getSessionPolicy, revokeAllSessions, setSessionPolicy } from './sessions.ts';
import { accessSchool, requireAdmin } from '../directory/access.ts';

const tags = ['identity'];

/** Sign-in: no session needed. Rate-limited per IP (per phone inside the service). */
export function identityPublicRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const rateLimit = { max: ctx.config.limits.authPerIpPerMinute, timeWindow: '1 minute' };

  r.post(
    '/api/v1/auth/code',
    {
      config: { rateLimit },
      schema: {
        tags,
        summary: 'Send a one-time sign-in code to a phone',
        body: RequestCodeBody,
        response: { 202: RequestCodeResponse, 400: ErrorBody, 429: ErrorBody, 502: ErrorBody },
      },
    },
    async (request, reply) => reply.status(202).send(await requestCode(ctx, request.body.phone, request.ip)),
  );

  r.post(
    '/api/v1/auth/session',
    {
      config: { rateLimit },
      schema: {
        tags,
        summary: 'Exchange a code for a session token',
        body: CreateSessionBody,
        response: { 200: CreateSessionResponse, 400: ErrorBody, 429: ErrorBody },
      },
    },
    async (request) => {
      const { phone, code, deviceName } = request.body;
      const ua = request.headers['user-agent'];
      const session = await signIn(ctx, phone, code, {
        deviceName: deviceName ?? null,
        userAgent: typeof ua === 'string' ? ua.slice(0, 300) : null,
        ip: request.ip,
      });
      const user = await loadPresentedUser(ctx.db, session.userId);
      return { token: session.token, sessionId: session.sessionId, user: user! };
    },
  );

  if (ctx.config.dev) {
    r.get(
      '/api/v1/dev/sms',
      {
        schema: {
          tags: ['development'],
          summary: 'Development outbox: the texts sent to a phone (PARTA_DEV=1 only)',
          querystring: DevSmsQuery,
          response: { 200: DevSmsResponse },
        },
      },
      async (request) => {
        const phone = normalisePhone(request.query.phone, ctx.config.phoneCountries);
        const rows = await ctx.db.selectFrom('dev_sms_outbox').selectAll().where('phone', '=', phone).orderBy('id', 'desc').limit(20).execute();
        return { messages: rows.map((m) => ({ phone: m.phone, text: m.text, code: m.code, sentAt: m.sent_at.toISOString() })) };
      },
    );
  }
}

/** Sessions of the signed-in account. */
export function identityRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/v1/sessions', { schema: { tags, summary: 'My devices and sessions', response: { 200: SessionList } } }, async (request) => ({
    sessions: await listSessions(ctx, me(request)),
  }));

  r.delete(
    '/api/v1/sessions/:id',
    { schema: { tags, summary: 'Sign a device out', params: IdParam, response: { 204: z.null(), 404: ErrorBody } } },
    async (request, reply) => {
      await revokeSession(ctx, me(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  r.post(
    '/api/v1/sessions/revoke-others',
    { schema: { tags, summary: 'Sign out every other device', response: { 200: z.object({ revoked: z.number() }) } } },
    async (request) => ({ revoked: await revokeOtherSessions(ctx, me(request)) }),
  );

  r.post(
    '/api/v1/sessions/revoke-all',
    { schema: { tags, summary: 'Sign out everywhere: every session of my account, this one included', response: { 200: z.object({ revoked: z.number() }) } } },
    async (request) => ({ revoked: await revokeAllSessions(ctx, me(request).user.id) }),
  );

  const SchoolParams = z.object({ schoolId: Id });
  r.get(
    '/api/v1/schools/:schoolId/session-policy',
    {
      schema: {
        tags,
        summary: "How long the school's sessions live (admin)",
        params: SchoolParams,
        response: { 200: SessionPolicy, 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      requireAdmin(await accessSchool(ctx.db, me(request).user.id, request.params.schoolId));
      return getSessionPolicy(ctx, request.params.schoolId);
    },
  );

  r.put(
    '/api/v1/schools/:schoolId/session-policy',
    {
      schema: {
        tags,
        summary: "Set how long the school's sessions live; null: the installation's default (admin)",
        params: SchoolParams,
        body: SessionPolicyBody,
        response: { 200: SessionPolicy, 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      requireAdmin(await accessSchool(ctx.db, me(request).user.id, request.params.schoolId));
      return setSessionPolicy(ctx, request.params.schoolId, request.body);
    },
  );

  r.post('/api/v1/auth/logout', { schema: { tags, summary: 'Sign this device out', response: { 204: z.null() } } }, async (request, reply) => {
    const auth = me(request);
    await revokeSession(ctx, auth, auth.sessionId);
    return reply.status(204).send(null);
  });
}
