import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import type { ImportReport, Locale } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import type { SchoolAccess } from '../directory/access.ts';
import { AppError } from '../http/errors.ts';
import { announceRevoked } from '../identity/sessions.ts';
import { issueText } from '../i18n/import.ts';
import { doApplyPlan } from './apply.ts';
import { readOneRoster } from './formats/oneroster.ts';
import { readTemplate } from './formats/template.ts';
import type { ImportInput } from './input.ts';
import { computePlan, planHash } from './plan.ts';
import { planCounts, reportRows } from './report.ts';
import { ImportRefusal } from './text.ts';
import { ZipReader } from './zip.ts';
import { withOutbox } from '../stream/transaction.ts';

export const MAX_IMPORT_BYTES = 30 * 1024 * 1024;

/** Which reader a file needs, from its first bytes (and, for a zip, its entries). */
async function detectFormat(buffer: Buffer): Promise<'oneroster' | 'xlsx' | 'csv'> {
  if (buffer.length >= 4 && buffer.readUInt32LE(0) === 0x04034b50) {
    const zip = await ZipReader.open(buffer, 'zip');
    try {
      if (zip.has('manifest.csv') || zip.has('users.csv')) return 'oneroster';
      if ([...zip.entries.values()].some((e) => e.fileName === 'xl/workbook.xml')) return 'xlsx';
    } finally {
      zip.close();
    }
    throw new AppError('import_format_unknown', 415);
  }
  return 'csv';
}

export async function readInput(ctx: AppContext, buffer: Buffer, fileName: string): Promise<ImportInput> {
  const kind = await detectFormat(buffer);
  const countries = ctx.config.phoneCountries;
  if (kind === 'oneroster') return readOneRoster(buffer, fileName, countries);
  return readTemplate(kind, Readable.from([buffer]), fileName, countries);
}

const noCounts = { created: 0, changed: 0, moved: 0, archived: 0, refused: 1, confirm: 0, unchanged: 0 };

/**
 * The dry run: reads the file, plans it against the roster as it is, stores the input and the
 * plan's hash as a run, and reports — writing nothing to the roster.
 */
export async function dryRun(
  ctx: AppContext,
  access: SchoolAccess,
  buffer: Buffer,
  fileName: string | null,
  locale: Locale,
  full = false,
): Promise<ImportReport> {
  const name = fileName ?? 'import';
  let input: ImportInput;
  try {
    input = await readInput(ctx, buffer, name);
    // A template lists the whole school only when the admin says so; otherwise it adds and changes,
    // and nobody leaves. A OneRoster manifest says bulk or delta itself.
    if (input.format === 'template' && !full) {
      input.mode = 'delta';
      input.coveredRoles = [];
    }
  } catch (err) {
    if (!(err instanceof ImportRefusal)) throw err;
    const r = err.issue;
    return {
      runId: null,
      format: name.toLowerCase().endsWith('.zip') ? 'oneroster' : 'template',
      mode: 'bulk',
      fileName,
      counts: noCounts,
      rows: [
        {
          action: 'refuse',
          kind: 'person',
          name: '',
          detail: issueText(locale, r.code, r.params),
          code: r.code,
          file: r.ref.file,
          line: r.ref.line || null,
          column: r.ref.column ?? null,
          key: null,
        },
      ],
      canApply: false,
    };
  }
  // Dry runs hold people's data: those never applied are kept for a day.
  await ctx.db
    .deleteFrom('import_runs')
    .where('school_id', '=', access.schoolId)
    .where('status', '!=', 'applied')
    .where('created_at', '<', new Date(Date.now() - 24 * 3600 * 1000))
    .execute();
  const { plan, labels } = await computePlan(ctx.db, access.schoolId, input);
  const hash = planHash(plan);
  const counts = planCounts(plan);
  const canApply = plan.refusals.length === 0;
  const run = await ctx.db
    .insertInto('import_runs')
    .values({
      school_id: access.schoolId,
      created_by: access.person.id,
      format: input.format,
      mode: input.mode,
      file_name: fileName,
      file_sha256: crypto.createHash('sha256').update(buffer).digest('hex'),
      input: JSON.stringify(input),
      plan_hash: hash,
      summary: JSON.stringify(counts),
      status: canApply ? 'planned' : 'refused',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return {
    runId: run.id,
    format: input.format,
    mode: input.mode,
    fileName,
    counts,
    rows: reportRows(plan, locale, labels),
    canApply: canApply && plan.weak.length === 0,
  };
}

/**
 * Apply: the same input planned again inside one transaction; refused if the plan differs from
 * the dry run's (the roster changed meanwhile), if anything is refused, or if a weak match is
 * not confirmed. Either all of it is written or nothing.
 */
export async function applyRun(ctx: AppContext, access: SchoolAccess, runId: string, confirm: string[]) {
  const result = await withOutbox(ctx, async (trx, outbox) => {
    const run = await trx.selectFrom('import_runs').selectAll().where('id', '=', runId).where('school_id', '=', access.schoolId).forUpdate().executeTakeFirst();
    if (!run || run.status !== 'planned') throw new AppError('import_run_not_found', 404);
    const input = (typeof run.input === 'string' ? JSON.parse(run.input) : run.input) as ImportInput;
    const base = await computePlan(trx, access.schoolId, input);
    if (planHash(base.plan) !== run.plan_hash) throw new AppError('import_stale', 409);
    const { plan } = confirm.length ? await computePlan(trx, access.schoolId, input, new Set(confirm)) : base;
    if (plan.refusals.length) throw new AppError('import_refused', 422, { refused: plan.refusals.length });
    if (plan.weak.length) throw new AppError('import_unconfirmed', 409, { keys: plan.weak.map((w) => w.key) });
    const revoked = await doApplyPlan(ctx, trx, outbox, access.schoolId, plan);
    await trx.updateTable('import_runs').set({ status: 'applied', applied_at: new Date() }).where('id', '=', runId).execute();
    return { revoked, counts: planCounts(plan) };
  });
  await announceRevoked(ctx, result.revoked);
  return { runId, counts: result.counts };
}
