import type { Kysely } from 'kysely';
import { runStatements } from '../statements.ts';

/** Files uploaded into chats (the bytes are in BlobStorage; this is their metadata). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    CREATE TABLE files (
      id uuid PRIMARY KEY,
      school_id uuid NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
      chat_id uuid NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
      uploader_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
      uploader_person_id uuid NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
      name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 255),
      content_type text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('file', 'image')),
      size bigint NOT NULL CHECK (size >= 0),
      sha256 text NOT NULL,
      width int,
      height int,
      storage_key text NOT NULL UNIQUE,
      thumbnail_key text UNIQUE,
      attached_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX files_chat_idx ON files (chat_id, created_at);
    CREATE INDEX files_uploader_idx ON files (uploader_user_id, created_at);
    CREATE INDEX files_unattached_idx ON files (created_at) WHERE attached_at IS NULL;
  `,
  );
}
