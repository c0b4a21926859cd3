import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BookSlotBody, Consultation, ConsultationQueue, CreateConsultationBody, ErrorBody, Id } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import { me } from '../http/auth.ts';
import { accessChat } from '../messaging/access.ts';
import * as svc from './service.ts';

const tags = ['consultations'];
const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const Params = z.object({ id: Id });

/** Individual consultations: every route checks the chat's membership (`accessChat`, `accessConsultation`). */
export function consultationsRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const one = (request: { params: { id: string } } & Parameters<typeof me>[0]) => svc.accessConsultation(ctx, me(request).user.id, request.params.id);
  const present = async (request: { params: { id: string } } & Parameters<typeof me>[0]) => {
    const c = await one(request);
    return svc.presentConsultation(ctx, c.consultation, c.access);
  };

  r.get(
    '/api/v1/chats/:id/consultations',
    {
      schema: {
        tags,
        summary: 'Consultation hours of a chat (the coming ones)',
        params: Params,
        response: { 200: z.object({ consultations: z.array(Consultation) }), ...errors },
      },
    },
    async (request) => {
      const access = await accessChat(ctx.db, me(request).user.id, request.params.id);
      const rows = await svc.listConsultations(ctx, access);
      return { consultations: await Promise.all(rows.map((c) => svc.presentConsultation(ctx, c, access))) };
    },
  );

  r.post(
    '/api/v1/chats/:id/consultations',
    {
      schema: {
        tags,
        summary: 'Open consultation slots (teachers and admins, in a class’s chat)',
        params: Params,
        body: CreateConsultationBody,
        response: { 201: Consultation, ...errors },
      },
    },
    async (request, reply) => {
      const userId = me(request).user.id;
      const access = await accessChat(ctx.db, userId, request.params.id);
      const row = await svc.createConsultation(ctx, access, userId, request.body);
      return reply.status(201).send(await svc.presentConsultation(ctx, row, access));
    },
  );

  r.get(
    '/api/v1/consultations/:id',
    { schema: { tags, summary: 'A consultation: its slots and my place in the queue', params: Params, response: { 200: Consultation, ...errors } } },
    async (request) => present(request),
  );

  r.post(
    '/api/v1/consultations/:id/book',
    {
      schema: {
        tags,
        summary: 'Book a slot for my family (until the cut-off)',
        params: Params,
        body: BookSlotBody,
        response: { 200: Consultation, ...errors },
      },
    },
    async (request) => {
      const c = await one(request);
      await svc.book(ctx, c.consultation, c.access, request.body.slotId);
      return present(request);
    },
  );

  r.post(
    '/api/v1/consultations/:id/swap',
    {
      schema: {
        tags,
        summary: 'Move my family’s booking to another free slot (until the cut-off)',
        params: Params,
        body: BookSlotBody,
        response: { 200: Consultation, ...errors },
      },
    },
    async (request) => {
      const c = await one(request);
      await svc.swap(ctx, c.consultation, c.access, request.body.slotId);
      return present(request);
    },
  );

  r.post(
    '/api/v1/consultations/:id/cancel',
    { schema: { tags, summary: 'Cancel my family’s booking (until the cut-off)', params: Params, response: { 200: Consultation, ...errors } } },
    async (request) => {
      const c = await one(request);
      await svc.cancel(ctx, c.consultation, c.access);
      return present(request);
    },
  );

  r.get(
    '/api/v1/meetings/:id/queue',
    {
      schema: {
        tags,
        summary: 'A consultation call’s queue: families before this slot (for its waiting room)',
        params: Params,
        response: { 200: ConsultationQueue, ...errors },
      },
    },
    async (request) => svc.queueOfMeeting(ctx, me(request).user.id, request.params.id),
  );

  r.post(
    '/api/v1/consultations/:id/slots/:slotId/done',
    {
      schema: {
        tags,
        summary: 'Mark a slot done, so the queue moves on (the teacher)',
        params: z.object({ id: Id, slotId: Id }),
        response: { 200: Consultation, ...errors },
      },
    },
    async (request) => {
      const c = await one(request);
      await svc.markDone(ctx, c.consultation, c.access, request.params.slotId);
      return present(request);
    },
  );
}
