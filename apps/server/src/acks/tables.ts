import type { Generated } from 'kysely';
import type { NullableTimestamp } from '../identity/tables.ts';

/** A message whose readers are asked to confirm «ознакомлен(а)» (migration 0231). */
export interface MessageAckRequestsTable {
  message_id: string;
  chat_id: string;
  requested_by_person_id: string;
  requested_at: Generated<Date>;
  nudged_at: NullableTimestamp;
}

/** One confirmation per family (`student:<id>`) or person (`person:<id>`). */
export interface MessageAcksTable {
  message_id: string;
  unit_key: string;
  person_id: string;
  acked_at: Generated<Date>;
}

export interface AcksTables {
  message_ack_requests: MessageAckRequestsTable;
  message_acks: MessageAcksTable;
}
