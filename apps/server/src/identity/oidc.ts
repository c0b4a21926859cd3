import crypto from 'node:crypto';
import { sql } from 'kysely';
import * as client from 'openid-client';
import type { Locale } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import type { Tx } from '../db/schema.ts';
import { AppError } from '../http/errors.ts';
import { checkLinkable, doLink } from '../membership/linking.ts';
import { normalisePhone } from './phone.ts';
import { findProvider, type OidcProvider } from './oidc-config.ts';
import { doCreateSession, type DeviceInfo } from './sessions.ts';
import { findUserById, upsertUserByPhone, type UserRow } from './store.ts';
import { hashToken } from './tokens.ts';
import type { Outbox } from '../stream/outbox.ts';
import { withOutbox } from '../stream/transaction.ts';

/**
 * Sign-in through an OpenID Connect provider (docs/subsystems/identity.md): the authorization
 * code flow with PKCE, state and nonce. The flow's secrets stay on the server, bound to the
 * browser that started it by an HttpOnly cookie; the finished flow becomes a one-time hand-off
 * code that the web client exchanges for the same session as an SMS sign-in.
 */

export const FLOW_TTL_SECONDS = 10 * 60;
export const HANDOFF_TTL_SECONDS = 2 * 60;
export const BROWSER_COOKIE = 'parta_oidc';
export const COOKIE_PATH = '/api/v1/auth/oidc';

const DISCOVERY_TTL_MS = 10 * 60_000;
const discovered = new Map<string, { at: number; config: Promise<client.Configuration> }>();

/** Plain HTTP to the provider only on the machine itself or in development (tests, a local provider). */
function insecureAllowed(ctx: AppContext, issuer: URL): boolean {
  return issuer.protocol === 'http:' && (ctx.config.dev || ['localhost', '127.0.0.1', '[::1]'].includes(issuer.hostname));
}

/** The provider's metadata (discovery), cached for ten minutes; a failure is not cached. */
export async function clientConfig(ctx: AppContext, p: OidcProvider): Promise<client.Configuration> {
  const key = JSON.stringify([p.issuer, p.clientId, p.clientSecret]);
  const hit = discovered.get(key);
  if (hit && Date.now() - hit.at < DISCOVERY_TTL_MS) return hit.config;
  const issuer = new URL(p.issuer);
  if (issuer.protocol === 'http:' && !insecureAllowed(ctx, issuer)) throw new AppError('oidc_config_invalid', 400, { reason: 'the issuer must be https' });
  const auth = p.clientSecret ? client.ClientSecretBasic(p.clientSecret) : client.None();
  const config = client
    .discovery(issuer, p.clientId, { redirect_uris: [p.redirectUri], response_types: ['code'] }, auth, {
      execute: insecureAllowed(ctx, issuer) ? [client.allowInsecureRequests] : [],
      timeout: 10,
    })
    .catch((err: unknown) => {
      discovered.delete(key);
      ctx.log.warn({ err, issuer: p.issuer }, 'OpenID Connect discovery failed');
      throw new AppError('oidc_provider_unavailable', 502);
    });
  discovered.set(key, { at: Date.now(), config });
  return config;
}

/** Checks a provider an admin is saving: its discovery document must be readable and name this issuer. */
export async function checkProvider(ctx: AppContext, p: OidcProvider): Promise<void> {
  try {
    await clientConfig(ctx, p);
  } catch (err) {
    if (err instanceof AppError && err.code === 'oidc_provider_unavailable') throw new AppError('oidc_config_invalid', 400, { reason: 'discovery failed' });
    throw err;
  }
}

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

/** Starts a flow: the provider's authorization URL, and the browser-binding value to set as a cookie. */
export async function startFlow(ctx: AppContext, providerId: string, locale: Locale): Promise<{ url: string; browser: string }> {
  const p = await findProvider(ctx, providerId);
  if (!p) throw new AppError('oidc_not_configured', 404);
  const config = await clientConfig(ctx, p);
  const state = client.randomState();
  const nonce = client.randomNonce();
  const verifier = client.randomPKCECodeVerifier();
  const browser = crypto.randomBytes(32).toString('base64url');
  await ctx.db
    .insertInto('oidc_flows')
    .values({
      state_hash: sha256(state),
      provider: p.id,
      browser_hash: sha256(browser),
      nonce,
      code_verifier: verifier,
      locale,
      expires_at: new Date(Date.now() + FLOW_TTL_SECONDS * 1000),
    })
    .execute();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: p.redirectUri,
    scope: p.scopes,
    state,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  return { url: url.href, browser };
}

export type CallbackResult = { ok: true; handoff: string; locale: Locale } | { ok: false; error: AppError; locale: Locale | null };

/**
 * The provider's answer: checks the state against a flow this browser started, exchanges the
 * code (PKCE verifier, nonce and the ID token checked by openid-client), maps the claim to a
 * roster person and returns a one-time hand-off code for the account.
 */
export async function finishFlow(ctx: AppContext, query: URLSearchParams, browser: string | undefined): Promise<CallbackResult> {
  const state = query.get('state');
  if (!state) return { ok: false, error: new AppError('oidc_state_mismatch', 400), locale: null };
  const flow = await ctx.db.selectFrom('oidc_flows').selectAll().where('state_hash', '=', sha256(state)).executeTakeFirst();
  if (!flow) return { ok: false, error: new AppError('oidc_state_mismatch', 400), locale: null };
  const locale = flow.locale;
  const fail = (code: ConstructorParameters<typeof AppError>[0], status: number, details?: unknown): CallbackResult => ({
    ok: false,
    error: new AppError(code, status, details),
    locale,
  });
  if (!browser || sha256(browser) !== flow.browser_hash) return fail('oidc_state_mismatch', 400);
  if (flow.expires_at.getTime() <= Date.now()) return fail('oidc_flow_expired', 400);
  // Single use: a replayed answer finds the flow consumed.
  const consumed = await ctx.db
    .updateTable('oidc_flows')
    .set({ consumed_at: new Date() })
    .where('state_hash', '=', flow.state_hash)
    .where('consumed_at', 'is', null)
    .returning('state_hash')
    .executeTakeFirst();
  if (!consumed) return fail('oidc_state_mismatch', 400);

  const providerError = query.get('error');
  if (providerError) return fail('oidc_provider_error', 400, { error: providerError.slice(0, 100) });

  const p = await findProvider(ctx, flow.provider);
  if (!p) return fail('oidc_not_configured', 404);
  try {
    const config = await clientConfig(ctx, p);
    const currentUrl = new URL(p.redirectUri);
    currentUrl.search = query.toString();
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, currentUrl, {
        pkceCodeVerifier: flow.code_verifier,
        expectedState: state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      ctx.log.warn({ err, provider: p.id }, 'OpenID Connect code exchange refused');
      return fail('oidc_provider_error', 400);
    }
    const claims: Record<string, unknown> = { ...tokens.claims() };
    if (claims[p.claim] === undefined && tokens.access_token) {
      // Claims asked for by scope come from the userinfo endpoint (not every provider puts them in the ID token).
      try {
        Object.assign(claims, await client.fetchUserInfo(config, tokens.access_token, String(claims.sub)), { sub: claims.sub });
      } catch (err) {
        ctx.log.warn({ err, provider: p.id }, 'OpenID Connect userinfo refused');
        return fail('oidc_provider_error', 400);
      }
    }
    const value = claimValue(claims, p.claim);
    if (value === null) return fail('oidc_claim_missing', 403, { claim: p.claim });
    const userId = await withOutbox(ctx, (trx, outbox) => doResolveAccount(ctx, trx, outbox, p, value));
    const handoff = crypto.randomBytes(32).toString('base64url');
    await ctx.db
      .insertInto('oidc_handoffs')
      .values({ code_hash: hashToken(handoff), user_id: userId, provider: p.id, expires_at: new Date(Date.now() + HANDOFF_TTL_SECONDS * 1000) })
      .execute();
    return { ok: true, handoff, locale };
  } catch (err) {
    if (err instanceof AppError) return { ok: false, error: err, locale };
    throw err;
  }
}

/** The claim as text; a phone-number claim the provider says is not verified counts as missing. */
function claimValue(claims: Record<string, unknown>, name: string): string | null {
  const v = claims[name];
  if (claims[`${name}_verified`] === false) return null;
  if (typeof v === 'string' && v.trim() !== '') return v.trim();
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

/**
 * The account of the roster person (or persons, across schools) the claim names. A person already
 * linked gives their account; otherwise the account of the person's roster phone, created if need
 * be, is linked to them by the roster's usual rules. Different accounts or phones: refused.
 */
export async function doResolveAccount(ctx: AppContext, trx: Tx, outbox: Outbox, p: OidcProvider, value: string): Promise<string> {
  let q = trx.selectFrom('persons').selectAll().where('archived_at', 'is', null);
  if (p.schoolId) q = q.where('school_id', '=', p.schoolId);
  if (p.matchField === 'phone') {
    let phone: string;
    try {
      phone = normalisePhone(value, ctx.config.phoneCountries);
    } catch {
      throw new AppError('oidc_person_unknown', 403);
    }
    q = q.where('phone', '=', phone);
  } else {
    // persons.source_id (migration 0220; the roster import fills it) is not in the shared row type.
    q = q.where(sql<boolean>`persons.source_id = ${value}`);
  }
  const persons = await q.execute();
  if (persons.length === 0) throw new AppError('oidc_person_unknown', 403);

  const accounts = [...new Set(persons.map((x) => x.user_id).filter((x): x is string => x !== null))];
  if (accounts.length > 1) throw new AppError('oidc_person_ambiguous', 409);
  let user: UserRow | undefined;
  if (accounts.length === 1) {
    user = await findUserById(trx, accounts[0]!);
  } else {
    const phones = [...new Set(persons.map((x) => x.phone).filter((x): x is string => x !== null))];
    if (phones.length === 0) throw new AppError('oidc_person_no_phone', 403);
    if (phones.length > 1) throw new AppError('oidc_person_ambiguous', 409);
    user = await upsertUserByPhone(trx, phones[0]!);
  }
  if (!user) throw new AppError('oidc_person_unknown', 403);

  let linked = persons.filter((x) => x.user_id === user.id).length;
  let refusal: AppError | null = null;
  for (const person of persons) {
    if (person.user_id) continue;
    try {
      await checkLinkable(trx, person, user);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      ctx.log.warn({ personId: person.id, userId: user.id, reason: err.code }, 'roster person not linked at OpenID Connect sign-in');
      refusal = err;
      continue;
    }
    await doLink(ctx, trx, outbox, person, user);
    linked++;
  }
  // Signed in only as someone the provider named: if none of them could be linked, refuse why.
  if (linked === 0) throw refusal ?? new AppError('oidc_person_unknown', 403);
  return user.id;
}

/** Exchanges a hand-off code (once, within two minutes) for a session. */
export async function exchangeHandoff(ctx: AppContext, handoff: string, device: DeviceInfo) {
  return ctx.db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('oidc_handoffs')
      .set({ consumed_at: new Date() })
      .where('code_hash', '=', hashToken(handoff))
      .where('consumed_at', 'is', null)
      .where('expires_at', '>', new Date())
      .returning('user_id')
      .executeTakeFirst();
    if (!row) throw new AppError('oidc_handoff_invalid', 400);
    return doCreateSession(trx, row.user_id, device);
  });
}

/** Flows, hand-offs and passkey challenges past their time (maintenance). */
export async function pruneSignInState(ctx: AppContext, now = new Date()): Promise<void> {
  const before = new Date(now.getTime() - 86_400_000);
  await ctx.db.deleteFrom('oidc_flows').where('expires_at', '<', before).execute();
  await ctx.db.deleteFrom('oidc_handoffs').where('expires_at', '<', before).execute();
  await ctx.db.deleteFrom('webauthn_challenges').where('expires_at', '<', before).execute();
}
