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

export interface IdentityTables {
  users: UsersTable;
  auth_codes: AuthCodesTable;
  sessions: SessionsTable;
  photos: PhotosTable;
  dev_sms_outbox: DevSmsOutboxTable;
  instance_settings: InstanceSettingsTable;
}
