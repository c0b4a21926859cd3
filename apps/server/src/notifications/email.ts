import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody, MyEmail, SetEmailBody } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import type { Queryable } from '../db/schema.ts';
import { AppError, requestLocale } from '../http/errors.ts';
import { me } from '../http/auth.ts';
import { t } from '../i18n/messages.ts';
import { createMailer, type Mailer } from './mail.ts';

/**
 * A guardian's e-mail for digests (digest.ts): set in the profile, verified by a link sent to it
 * (valid 48 h), turned off by the unsubscribe link of any digest (a signed token, no sign-in).
 */
const VERIFY_MS = 48 * 3_600_000;
const tags = ['notifications'];
const errors = { 400: ErrorBody, 404: ErrorBody, 503: ErrorBody };

const hash = (secret: string, token: string) => crypto.createHmac('sha256', secret).update(`email-verify:${token}`).digest('hex');
const base = (ctx: AppContext) => ctx.config.publicUrl.replace(/\/$/, '');

/** The unsubscribe token: the account and an HMAC of it with the instance's secret; it never expires, and is useless for anything else. */
export function unsubscribeToken(secret: string, userId: string): string {
  const sig = crypto.createHmac('sha256', secret).update(`email-unsubscribe:${userId}`).digest('base64url').slice(0, 32);
  return `${userId}.${sig}`;
}

export function checkUnsubscribeToken(secret: string, token: string): string | null {
  const [userId, sig] = token.split('.');
  if (!userId || !sig || !/^[0-9a-f-]{36}$/.test(userId)) return null;
  const want = unsubscribeToken(secret, userId).split('.')[1]!;
  return sig.length === want.length && crypto.timingSafeEqual(Buffer.from(sig), Buffer.from(want)) ? userId : null;
}

export const unsubscribeUrl = (ctx: AppContext, userId: string) =>
  `${base(ctx)}/api/v1/email/unsubscribe?token=${encodeURIComponent(unsubscribeToken(ctx.secret, userId))}`;

export async function myEmail(db: Queryable, userId: string, available: boolean): Promise<MyEmail> {
  const row = await db.selectFrom('user_emails').select(['email', 'verified_at', 'digest']).where('user_id', '=', userId).executeTakeFirst();
  return { email: row?.email ?? null, verified: !!row?.verified_at, digest: row?.digest ?? false, available };
}

/** Sets (or changes) the address: unverified until the link sent to it is opened. The same address again only changes `digest`. */
async function setEmail(ctx: AppContext, mailer: Mailer | null, userId: string, locale: 'ru' | 'en', body: SetEmailBody): Promise<MyEmail> {
  if (!mailer) throw new AppError('email_not_configured', 503);
  const current = await ctx.db.selectFrom('user_emails').selectAll().where('user_id', '=', userId).executeTakeFirst();
  if (current && current.email === body.email) {
    if (body.digest !== undefined)
      await ctx.db.updateTable('user_emails').set({ digest: body.digest, updated_at: new Date() }).where('user_id', '=', userId).execute();
    if (current.verified_at) return myEmail(ctx.db, userId, true);
  }
  const token = crypto.randomBytes(24).toString('base64url');
  const values = {
    email: body.email,
    verified_at: null,
    verify_hash: hash(ctx.secret, token),
    verify_expires_at: new Date(Date.now() + VERIFY_MS),
    digest: body.digest ?? current?.digest ?? true,
    updated_at: new Date(),
  };
  await ctx.db
    .insertInto('user_emails')
    .values({ user_id: userId, ...values })
    .onConflict((oc) => oc.column('user_id').doUpdateSet(values))
    .execute();
  const link = `${base(ctx)}/api/v1/email/verify?token=${token}`;
  await mailer.send({ to: body.email, subject: t(locale, 'email_verify_subject'), text: t(locale, 'email_verify_text', { link }) }).catch((err: unknown) => {
    ctx.log.warn({ err }, 'the verification e-mail was not sent');
  });
  return myEmail(ctx.db, userId, true);
}

/** In the signed-in scope: my address. */
export function emailRoutes(app: FastifyInstance, ctx: AppContext, mailer: Mailer | null = createMailer(ctx.config)): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/api/v1/me/email', { schema: { tags, summary: 'My e-mail for digests of unread messages', response: { 200: MyEmail } } }, async (request) =>
    myEmail(ctx.db, me(request).user.id, !!mailer),
  );
  r.put(
    '/api/v1/me/email',
    {
      schema: {
        tags,
        summary: 'Set my e-mail: a link to verify it is sent there; digests start once it is verified',
        body: SetEmailBody,
        response: { 200: MyEmail, ...errors },
      },
    },
    async (request) => {
      const auth = me(request);
      return setEmail(ctx, mailer, auth.user.id, auth.user.locale === 'en' ? 'en' : 'ru', request.body);
    },
  );
  r.delete('/api/v1/me/email', { schema: { tags, summary: 'Remove my e-mail', response: { 204: z.null() } } }, async (request, reply) => {
    await ctx.db.deleteFrom('user_emails').where('user_id', '=', me(request).user.id).execute();
    return reply.status(204).send(null);
  });
}

/** A short page in the reader's language, with no user content in it. */
const page = (title: string) =>
  `<!doctype html><html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Parta</title></head><body><h1>${title}</h1></body></html>`;

/** Outside the signed-in scope: the links in e-mails work without signing in. */
export function emailPublicRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  // A mail client's one-click unsubscribe posts `List-Unsubscribe=One-Click` as a form: the token is in the URL, the body says nothing more.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1024 }, (_request, _body, done) => done(null, {}));
  const Token = z.object({ token: z.string().min(10).max(200) });
  r.get(
    '/api/v1/email/verify',
    { schema: { tags, summary: 'Confirm an e-mail address (the link sent to it)', querystring: Token } },
    async (request, reply) => {
      const row = await ctx.db
        .updateTable('user_emails')
        .set({ verified_at: new Date(), verify_hash: null, verify_expires_at: null, updated_at: new Date() })
        .where('verify_hash', '=', hash(ctx.secret, request.query.token))
        .where('verify_expires_at', '>', new Date())
        .returning('user_id')
        .executeTakeFirst();
      const locale = requestLocale(request);
      if (!row)
        return reply
          .status(404)
          .type('text/html; charset=utf-8')
          .send(page(t(locale, 'email_link_invalid')));
      return reply.type('text/html; charset=utf-8').send(page(t(locale, 'email_verified')));
    },
  );
  const unsubscribe = async (token: string) => {
    const userId = checkUnsubscribeToken(ctx.secret, token);
    if (!userId) return false;
    await ctx.db.updateTable('user_emails').set({ digest: false, updated_at: new Date() }).where('user_id', '=', userId).execute();
    return true;
  };
  r.get(
    '/api/v1/email/unsubscribe',
    { schema: { tags, summary: 'Stop e-mail digests (the link in each digest; no sign-in)', querystring: Token } },
    async (request, reply) => {
      const locale = requestLocale(request);
      if (!(await unsubscribe(request.query.token)))
        return reply
          .status(404)
          .type('text/html; charset=utf-8')
          .send(page(t(locale, 'email_link_invalid')));
      return reply.type('text/html; charset=utf-8').send(page(t(locale, 'email_unsubscribed')));
    },
  );
  // RFC 8058 one-click: the mail client posts to the same link.
  r.post(
    '/api/v1/email/unsubscribe',
    { schema: { tags, summary: 'One-click unsubscribe (RFC 8058)', querystring: Token, response: { 204: z.null(), 404: ErrorBody } } },
    async (request, reply) => {
      if (!(await unsubscribe(request.query.token))) throw new AppError('email_link_invalid', 404);
      return reply.status(204).send(null);
    },
  );
}
