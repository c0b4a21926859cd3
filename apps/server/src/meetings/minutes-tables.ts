import type { ColumnType, Generated } from 'kysely';

/** One question of a meeting's agenda, with what was said and decided (migration 0230). */
export interface MeetingAgendaItemsTable {
  id: Generated<string>;
  meeting_id: string;
  position: number;
  title: string;
  speaker: Generated<string>;
  minutes: Generated<number>;
  said: Generated<string>;
  decision: Generated<string>;
  updated_at: Generated<Date>;
}

/** Published minutes (протокол): the chat message that carries the PDF and the DOCX. */
export interface MeetingMinutesTable {
  meeting_id: string;
  message_id: string | null;
  pdf_file_id: string | null;
  docx_file_id: string | null;
  published_by_person_id: string;
  published_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface MinutesTables {
  meeting_agenda_items: MeetingAgendaItemsTable;
  meeting_minutes: MeetingMinutesTable;
}
