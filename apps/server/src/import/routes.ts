import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody, Id, ImportApplyBody, ImportApplyResult, ImportReport, RolloverBody, RolloverPreview, RolloverQuery, RolloverResult } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import { accessSchool, classTeacherOf, requireAdmin } from '../directory/access.ts';
import { me } from '../http/auth.ts';
import { AppError, requestLocale } from '../http/errors.ts';
import { exportOneRoster } from './export-oneroster.ts';
import { exportVedomost } from './export-vedomost.ts';
import { doRollover, rolloverPreview } from './rollover.ts';
import { applyRun, dryRun, MAX_IMPORT_BYTES } from './service.ts';
import { templateCsv, templateXlsx } from './template-file.ts';

const tags = ['import'];
const SchoolParams = z.object({ schoolId: Id });
const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 413: ErrorBody, 415: ErrorBody, 422: ErrorBody };
const UPLOAD_TYPES = [
  'application/octet-stream',
  'application/zip',
  'application/x-zip-compressed',
  'text/csv',
  'application/vnd.ms-excel',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
];
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** `attachment; filename=…` with the UTF-8 name for browsers and an ASCII one for the rest. */
function attachment(name: string, ascii: string) {
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/**
 * Import (dry run, apply), the template, exports and the year-end rollover. The admin only,
 * except the ведомость, which a class's class teacher may also take.
 */
export async function importRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  // The file is the body itself (any of these types): read whole, up to the limit, then streamed through the readers.
  app.addContentTypeParser(UPLOAD_TYPES, { parseAs: 'buffer', bodyLimit: MAX_IMPORT_BYTES }, (_request, body, done) => done(null, body));
  const r = app.withTypeProvider<ZodTypeProvider>();
  const admin = async (userId: string, schoolId: string) => {
    const access = await accessSchool(ctx.db, userId, schoolId);
    requireAdmin(access);
    return access;
  };

  r.post(
    '/api/v1/schools/:schoolId/import',
    {
      bodyLimit: MAX_IMPORT_BYTES,
      // A dry run reads and plans a whole school: a bound on how often one address may ask.
      config: { rateLimit: { max: 60, timeWindow: '1 minute' } },
      schema: {
        tags,
        summary:
          'Dry run of an import (admin): the file is the body, or a multipart field "file" (OneRoster 1.2 CSV zip, or the template as CSV or XLSX); nothing is written but the run',
        params: SchoolParams,
        querystring: z.object({
          name: z.string().max(200).optional(),
          full: z.enum(['0', '1']).optional().describe('Template only: 1 when it lists the whole school, so that people missing from it leave (are archived)'),
        }),
        response: { 200: ImportReport, ...errors },
      },
    },
    async (request) => {
      const access = await admin(me(request).user.id, request.params.schoolId);
      let body = request.body as unknown;
      let name = request.query.name ?? null;
      if (request.isMultipart()) {
        // A browser's form upload (field "file"): read up to the same limit.
        const part = await request.file({ limits: { fileSize: MAX_IMPORT_BYTES, files: 1 } });
        if (!part) throw new AppError('file_missing', 400);
        body = await part.toBuffer();
        name ??= part.filename;
      }
      if (!Buffer.isBuffer(body) || body.length === 0) throw new AppError('file_missing', 400);
      return dryRun(ctx, access, body, name, requestLocale(request), request.query.full === '1');
    },
  );

  r.post(
    '/api/v1/schools/:schoolId/import/:runId/apply',
    {
      schema: {
        tags,
        summary: 'Apply a dry run in one transaction (admin); weak matches to merge are listed in `confirm`',
        params: SchoolParams.extend({ runId: Id }),
        body: ImportApplyBody,
        response: { 200: ImportApplyResult, ...errors },
      },
    },
    async (request) => {
      const access = await admin(me(request).user.id, request.params.schoolId);
      return applyRun(ctx, access, request.params.runId, request.body.confirm);
    },
  );

  r.get(
    '/api/v1/schools/:schoolId/import/template',
    {
      schema: {
        tags,
        summary: 'The import template with an example row (admin): XLSX, or one sheet as CSV',
        params: SchoolParams,
        querystring: z.object({ format: z.enum(['xlsx', 'csv']).default('xlsx'), sheet: z.enum(['students', 'teachers']).default('students') }),
      },
    },
    async (request, reply) => {
      await admin(me(request).user.id, request.params.schoolId);
      if (request.query.format === 'csv') {
        const name = request.query.sheet === 'students' ? 'ученики.csv' : 'учителя.csv';
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', attachment(name, `${request.query.sheet}.csv`))
          .send(templateCsv(request.query.sheet));
      }
      return reply
        .type(XLSX)
        .header('content-disposition', attachment('шаблон-импорта.xlsx', 'import-template.xlsx'))
        .send(await templateXlsx());
    },
  );

  r.get(
    '/api/v1/schools/:schoolId/export/oneroster',
    { schema: { tags, summary: 'The roster, grades and period marks as a OneRoster 1.2 CSV zip (admin)', params: SchoolParams } },
    async (request, reply) => {
      await admin(me(request).user.id, request.params.schoolId);
      const zip = await exportOneRoster(ctx.db, request.params.schoolId);
      return reply.type('application/zip').header('content-disposition', attachment('oneroster.zip', 'oneroster.zip')).send(zip);
    },
  );

  r.get(
    '/api/v1/schools/:schoolId/export/vedomost',
    {
      schema: {
        tags,
        summary: 'The marks sheet (ведомость) of a class for a period, XLSX (admin, or the class teacher)',
        params: SchoolParams,
        querystring: z.object({ classId: Id, periodId: Id.optional() }),
      },
    },
    async (request, reply) => {
      const access = await accessSchool(ctx.db, me(request).user.id, request.params.schoolId);
      if (!access.isAdmin && !(await classTeacherOf(ctx.db, access.person.id)).includes(request.query.classId)) throw new AppError('forbidden', 403);
      const file = await exportVedomost(ctx.db, request.params.schoolId, request.query.classId, request.query.periodId ?? null, requestLocale(request));
      return reply.type(XLSX).header('content-disposition', attachment(file.name, 'vedomost.xlsx')).send(file.buffer);
    },
  );

  r.get(
    '/api/v1/schools/:schoolId/rollover',
    {
      schema: {
        tags,
        summary: 'Preview of the year-end rollover (admin)',
        params: SchoolParams,
        querystring: RolloverQuery,
        response: { 200: RolloverPreview, ...errors },
      },
    },
    async (request) => {
      await admin(me(request).user.id, request.params.schoolId);
      return rolloverPreview(ctx.db, request.params.schoolId, request.query.lastGrade ?? 11);
    },
  );

  r.post(
    '/api/v1/schools/:schoolId/rollover',
    {
      schema: {
        tags,
        summary: 'Promote the school into a new academic year (admin), as previewed',
        params: SchoolParams,
        body: RolloverBody,
        response: { 200: RolloverResult, ...errors },
      },
    },
    async (request) => {
      await admin(me(request).user.id, request.params.schoolId);
      return doRollover(ctx, request.params.schoolId, request.body.hash, request.body.lastGrade ?? 11);
    },
  );
}
