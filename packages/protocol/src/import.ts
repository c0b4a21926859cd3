import { z } from 'zod';
import { Id } from './common.ts';

/** Roster import, export and the year-end rollover (docs/subsystems/import.md). */
export const ImportAction = z.enum(['create', 'change', 'move', 'archive', 'refuse', 'confirm']);
export const ImportRowKind = z.enum(['class', 'person', 'guardian', 'teacher', 'grade', 'subject']);

export const ImportRow = z.object({
  action: ImportAction,
  kind: ImportRowKind,
  name: z.string(),
  /** What happens, or why it is refused, in the reader's language. */
  detail: z.string(),
  /** A stable code for refusals (e.g. bad_date, duplicate_phone). */
  code: z.string().nullable(),
  file: z.string().nullable(),
  line: z.number().int().nullable(),
  column: z.string().nullable(),
  /** For a weak match: the key to send in `confirm` to merge it. */
  key: z.string().nullable(),
});
export type ImportRow = z.infer<typeof ImportRow>;

export const ImportCounts = z.object({
  created: z.number().int(),
  changed: z.number().int(),
  moved: z.number().int(),
  archived: z.number().int(),
  refused: z.number().int(),
  confirm: z.number().int(),
  unchanged: z.number().int(),
});

export const ImportReport = z.object({
  runId: Id.nullable(),
  format: z.enum(['oneroster', 'template']),
  mode: z.enum(['bulk', 'delta']),
  fileName: z.string().nullable(),
  counts: ImportCounts,
  rows: z.array(ImportRow),
  /** False while anything is refused or a weak match awaits confirmation. */
  canApply: z.boolean(),
});
export type ImportReport = z.infer<typeof ImportReport>;

export const ImportApplyBody = z.object({ confirm: z.array(z.string().max(300)).max(10000).default([]) });
export const ImportApplyResult = z.object({ runId: Id, counts: ImportCounts });

export const RolloverPreview = z.object({
  fromYear: z.object({ id: Id, name: z.string() }),
  toYear: z.object({ name: z.string(), startsOn: z.string(), endsOn: z.string() }),
  promote: z.array(z.object({ classId: Id, from: z.string(), to: z.string(), students: z.number().int() })),
  graduate: z.array(z.object({ classId: Id, name: z.string(), students: z.number().int() })),
  lastGrade: z.number().int(),
  /** Sent back with the rollover: refused if the school changed since the preview. */
  hash: z.string(),
});
export type RolloverPreview = z.infer<typeof RolloverPreview>;
export const RolloverBody = z.object({ hash: z.string(), lastGrade: z.number().int().min(1).max(12).optional() });
export const RolloverQuery = z.object({ lastGrade: z.coerce.number().int().min(1).max(12).optional() });
export const RolloverResult = z.object({ yearId: Id, promoted: z.number().int(), graduated: z.number().int() });
