import type { ColumnType, Generated } from 'kysely';
import type { NullableTimestamp } from '../identity/tables.ts';

type Int8 = ColumnType<number, number | bigint, number | bigint>;

/** A file uploaded into a chat. Its bytes live in BlobStorage under `storage_key`, never under its name. */
export interface FilesTable {
  id: string;
  school_id: string;
  chat_id: string;
  uploader_user_id: string | null;
  uploader_person_id: string;
  /** The original file name, cleaned: metadata shown to people, never a path. */
  name: string;
  content_type: string;
  kind: 'file' | 'image';
  size: Int8;
  sha256: string;
  width: number | null;
  height: number | null;
  storage_key: string;
  thumbnail_key: string | null;
  /** Set when the uploader attaches it to a message; a file is attached once. */
  attached_at: NullableTimestamp;
  created_at: Generated<Date>;
}

export interface FilesTables {
  files: FilesTable;
}
