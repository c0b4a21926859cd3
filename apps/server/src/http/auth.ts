import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import { authenticate, type AuthContext } from '../identity/service.ts';
import { AppError } from './errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext | null;
  }
}

export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  return m ? m[1]! : null;
}

/** Adds `request.auth` to every request of this scope and refuses those without a live session. */
export function requireAuth(scope: FastifyInstance, ctx: AppContext): void {
  scope.decorateRequest('auth', null);
  scope.addHook('onRequest', async (request) => {
    const token = bearerToken(request);
    const auth = token ? await authenticate(ctx, token) : null;
    if (!auth) throw new AppError('unauthenticated', 401);
    request.auth = auth;
  });
}

/** The signed-in account of a request in an authenticated scope. */
export function me(request: FastifyRequest): AuthContext {
  if (!request.auth) throw new AppError('unauthenticated', 401);
  return request.auth;
}
