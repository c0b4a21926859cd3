import type { ColumnType, Generated } from 'kysely';
import type { NullableTimestamp } from '../identity/tables.ts';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

/** A teacher's consultation hours in a chat, cut into slots (migration 0232). */
export interface ConsultationsTable {
  id: Generated<string>;
  school_id: string;
  chat_id: string;
  teacher_person_id: string;
  title: string;
  mode: 'video' | 'in_person';
  place: Generated<string>;
  starts_at: Timestamp;
  ends_at: Timestamp;
  slot_minutes: number;
  cutoff_minutes: number;
  cancelled_at: NullableTimestamp;
  created_at: Generated<Date>;
}

export interface ConsultationSlotsTable {
  id: Generated<string>;
  consultation_id: string;
  starts_at: Timestamp;
  ends_at: Timestamp;
  family_key: string | null;
  booked_by_person_id: string | null;
  booked_at: NullableTimestamp;
  meeting_id: string | null;
  done_at: NullableTimestamp;
}

export interface ConsultationsTables {
  consultations: ConsultationsTable;
  consultation_slots: ConsultationSlotsTable;
}
