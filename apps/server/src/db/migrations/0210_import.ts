import type { Kysely } from 'kysely';
import { runStatements } from '../statements.ts';

/**
 * Roster import (docs/subsystems/import.md): the id a person or class has in the school's
 * e-journal (`source_id`, unique per school for people and per academic year for classes; sign-in
 * through the e-journal links an account by it), and the runs of an import: the normalised input
 * and the hash of the plan shown in the dry run, which Apply recomputes and compares.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    ALTER TABLE persons ADD COLUMN source_id text;
    CREATE UNIQUE INDEX persons_school_source_uniq ON persons (school_id, source_id) WHERE source_id IS NOT NULL;
    ALTER TABLE classes ADD COLUMN source_id text;
    CREATE UNIQUE INDEX classes_year_source_uniq ON classes (academic_year_id, source_id) WHERE source_id IS NOT NULL;
    CREATE TABLE import_runs (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      school_id uuid NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
      created_by uuid REFERENCES persons(id) ON DELETE SET NULL,
      format text NOT NULL CHECK (format IN ('oneroster', 'template')),
      mode text NOT NULL CHECK (mode IN ('bulk', 'delta')),
      file_name text,
      file_sha256 text NOT NULL,
      input jsonb NOT NULL,
      plan_hash text NOT NULL,
      summary jsonb NOT NULL,
      status text NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'applied', 'refused')),
      created_at timestamptz NOT NULL DEFAULT now(),
      applied_at timestamptz
    );
    CREATE INDEX import_runs_school_idx ON import_runs (school_id, created_at DESC);
  `,
  );
}
