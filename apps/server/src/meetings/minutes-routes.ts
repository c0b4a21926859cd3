import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { Agenda, ErrorBody, Id, MinutesDocument, PutAgendaBody, RecordItemBody, AgendaItem } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import { me } from '../http/auth.ts';
import { contentDisposition } from '../files/types.ts';
import { accessMeeting } from './service.ts';
import { presentAgenda, presentItem, putAgenda, recordItem } from './agenda.ts';
import { minutesFile, minutesFor, publishMinutes } from './minutes.ts';

const tags = ['meetings'];
const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const MeetingParams = z.object({ id: Id });

/** The agenda and the minutes of a meeting (agenda.ts, minutes.ts): every route goes through `accessMeeting`. */
export function minutesRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const meeting = (request: { params: { id: string } } & Parameters<typeof me>[0]) => accessMeeting(ctx, me(request).user.id, request.params.id);

  r.get(
    '/api/v1/meetings/:id/agenda',
    {
      schema: {
        tags,
        summary: 'The agenda, what was said and decided, and the published minutes',
        params: MeetingParams,
        response: { 200: Agenda, ...errors },
      },
    },
    async (request) => {
      const m = await meeting(request);
      return presentAgenda(ctx, m.meeting, m.access);
    },
  );

  r.put(
    '/api/v1/meetings/:id/agenda',
    {
      schema: {
        tags,
        summary: 'Replace the agenda (the host, the author or an administrator)',
        params: MeetingParams,
        body: PutAgendaBody,
        response: { 200: Agenda, ...errors },
      },
    },
    async (request) => {
      const m = await meeting(request);
      await putAgenda(ctx, m.meeting, m.access, request.body);
      return presentAgenda(ctx, (await meeting(request)).meeting, m.access);
    },
  );

  r.patch(
    '/api/v1/meetings/:id/agenda/:itemId',
    {
      schema: {
        tags,
        summary: 'Record what was said and decided about a question',
        params: z.object({ id: Id, itemId: Id }),
        body: RecordItemBody,
        response: { 200: AgendaItem, ...errors },
      },
    },
    async (request) => {
      const m = await meeting(request);
      return presentItem(await recordItem(ctx, m.meeting, m.access, request.params.itemId, request.body));
    },
  );

  r.get(
    '/api/v1/meetings/:id/minutes',
    {
      schema: {
        tags,
        summary: 'The minutes as assembled now (the host, the author or an administrator)',
        params: MeetingParams,
        response: { 200: MinutesDocument, ...errors },
      },
    },
    async (request) => {
      const m = await meeting(request);
      return minutesFor(ctx, m.meeting, m.access);
    },
  );

  r.get(
    '/api/v1/meetings/:id/minutes.:format',
    { schema: { tags, summary: 'The minutes as PDF or DOCX, for a look before publishing', params: z.object({ id: Id, format: z.enum(['pdf', 'docx']) }) } },
    async (request, reply) => {
      const m = await meeting(request);
      const file = await minutesFile(ctx, m.meeting, m.access, request.params.format);
      return reply
        .header('content-type', file.contentType)
        .header('content-disposition', contentDisposition('attachment', file.name))
        .header('x-content-type-options', 'nosniff')
        .send(file.body);
    },
  );

  r.post(
    '/api/v1/meetings/:id/minutes/publish',
    {
      schema: {
        tags,
        summary: '«Опубликовать»: post the PDF and DOCX in the meeting’s chat and ask every family for «ознакомлен(а)»',
        params: MeetingParams,
        response: { 200: Agenda, ...errors },
      },
    },
    async (request) => {
      const userId = me(request).user.id;
      const m = await meeting(request);
      await publishMinutes(ctx, m.meeting, m.access, userId);
      return presentAgenda(ctx, m.meeting, m.access);
    },
  );
}
