import type { ColumnType, Generated } from 'kysely';
import type { NullableTimestamp } from '../identity/tables.ts';

type Json<T> = ColumnType<T, string, string>;
type Int8 = ColumnType<number, number | bigint, number | bigint>;

export interface MeetingsTable {
  id: Generated<string>;
  school_id: string;
  chat_id: string;
  kind: 'lesson' | 'parents' | 'meeting' | 'call';
  title: string;
  agenda: Json<string[]>;
  starts_at: ColumnType<Date, Date | string, Date | string>;
  duration_minutes: number;
  created_by_person_id: string;
  host_person_id: string;
  locked: Generated<boolean>;
  /** «Выключить звук всем»: who joins later starts muted by the host too. */
  mute_on_entry: Generated<boolean>;
  /** Waiting room: others wait until the host admits them. */
  lobby: Generated<boolean>;
  /** The speaker the host put in the spotlight for everyone (null: none). */
  spotlight_person_id: Generated<string | null>;
  room: Int8;
  room_secret: string;
  room_pin: string;
  message_id: string | null;
  reminded_at: NullableTimestamp;
  started_at: NullableTimestamp;
  ended_at: NullableTimestamp;
  created_at: Generated<Date>;
}

export interface MeetingRsvpsTable {
  meeting_id: string;
  person_id: string;
  answer: 'yes' | 'no';
  updated_at: Generated<Date>;
}

export interface MeetingAttendanceTable {
  id: Generated<string>;
  meeting_id: string;
  person_id: string;
  user_id: string;
  joined_at: Generated<Date>;
  seen_at: Generated<Date>;
  left_at: NullableTimestamp;
  removed: Generated<boolean>;
}

/** What the host decided about a person in a meeting; survives leaving, rejoining and drops. */
export interface MeetingDecisionsTable {
  meeting_id: string;
  person_id: string;
  audio_muted: Generated<boolean>;
  video_stopped: Generated<boolean>;
  removed: Generated<boolean>;
  /** Let in from the waiting room (kept for rejoins). */
  admitted: Generated<boolean>;
  /** Has the host's controls too (granted and revoked by the host). */
  cohost: Generated<boolean>;
  /** The host asked them to turn their microphone on; cleared when they answer. */
  unmute_asked_at: Generated<Date | null>;
  updated_at: Generated<Date>;
}

export interface MeetingLobbyTable {
  meeting_id: string;
  person_id: string;
  since: Generated<Date>;
  seen_at: Generated<Date>;
}

export interface MeetingHandsTable {
  meeting_id: string;
  person_id: string;
  raised_at: Generated<Date>;
}

export interface PollsTable {
  id: Generated<string>;
  school_id: string;
  chat_id: string;
  meeting_id: string | null;
  question: string;
  options: Json<string[]>;
  multiple: boolean;
  anonymous: boolean;
  per_family: boolean;
  closes_at: NullableTimestamp;
  closed_at: NullableTimestamp;
  created_by_person_id: string;
  message_id: string | null;
  created_at: Generated<Date>;
}

export interface PollVotesTable {
  poll_id: string;
  person_id: string;
  family_key: string;
  options: number[];
  created_at: Generated<Date>;
}

export interface PollFamilyVotesTable {
  poll_id: string;
  family_key: string;
  person_id: string;
}

export interface MeetingsTables {
  meetings: MeetingsTable;
  meeting_rsvps: MeetingRsvpsTable;
  meeting_attendance: MeetingAttendanceTable;
  meeting_hands: MeetingHandsTable;
  meeting_decisions: MeetingDecisionsTable;
  meeting_lobby: MeetingLobbyTable;
  polls: PollsTable;
  poll_votes: PollVotesTable;
  poll_family_votes: PollFamilyVotesTable;
}
