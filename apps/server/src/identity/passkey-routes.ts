import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CreateSessionResponse, ErrorBody, Passkey, PasskeyList, PasskeyOptionsResponse, PasskeyRegisterBody, PasskeySignInBody } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import { me } from '../http/auth.ts';
import { loadPresentedUser } from './store.ts';
import { authenticationOptions, deletePasskey, listPasskeys, registerPasskey, registrationOptions, signInWithPasskey } from './passkeys.ts';

const tags = ['identity'];

function device(request: FastifyRequest, deviceName: string | undefined) {
  const ua = request.headers['user-agent'];
  return { deviceName: deviceName ?? null, userAgent: typeof ua === 'string' ? ua.slice(0, 300) : null, ip: request.ip };
}

/** Sign-in with a passkey: no session needed. Rate-limited per IP. */
export function passkeyPublicRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const rateLimit = { max: ctx.config.limits.authPerIpPerMinute, timeWindow: '1 minute' };
  r.post(
    '/api/v1/auth/passkey/options',
    {
      config: { rateLimit },
      schema: { tags, summary: 'A challenge to sign in with a passkey (WebAuthn authentication options)', response: { 200: PasskeyOptionsResponse } },
    },
    async () => authenticationOptions(ctx),
  );
  r.post(
    '/api/v1/auth/passkey/session',
    {
      config: { rateLimit },
      schema: {
        tags,
        summary: "Sign in with a passkey: the authenticator's answer to the challenge",
        body: PasskeySignInBody,
        response: { 200: CreateSessionResponse, 400: ErrorBody },
      },
    },
    async (request) => {
      const { challengeId, response, deviceName } = request.body;
      const session = await signInWithPasskey(ctx, challengeId, response, device(request, deviceName));
      const user = await loadPresentedUser(ctx.db, session.userId);
      return { token: session.token, sessionId: session.sessionId, user: user! };
    },
  );
}

/** The signed-in account's passkeys. */
export function passkeyRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/api/v1/passkeys', { schema: { tags, summary: 'My passkeys', response: { 200: PasskeyList } } }, async (request) => ({
    passkeys: await listPasskeys(ctx, me(request).user.id),
  }));
  r.post(
    '/api/v1/passkeys/options',
    { schema: { tags, summary: 'A challenge to add a passkey (WebAuthn registration options)', response: { 200: PasskeyOptionsResponse } } },
    async (request) => registrationOptions(ctx, me(request).user),
  );
  r.post(
    '/api/v1/passkeys',
    {
      schema: {
        tags,
        summary: "Add a passkey: the authenticator's answer to the challenge",
        body: PasskeyRegisterBody,
        response: { 201: Passkey, 400: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const { challengeId, response, name } = request.body;
      return reply.status(201).send(await registerPasskey(ctx, me(request).user, challengeId, response, name ?? null));
    },
  );
  const Params = z.object({
    id: z
      .string()
      .min(1)
      .max(1400)
      .regex(/^[A-Za-z0-9_-]+$/),
  });
  r.delete(
    '/api/v1/passkeys/:id',
    { schema: { tags, summary: 'Delete a passkey', params: Params, response: { 204: z.null(), 404: ErrorBody } } },
    async (request, reply) => {
      await deletePasskey(ctx, me(request).user.id, request.params.id);
      return reply.status(204).send(null);
    },
  );
}
