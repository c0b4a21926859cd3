import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AckRequestBody, AckStatus, ChatAcks, ErrorBody, Id, NudgeResult } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import { me } from '../http/auth.ts';
import { accessChat } from '../messaging/access.ts';
import { acknowledge, ackStatus, ackStatuses, nudge, requestAck } from './service.ts';

const tags = ['acknowledgements'];
const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 429: ErrorBody };
const MessageParams = z.object({ id: Id, messageId: Id });

/** «Ознакомлен(а)»: ask, confirm, see who has not, remind them. Every route goes through `accessChat`. */
export function acksRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const chat = (request: { params: { id: string } } & Parameters<typeof me>[0]) => accessChat(ctx.db, me(request).user.id, request.params.id);

  r.get(
    '/api/v1/chats/:id/acks',
    {
      schema: {
        tags,
        summary: 'The chat’s messages that ask for «ознакомлен(а)», with my status (the per-family list to managers)',
        params: z.object({ id: Id }),
        response: { 200: ChatAcks, ...errors },
      },
    },
    async (request) => {
      return { acks: await ackStatuses(ctx, await chat(request)) };
    },
  );

  r.get(
    '/api/v1/chats/:id/messages/:messageId/ack',
    { schema: { tags, summary: 'A message’s confirmations', params: MessageParams, response: { 200: AckStatus, ...errors } } },
    async (request) => {
      return ackStatus(ctx, await chat(request), request.params.messageId);
    },
  );

  r.put(
    '/api/v1/chats/:id/messages/:messageId/ack',
    {
      schema: {
        tags,
        summary: 'Ask (or stop asking) for «ознакомлен(а)» (teachers and admins)',
        params: MessageParams,
        body: AckRequestBody,
        response: { 200: AckStatus, ...errors },
      },
    },
    async (request) => {
      const access = await chat(request);
      await requestAck(ctx, access, request.params.messageId, request.body.required);
      return ackStatus(ctx, access, request.params.messageId);
    },
  );

  r.post(
    '/api/v1/chats/:id/messages/:messageId/ack',
    { schema: { tags, summary: '«Ознакомлен(а)»: confirm for my family (or myself)', params: MessageParams, response: { 200: AckStatus, ...errors } } },
    async (request) => {
      const access = await chat(request);
      await acknowledge(ctx, access, request.params.messageId);
      return ackStatus(ctx, access, request.params.messageId);
    },
  );

  r.post(
    '/api/v1/chats/:id/messages/:messageId/ack/nudge',
    {
      schema: {
        tags,
        summary: 'Remind everyone who has not confirmed (a direct message each; at most every 30 minutes)',
        params: MessageParams,
        response: { 200: NudgeResult, ...errors },
      },
    },
    async (request) => {
      const access = await chat(request);
      return nudge(ctx, access, me(request).user.id, request.params.messageId);
    },
  );
}
