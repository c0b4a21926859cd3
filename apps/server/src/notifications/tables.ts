import type { Generated } from 'kysely';
import type { NullableTimestamp, Timestamp } from '../identity/tables.ts';

export type NotifyLevel = 'all' | 'important' | 'none';

/** A device's Web Push subscription: one per session. */
export interface PushSubscriptionsTable {
  id: Generated<string>;
  user_id: string;
  session_id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  level: Generated<NotifyLevel>;
  muted_until: NullableTimestamp;
  expires_at: Timestamp;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/** One push to one device for one event (or one chat's summary after quiet hours): the outbox. */
export interface PushDeliveriesTable {
  id: Generated<string>;
  subscription_id: string;
  user_id: string;
  event_key: string;
  kind: string;
  chat_id: string | null;
  message_id: string | null;
  count: Generated<number>;
  urgent: Generated<boolean>;
  not_before: Generated<Date>;
  state: Generated<'pending' | 'sent' | 'failed'>;
  attempts: Generated<number>;
  claimed_until: NullableTimestamp;
  last_error: string | null;
  sent_at: NullableTimestamp;
  created_at: Generated<Date>;
  /** What a delivery that is not a message is about (a diary event), as `DeliveryDetails`. */
  details: unknown | null;
}

export interface NotificationCursorTable {
  id: number;
  pos: number;
}

export interface ChatNotificationSettingsTable {
  user_id: string;
  chat_id: string;
  level: Generated<NotifyLevel>;
  muted_until: NullableTimestamp;
  updated_at: Generated<Date>;
}

export interface NotificationPoliciesTable {
  school_id: string;
  quiet_start_minute: number | null;
  quiet_end_minute: number | null;
  urgent_per_day: Generated<number>;
  urgent_sms_per_day: Generated<number>;
  invite_sms_per_day: Generated<number>;
  /** Chat kinds whose messages an e-mail digest only counts, never quotes. */
  private_kinds: Generated<string[]>;
  updated_at: Generated<Date>;
}

export interface UrgentMarksTable {
  message_id: string;
  chat_id: string;
  school_id: string;
  person_id: string;
  reason: string;
  created_at: Generated<Date>;
}

export interface UrgentSmsTable {
  message_id: string;
  user_id: string;
  school_id: string;
  created_at: Generated<Date>;
}

export interface SchoolAuditLogTable {
  id: Generated<string>;
  school_id: string;
  actor_person_id: string | null;
  action: string;
  details: string;
  created_at: Generated<Date>;
}

export interface InviteSmsTable {
  id: Generated<string>;
  school_id: string;
  person_id: string;
  chat_id: string | null;
  sent_by: string | null;
  created_at: Generated<Date>;
}

export interface UserEmailsTable {
  user_id: string;
  email: string;
  verified_at: NullableTimestamp;
  verify_hash: string | null;
  verify_expires_at: NullableTimestamp;
  digest: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface EmailDigestsTable {
  id: Generated<string>;
  user_id: string;
  email: string;
  since: Timestamp;
  up_to: Timestamp;
  messages: number;
  state: Generated<'pending' | 'sent' | 'failed'>;
  attempts: Generated<number>;
  next_try_at: Generated<Date>;
  last_error: string | null;
  sent_at: NullableTimestamp;
  created_at: Generated<Date>;
}

export interface NotificationsTables {
  push_subscriptions: PushSubscriptionsTable;
  push_deliveries: PushDeliveriesTable;
  notification_cursor: NotificationCursorTable;
  chat_notification_settings: ChatNotificationSettingsTable;
  notification_policies: NotificationPoliciesTable;
  urgent_marks: UrgentMarksTable;
  urgent_sms: UrgentSmsTable;
  school_audit_log: SchoolAuditLogTable;
  invite_sms: InviteSmsTable;
  user_emails: UserEmailsTable;
  email_digests: EmailDigestsTable;
}
