import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  CreateSessionResponse,
  ErrorBody,
  ErrorCodes,
  Id,
  OidcSessionBody,
  OidcStartQuery,
  SchoolOidc,
  SchoolOidcBody,
  SignInMethods,
  type Locale,
} from '@parta/protocol';
import type { AppContext } from '../context.ts';
import { me } from '../http/auth.ts';
import { AppError, requestLocale } from '../http/errors.ts';
import { t } from '../i18n/messages.ts';
import { accessSchool, requireAdmin } from '../directory/access.ts';
import { loadPresentedUser } from './store.ts';
import { BROWSER_COOKIE, COOKIE_PATH, FLOW_TTL_SECONDS, checkProvider, exchangeHandoff, finishFlow, startFlow } from './oidc.ts';
import { deleteSchoolOidc, getSchoolOidc, listProviders, setSchoolOidc } from './oidc-config.ts';

const tags = ['identity'];

function cookieValue(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

function browserCookie(ctx: AppContext, value: string, maxAge: number): string {
  const secure = ctx.config.publicUrl.startsWith('https:') ? '; Secure' : '';
  // Lax: the provider's redirect back is a top-level GET navigation from its site, which Lax allows.
  return `${BROWSER_COOKIE}=${value}; Path=${COOKIE_PATH}; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure}`;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A plain page that says why the sign-in failed, in the person's language (no script, no inline style). */
function errorPage(reply: FastifyReply, error: AppError, locale: Locale) {
  const message = ErrorCodes[error.code][locale];
  const html = `<!doctype html>
<html lang="${locale}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(t(locale, 'signin_failed_title'))} — Parta</title></head>
<body>
<main id="main" data-error-code="${escapeHtml(error.code)}">
<h1>${escapeHtml(t(locale, 'signin_failed_title'))}</h1>
<p>${escapeHtml(message)}</p>
<p><small>${escapeHtml(t(locale, 'signin_error_code', { code: error.code }))}</small></p>
<p><a href="/">${escapeHtml(t(locale, 'signin_back'))}</a></p>
</main>
</body>
</html>
`;
  return reply.status(error.status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html);
}

function device(request: FastifyRequest, deviceName: string | undefined) {
  const ua = request.headers['user-agent'];
  return { deviceName: deviceName ?? null, userAgent: typeof ua === 'string' ? ua.slice(0, 300) : null, ip: request.ip };
}

/** OpenID Connect sign-in: no session needed. Rate-limited per IP. */
export function oidcPublicRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const rateLimit = { max: ctx.config.limits.authPerIpPerMinute, timeWindow: '1 minute' };

  r.get(
    '/api/v1/auth/methods',
    { schema: { tags, summary: 'Ways to sign in besides the SMS code: OpenID Connect providers, passkeys', response: { 200: SignInMethods } } },
    async () => ({ oidc: await listProviders(ctx), passkeys: true }),
  );

  r.get(
    '/api/v1/auth/oidc/start',
    { config: { rateLimit }, schema: { tags, summary: 'Start an OpenID Connect sign-in: a redirect to the provider', querystring: OidcStartQuery } },
    async (request, reply) => {
      const locale = request.query.locale ?? requestLocale(request);
      try {
        const { url, browser } = await startFlow(ctx, request.query.provider, locale);
        return reply
          .status(302)
          .header('set-cookie', browserCookie(ctx, browser, FLOW_TTL_SECONDS))
          .header('cache-control', 'no-store')
          .redirect(url);
      } catch (err) {
        if (err instanceof AppError) return errorPage(reply, err, locale);
        throw err;
      }
    },
  );

  r.get(
    '/api/v1/auth/oidc/callback',
    {
      config: { rateLimit },
      schema: { tags, summary: "The provider's redirect back: on success a redirect into the web client with a one-time hand-off code" },
    },
    async (request, reply) => {
      const query = new URLSearchParams(request.url.split('?')[1] ?? '');
      const result = await finishFlow(ctx, query, cookieValue(request, BROWSER_COOKIE));
      reply.header('set-cookie', browserCookie(ctx, '', 0));
      if (!result.ok) {
        request.log.info({ code: result.error.code }, 'OpenID Connect sign-in refused');
        return errorPage(reply, result.error, result.locale ?? requestLocale(request));
      }
      // In the fragment: it never reaches a server log or a Referer.
      return reply.status(303).header('cache-control', 'no-store').redirect(`/signin/oidc#handoff=${result.handoff}`);
    },
  );

  r.post(
    '/api/v1/auth/oidc/session',
    {
      config: { rateLimit },
      schema: {
        tags,
        summary: 'Exchange the one-time hand-off code for a session token',
        body: OidcSessionBody,
        response: { 200: CreateSessionResponse, 400: ErrorBody },
      },
    },
    async (request) => {
      const session = await exchangeHandoff(ctx, request.body.handoff, device(request, request.body.deviceName));
      const user = await loadPresentedUser(ctx.db, session.userId);
      return { token: session.token, sessionId: session.sessionId, user: user! };
    },
  );
}

/** A school's own provider (admins). */
export function oidcAdminRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const params = z.object({ schoolId: Id });
  r.get(
    '/api/v1/schools/:schoolId/oidc',
    { schema: { tags, summary: "The school's OpenID Connect provider (admin)", params, response: { 200: SchoolOidc, 403: ErrorBody, 404: ErrorBody } } },
    async (request) => {
      requireAdmin(await accessSchool(ctx.db, me(request).user.id, request.params.schoolId));
      return getSchoolOidc(ctx, request.params.schoolId);
    },
  );
  r.put(
    '/api/v1/schools/:schoolId/oidc',
    {
      schema: {
        tags,
        summary: "Set the school's OpenID Connect provider; its discovery document is read first (admin)",
        params,
        body: SchoolOidcBody,
        response: { 200: SchoolOidc, 400: ErrorBody, 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      requireAdmin(await accessSchool(ctx.db, me(request).user.id, request.params.schoolId));
      return setSchoolOidc(ctx, request.params.schoolId, request.body, (p) => checkProvider(ctx, p));
    },
  );
  r.delete(
    '/api/v1/schools/:schoolId/oidc',
    { schema: { tags, summary: "Remove the school's OpenID Connect provider (admin)", params, response: { 204: z.null(), 403: ErrorBody, 404: ErrorBody } } },
    async (request, reply) => {
      requireAdmin(await accessSchool(ctx.db, me(request).user.id, request.params.schoolId));
      await deleteSchoolOidc(ctx, request.params.schoolId);
      return reply.status(204).send(null);
    },
  );
}
