import type { Kysely } from 'kysely';
import { runStatements } from '../statements.ts';

/**
 * Sign-in without SMS (docs/subsystems/identity.md): a school's OpenID Connect provider (the
 * e-journal or the region's identity provider), the flows under way (state, nonce, PKCE verifier,
 * bound to the browser that started them) and the one-time hand-offs that turn a finished flow
 * into a session; passkeys (WebAuthn credentials) and their single-use challenges.
 *
 * An OpenID Connect claim may be matched against `persons.source_id`, the person's id in the
 * school's e-journal, which the roster import stores (0210_import).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `

    CREATE TABLE school_oidc (
      school_id uuid PRIMARY KEY REFERENCES schools(id) ON DELETE CASCADE,
      enabled boolean NOT NULL DEFAULT true,
      display_name text,
      issuer text NOT NULL,
      client_id text NOT NULL,
      client_secret text,
      redirect_uri text,
      scopes text NOT NULL DEFAULT 'openid',
      claim text NOT NULL DEFAULT 'sub',
      match_field text NOT NULL DEFAULT 'source_id' CHECK (match_field IN ('source_id','phone')),
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE oidc_flows (
      state_hash text PRIMARY KEY,
      provider text NOT NULL,
      browser_hash text NOT NULL,
      nonce text NOT NULL,
      code_verifier text NOT NULL,
      locale text NOT NULL DEFAULT 'ru',
      expires_at timestamptz NOT NULL,
      consumed_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX oidc_flows_expires_idx ON oidc_flows (expires_at);

    CREATE TABLE oidc_handoffs (
      code_hash text PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      provider text NOT NULL,
      expires_at timestamptz NOT NULL,
      consumed_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE passkeys (
      id text PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      public_key bytea NOT NULL,
      counter bigint NOT NULL DEFAULT 0,
      transports text[] NOT NULL DEFAULT '{}',
      device_type text NOT NULL DEFAULT 'singleDevice',
      backed_up boolean NOT NULL DEFAULT false,
      name text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_used_at timestamptz
    );
    CREATE INDEX passkeys_user_idx ON passkeys (user_id);

    CREATE TABLE webauthn_challenges (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      purpose text NOT NULL CHECK (purpose IN ('register','authenticate')),
      user_id uuid REFERENCES users(id) ON DELETE CASCADE,
      challenge text NOT NULL,
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX webauthn_challenges_expires_idx ON webauthn_challenges (expires_at);
  `,
  );
}
