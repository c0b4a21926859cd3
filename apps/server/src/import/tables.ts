import type { Generated } from 'kysely';
import type { NullableTimestamp } from '../identity/tables.ts';

export interface ImportRunsTable {
  id: Generated<string>;
  school_id: string;
  created_by: string | null;
  format: 'oneroster' | 'template';
  mode: 'bulk' | 'delta';
  file_name: string | null;
  file_sha256: string;
  /** The normalised input (input.ts), as JSON. */
  input: unknown;
  plan_hash: string;
  summary: unknown;
  status: Generated<'planned' | 'applied' | 'refused'>;
  created_at: Generated<Date>;
  applied_at: NullableTimestamp;
}

export interface ImportTables {
  import_runs: ImportRunsTable;
}
