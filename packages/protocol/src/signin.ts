import { z } from 'zod';
import { Iso } from './common.ts';

/** Ways to sign in besides the SMS code, for the sign-in screen. */
export const SignInProvider = z.object({
  id: z.string().describe('"installation" or a school id: the value of `provider` in /auth/oidc/start'),
  name: z.string().nullable().describe('What the button calls the provider (null: "the e-journal")'),
  schoolName: z.string().nullable(),
});
export const SignInMethods = z.object({
  oidc: z.array(SignInProvider),
  passkeys: z.boolean(),
});
export type SignInMethods = z.infer<typeof SignInMethods>;

export const OidcStartQuery = z.object({
  provider: z.string().min(1).max(64).default('installation'),
  locale: z.enum(['ru', 'en']).optional(),
});

export const OidcSessionBody = z.object({
  handoff: z.string().min(20).max(200),
  deviceName: z.string().max(100).optional(),
});

/** Which roster field the provider's claim is matched against. */
export const OidcMatchField = z.enum(['source_id', 'phone']);

/** A school's OpenID Connect provider, as the admin sets it. The secret is never sent back. */
export const SchoolOidcBody = z.object({
  enabled: z.boolean().default(true),
  displayName: z.string().trim().min(1).max(100).nullable().default(null),
  issuer: z
    .url({ protocol: /^https?$/ })
    .max(500)
    .describe('The issuer URL; its /.well-known/openid-configuration is read'),
  clientId: z.string().trim().min(1).max(300),
  clientSecret: z.string().min(1).max(500).nullable().optional().describe('Omitted: keep the stored secret; null: a public client (PKCE only)'),
  redirectUri: z
    .url({ protocol: /^https?$/ })
    .max(500)
    .nullable()
    .default(null)
    .describe('Null: <public URL>/api/v1/auth/oidc/callback'),
  scopes: z
    .string()
    .trim()
    .max(300)
    .regex(/^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/, 'space-separated scopes')
    .refine((s) => s.split(' ').includes('openid'), 'must include openid')
    .default('openid'),
  claim: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9_.:-]+$/)
    .default('sub')
    .describe('The ID token or userinfo claim that names the person'),
  matchField: OidcMatchField.default('source_id'),
});
export const SchoolOidc = z.object({
  enabled: z.boolean(),
  displayName: z.string().nullable(),
  issuer: z.string(),
  clientId: z.string(),
  hasClientSecret: z.boolean(),
  redirectUri: z.string().describe('The redirect URI to register at the provider'),
  scopes: z.string(),
  claim: z.string(),
  matchField: OidcMatchField,
  updatedAt: Iso,
});
export type SchoolOidc = z.infer<typeof SchoolOidc>;

/** Passkeys (WebAuthn). Options and responses are the JSON forms of @simplewebauthn (checked there). */
export const PasskeyOptionsResponse = z.object({
  challengeId: z.uuid(),
  options: z.record(z.string(), z.unknown()),
});
export const PasskeyRegisterBody = z.object({
  challengeId: z.uuid(),
  response: z.record(z.string(), z.unknown()),
  name: z.string().trim().min(1).max(100).optional(),
});
export const PasskeySignInBody = z.object({
  challengeId: z.uuid(),
  response: z.record(z.string(), z.unknown()),
  deviceName: z.string().max(100).optional(),
});
export const Passkey = z.object({
  id: z.string(),
  name: z.string(),
  transports: z.array(z.string()),
  backedUp: z.boolean(),
  createdAt: Iso,
  lastUsedAt: Iso.nullable(),
});
export type Passkey = z.infer<typeof Passkey>;
export const PasskeyList = z.object({ passkeys: z.array(Passkey) });
