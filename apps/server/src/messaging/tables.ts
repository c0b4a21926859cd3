import type { ColumnType, Generated } from 'kysely';
import type { NullableTimestamp } from '../identity/tables.ts';

export type ChatKind = 'class' | 'parents' | 'parents_only' | 'staff' | 'group' | 'direct' | 'school_channel' | 'class_channel';
type Json<T> = ColumnType<T, string, string>;
type Int8 = ColumnType<number, number | bigint | undefined, number | bigint>;

export interface ChatsTable {
  id: Generated<string>;
  school_id: string;
  kind: ChatKind;
  class_id: string | null;
  title: string | null;
  direct_key: string | null;
  created_by: string | null;
  last_seq: Generated<number>;
  pinned_message_id: string | null;
  archived_at: NullableTimestamp;
  created_at: Generated<Date>;
}

export interface ChatMembersTable {
  chat_id: string;
  person_id: string;
  user_id: string;
  role: Generated<'member' | 'moderator'>;
  last_read_seq: Generated<number>;
  joined_at: Generated<Date>;
  left_at: NullableTimestamp;
}

export interface MessagesTable {
  id: Generated<string>;
  chat_id: string;
  seq: Int8;
  author_user_id: string | null;
  author_person_id: string;
  author_roles: string[];
  author_staff: boolean;
  client_id: string;
  text: string;
  entities: Json<unknown[]>;
  reply_to_id: string | null;
  forward_from: ColumnType<unknown | null, string | null, string | null>;
  attachments: Json<unknown[]>;
  attachment_ids: string[];
  has_attachments: ColumnType<boolean, never, never>;
  search: ColumnType<string, never, never>;
  edited_at: NullableTimestamp;
  deleted_at: NullableTimestamp;
  created_at: Generated<Date>;
}

export interface MessageReactionsTable {
  message_id: string;
  user_id: string;
  emoji: string;
  created_at: Generated<Date>;
}

export interface StreamStateTable {
  id: number;
  head: Int8;
  floor: Int8;
}

export interface ChatEventsTable {
  pos: Int8;
  chat_id: string;
  type: string;
  payload: Json<Record<string, unknown>>;
  created_at: Generated<Date>;
}

export interface UserEventsTable {
  pos: Int8;
  user_id: string;
  type: string;
  payload: Json<Record<string, unknown>>;
  created_at: Generated<Date>;
}

export interface MessagingPoliciesTable {
  school_id: string;
  student_direct: Generated<'classmates_and_teachers' | 'teachers' | 'classmates' | 'none'>;
  guardian_direct: Generated<'teachers_and_guardians' | 'teachers' | 'none'>;
  teacher_student_direct: Generated<boolean>;
  updated_at: Generated<Date>;
}

export interface WorkingHoursTable {
  user_id: string;
  timezone: string;
  start_minute: number;
  end_minute: number;
  days: Generated<number[]>;
  updated_at: Generated<Date>;
}

export interface NotificationDecisionsTable {
  message_id: string;
  chat_id: string;
  notify: string[];
  quiet: string[];
  created_at: Generated<Date>;
}

export interface MessagingTables {
  chats: ChatsTable;
  chat_members: ChatMembersTable;
  messages: MessagesTable;
  message_reactions: MessageReactionsTable;
  stream_state: StreamStateTable;
  chat_events: ChatEventsTable;
  user_events: UserEventsTable;
  messaging_policies: MessagingPoliciesTable;
  working_hours: WorkingHoursTable;
  notification_decisions: NotificationDecisionsTable;
}
