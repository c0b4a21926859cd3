import type { Selectable } from 'kysely';
import type { AppContext } from '../context.ts';
import { AppError } from '../http/errors.ts';
import type { SchoolOidcTable } from './tables.ts';

/**
 * Where OpenID Connect sign-in comes from (docs/subsystems/identity.md): the installation's
 * provider (PARTA_OIDC_*, e.g. the region's identity provider) and each school's own (an admin
 * setting, e.g. the school's e-journal). A provider names the claim that identifies the person and
 * the roster field it is matched against.
 */
export interface OidcProvider {
  /** "installation", or the school's id. */
  id: string;
  /** The roster the claim is matched against: one school's, or (null) every school's. */
  schoolId: string | null;
  schoolName: string | null;
  displayName: string | null;
  issuer: string;
  clientId: string;
  clientSecret: string | null;
  redirectUri: string;
  scopes: string;
  claim: string;
  matchField: 'source_id' | 'phone';
}

export const INSTALLATION_PROVIDER = 'installation';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The redirect URI to register at the provider when none is set: the public URL's callback. */
export function defaultRedirectUri(ctx: AppContext): string {
  return new URL('/api/v1/auth/oidc/callback', ctx.config.publicUrl).toString();
}

function fromSchoolRow(ctx: AppContext, row: Selectable<SchoolOidcTable>, schoolName: string): OidcProvider {
  return {
    id: row.school_id,
    schoolId: row.school_id,
    schoolName,
    displayName: row.display_name,
    issuer: row.issuer,
    clientId: row.client_id,
    clientSecret: row.client_secret,
    redirectUri: row.redirect_uri ?? defaultRedirectUri(ctx),
    scopes: row.scopes,
    claim: row.claim,
    matchField: row.match_field,
  };
}

/** The provider by its id, or null when there is none (or it is switched off). */
export async function findProvider(ctx: AppContext, id: string): Promise<OidcProvider | null> {
  if (id === INSTALLATION_PROVIDER) {
    const o = ctx.config.oidc;
    if (!o) return null;
    const school = o.schoolId ? await ctx.db.selectFrom('schools').select('name').where('id', '=', o.schoolId).executeTakeFirst() : undefined;
    return {
      id: INSTALLATION_PROVIDER,
      schoolId: o.schoolId,
      schoolName: school?.name ?? null,
      displayName: o.displayName,
      issuer: o.issuer,
      clientId: o.clientId,
      clientSecret: o.clientSecret,
      redirectUri: o.redirectUri ?? defaultRedirectUri(ctx),
      scopes: o.scopes,
      claim: o.claim,
      matchField: o.matchField,
    };
  }
  if (!UUID.test(id)) return null;
  const row = await ctx.db
    .selectFrom('school_oidc')
    .innerJoin('schools', 'schools.id', 'school_oidc.school_id')
    .selectAll('school_oidc')
    .select('schools.name as school_name')
    .where('school_oidc.school_id', '=', id)
    .where('school_oidc.enabled', '=', true)
    .executeTakeFirst();
  if (!row) return null;
  const { school_name, ...oidc } = row;
  return fromSchoolRow(ctx, oidc, school_name);
}

/** The providers the sign-in screen offers, installation's first. */
export async function listProviders(ctx: AppContext): Promise<{ id: string; name: string | null; schoolName: string | null }[]> {
  const out: { id: string; name: string | null; schoolName: string | null }[] = [];
  if (ctx.config.oidc) {
    const p = await findProvider(ctx, INSTALLATION_PROVIDER);
    out.push({ id: INSTALLATION_PROVIDER, name: p!.displayName, schoolName: p!.schoolName });
  }
  const rows = await ctx.db
    .selectFrom('school_oidc')
    .innerJoin('schools', 'schools.id', 'school_oidc.school_id')
    .select(['school_oidc.school_id', 'school_oidc.display_name', 'schools.name'])
    .where('school_oidc.enabled', '=', true)
    .orderBy('schools.name')
    .execute();
  for (const r of rows) out.push({ id: r.school_id, name: r.display_name, schoolName: r.name });
  return out;
}

export interface SchoolOidcInput {
  enabled: boolean;
  displayName: string | null;
  issuer: string;
  clientId: string;
  clientSecret?: string | null;
  redirectUri: string | null;
  scopes: string;
  claim: string;
  matchField: 'source_id' | 'phone';
}

function present(ctx: AppContext, row: Selectable<SchoolOidcTable>) {
  return {
    enabled: row.enabled,
    displayName: row.display_name,
    issuer: row.issuer,
    clientId: row.client_id,
    hasClientSecret: row.client_secret !== null,
    redirectUri: row.redirect_uri ?? defaultRedirectUri(ctx),
    scopes: row.scopes,
    claim: row.claim,
    matchField: row.match_field,
    updatedAt: row.updated_at.toISOString(),
  };
}

export async function getSchoolOidc(ctx: AppContext, schoolId: string) {
  const row = await ctx.db.selectFrom('school_oidc').selectAll().where('school_id', '=', schoolId).executeTakeFirst();
  if (!row) throw new AppError('oidc_not_configured', 404);
  return present(ctx, row);
}

/**
 * Stores a school's provider after `check` (the caller's discovery of the issuer) accepts it.
 * An omitted secret keeps the stored one.
 */
export async function setSchoolOidc(ctx: AppContext, schoolId: string, input: SchoolOidcInput, check: (p: OidcProvider) => Promise<void>) {
  const existing = await ctx.db.selectFrom('school_oidc').select('client_secret').where('school_id', '=', schoolId).executeTakeFirst();
  const secret = input.clientSecret === undefined ? (existing?.client_secret ?? null) : input.clientSecret;
  const values = {
    enabled: input.enabled,
    display_name: input.displayName,
    issuer: input.issuer,
    client_id: input.clientId,
    client_secret: secret,
    redirect_uri: input.redirectUri,
    scopes: input.scopes,
    claim: input.claim,
    match_field: input.matchField,
    updated_at: new Date(),
  };
  if (input.enabled) {
    await check({
      id: schoolId,
      schoolId,
      schoolName: null,
      displayName: input.displayName,
      issuer: input.issuer,
      clientId: input.clientId,
      clientSecret: secret,
      redirectUri: input.redirectUri ?? defaultRedirectUri(ctx),
      scopes: input.scopes,
      claim: input.claim,
      matchField: input.matchField,
    });
  }
  const row = await ctx.db
    .insertInto('school_oidc')
    .values({ school_id: schoolId, ...values })
    .onConflict((oc) => oc.column('school_id').doUpdateSet(values))
    .returningAll()
    .executeTakeFirstOrThrow();
  return present(ctx, row);
}

export async function deleteSchoolOidc(ctx: AppContext, schoolId: string): Promise<void> {
  const res = await ctx.db.deleteFrom('school_oidc').where('school_id', '=', schoolId).executeTakeFirst();
  if (Number(res.numDeletedRows) === 0) throw new AppError('oidc_not_configured', 404);
}
