import type { Generated } from 'kysely';
import type { NullableTimestamp } from '../identity/tables.ts';

/** Stable integers the Bot API exposes for accounts and chats (one sequence, so they never collide). */
export interface BotNumbersTable {
  num: Generated<number>;
  ref: string;
  kind: 'user' | 'chat';
}

export interface BotsTable {
  id: Generated<string>;
  school_id: string;
  user_id: string;
  person_id: string;
  num: number;
  username: string;
  name: string;
  description: Generated<string>;
  short_description: Generated<string>;
  commands: Generated<unknown>;
  privacy: Generated<boolean>;
  kind: Generated<'custom' | 'helper'>;
  token_hash: string | null;
  token_issued_at: NullableTimestamp;
  webhook_url: string | null;
  webhook_secret: string | null;
  webhook_allowed: unknown;
  webhook_max_connections: Generated<number>;
  webhook_last_error_at: NullableTimestamp;
  webhook_last_error: string | null;
  allowed_updates: unknown;
  last_update_id: Generated<number>;
  created_by: string | null;
  created_at: Generated<Date>;
}

export interface BotUpdatesTable {
  bot_id: string;
  update_id: number;
  type: string;
  payload: unknown;
  state: Generated<'pending' | 'delivered'>;
  attempts: Generated<number>;
  not_before: Generated<Date>;
  created_at: Generated<Date>;
}

export interface BotCursorTable {
  id: number;
  pos: number;
}

export interface BotMarkupTable {
  message_id: string;
  bot_id: string;
  markup: unknown;
}

export interface BotCallbacksTable {
  id: Generated<number>;
  bot_id: string;
  message_id: string;
  chat_id: string;
  user_id: string;
  data: string;
  answered_at: NullableTimestamp;
  created_at: Generated<Date>;
}

export interface HelperFaqTable {
  id: Generated<string>;
  school_id: string;
  topic: string;
  question: string;
  answer: string;
  keywords: Generated<string>;
  position: Generated<number>;
  updated_at: Generated<Date>;
}

export type HelperRequestKind = 'child_on_my_phone' | 'phone_changed' | 'question';

export interface HelperRequestsTable {
  id: Generated<string>;
  school_id: string;
  user_id: string;
  person_id: string | null;
  chat_id: string;
  kind: HelperRequestKind;
  text: Generated<string>;
  new_phone: string | null;
  status: Generated<'open' | 'done' | 'rejected'>;
  answer: string | null;
  invitation_id: string | null;
  decided_by: string | null;
  decided_at: NullableTimestamp;
  created_at: Generated<Date>;
}

export interface BotsTables {
  bot_numbers: BotNumbersTable;
  bots: BotsTable;
  bot_updates: BotUpdatesTable;
  bot_cursor: BotCursorTable;
  bot_markup: BotMarkupTable;
  bot_callbacks: BotCallbacksTable;
  helper_faq: HelperFaqTable;
  helper_requests: HelperRequestsTable;
}
