import type { ColumnType, Generated } from 'kysely';

export type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
export type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface UsersTable {
  id: Generated<string>;
  phone: string;
  last_name: string | null;
  first_name: string | null;
  middle_name: string | null;
  birth_date: string | null;
  photo_id: string | null;
  locale: Generated<'ru' | 'en'>;
  is_operator: Generated<boolean>;
  created_at: Generated<Date>;
}

export interface AuthCodesTable {
  id: Generated<string>;
  phone: string;
  code_hash: string;
  attempts: Generated<number>;
  expires_at: Timestamp;
  consumed_at: NullableTimestamp;
  ip: string | null;
  created_at: Generated<Date>;
}

export interface SessionsTable {
  id: Generated<string>;
  user_id: string;
  token_hash: string;
  device_name: string | null;
  user_agent: string | null;
  ip: string | null;
  created_at: Generated<Date>;
  last_seen_at: Generated<Date>;
  revoked_at: NullableTimestamp;
}

export interface PhotosTable {
  id: Generated<string>;
  user_id: string;
  sizes: number[];
  content_type: string;
  created_at: Generated<Date>;
}

export interface DevSmsOutboxTable {
  id: Generated<number>;
  phone: string;
  text: string;
  code: string | null;
  sent_at: Generated<Date>;
}

export interface InstanceSettingsTable {
  key: string;
  value: string;
}

/** A school's OpenID Connect provider (identity/oidc-config.ts). */
export interface SchoolOidcTable {
  school_id: string;
  enabled: Generated<boolean>;
  display_name: string | null;
  issuer: string;
  client_id: string;
  client_secret: string | null;
  redirect_uri: string | null;
  scopes: Generated<string>;
  claim: Generated<string>;
  match_field: Generated<'source_id' | 'phone'>;
  updated_at: Generated<Date>;
}

export interface OidcFlowsTable {
  state_hash: string;
  provider: string;
  browser_hash: string;
  nonce: string;
  code_verifier: string;
  locale: Generated<'ru' | 'en'>;
  expires_at: Timestamp;
  consumed_at: NullableTimestamp;
  created_at: Generated<Date>;
}

export interface OidcHandoffsTable {
  code_hash: string;
  user_id: string;
  provider: string;
  expires_at: Timestamp;
  consumed_at: NullableTimestamp;
  created_at: Generated<Date>;
}

export interface PasskeysTable {
  id: string;
  user_id: string;
  public_key: Uint8Array;
  counter: ColumnType<string | number | bigint, number | undefined, number>;
  transports: Generated<string[]>;
  device_type: Generated<string>;
  backed_up: Generated<boolean>;
  name: string;
  created_at: Generated<Date>;
  last_used_at: NullableTimestamp;
}

export interface WebauthnChallengesTable {
  id: Generated<string>;
  purpose: 'register' | 'authenticate';
  user_id: string | null;
  challenge: string;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  created_at: Generated<Date>;
}

export interface IdentityTables {
  users: UsersTable;
  auth_codes: AuthCodesTable;
  sessions: SessionsTable;
  photos: PhotosTable;
  dev_sms_outbox: DevSmsOutboxTable;
  instance_settings: InstanceSettingsTable;
  school_oidc: SchoolOidcTable;
  oidc_flows: OidcFlowsTable;
  oidc_handoffs: OidcHandoffsTable;
  passkeys: PasskeysTable;
  webauthn_challenges: WebauthnChallengesTable;
}
