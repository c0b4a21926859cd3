import crypto from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  FaqBody,
  FaqEntry,
  FaqList,
  HelperRequestList,
  ResolveRequestBody,
  ResolveRequestResult,
  Bot,
  BotChatsBody,
  BotList,
  BotToken,
  BotWithToken,
  CallbackBody,
  CallbackResult,
  ChatBots,
  CreateBotBody,
  ErrorBody,
  Id,
  UpdateBotBody,
} from '@parta/protocol';
import type { AppContext } from '../context.ts';
import { accessSchool, requireAdmin } from '../directory/access.ts';
import { me } from '../http/auth.ts';
import { AppError } from '../http/errors.ts';
import { t } from '../i18n/messages.ts';
import { loadAccess } from '../messaging/access.ts';
import { readableFile } from '../files/service.ts';
import { contentDisposition } from '../files/types.ts';
import { withOutbox } from '../stream/transaction.ts';
import { runMethod, type CallFile } from './api.ts';
import { endPolls } from './updates.ts';
import { BotApiError, unauthorized } from './errors.ts';
import { chatBots, createBot, getBot, listBots, reissueToken, revokeToken, setBotChats, setBotPhoto, updateBot } from './service.ts';
import { botByToken, presentBot } from './store.ts';
import { BotWorker } from './worker.ts';
import { HelperRunner } from './helper/runner.ts';
import { backfillHelpers, deleteFaq, listFaq, listRequests, myHelperChat, registerHelper, resolveRequest, saveFaq } from './helper/service.ts';

const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

function answerError(reply: FastifyReply, err: unknown, request: FastifyRequest, ctx: AppContext) {
  if (err instanceof BotApiError) {
    return reply
      .status(err.code)
      .send({ ok: false, error_code: err.code, description: err.description, ...(err.parameters ? { parameters: err.parameters } : {}) });
  }
  ctx.log.error({ err, url: request.url.replace(/\/bot[^/]+/, '/bot<token>') }, 'bot api call failed');
  return reply.status(500).send({ ok: false, error_code: 500, description: 'Internal Server Error' });
}

/** Reads a call's parameters: the query string, then a JSON, form or multipart body (files spooled to disk). */
async function readParams(
  ctx: AppContext,
  request: FastifyRequest,
  spool: string[],
): Promise<{ params: Record<string, unknown>; files: Map<string, CallFile> }> {
  const params: Record<string, unknown> = { ...(request.query as Record<string, unknown>) };
  const files = new Map<string, CallFile>();
  if (request.isMultipart()) {
    const dir = path.join(ctx.config.dataDir, 'tmp', 'bots');
    await fs.mkdir(dir, { recursive: true });
    const options = { defParamCharset: 'utf8', limits: { fileSize: ctx.config.limits.maxUploadBytes, files: 10, fields: 50 } } as Parameters<
      typeof request.parts
    >[0];
    for await (const part of request.parts(options)) {
      if (part.type === 'file') {
        const file = path.join(dir, `${crypto.randomUUID()}.part`);
        spool.push(file);
        await pipeline(part.file, createWriteStream(file, { flags: 'wx' }));
        if (part.file.truncated) throw new BotApiError(413, 'Request Entity Too Large');
        files.set(part.fieldname, { filename: part.filename, path: file });
      } else {
        params[part.fieldname] = part.value;
      }
    }
  } else if (request.body && typeof request.body === 'object') {
    Object.assign(params, request.body);
  }
  return { params, files };
}

/**
 * The Bot API: `/bot<token>/<method>` (GET or POST; JSON, form or multipart) and file downloads
 * at `/file/bot<token>/<file_path>`, outside the session scope (the token is the credential).
 * Also starts the bot worker with the server, and stops it with it.
 */
export async function botApiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  let worker: BotWorker | null = null;
  let helper: HelperRunner | null = null;
  if (ctx.config.helperBot !== 'off') registerHelper(ctx);
  app.addHook('onReady', async () => {
    worker = await BotWorker.start(ctx);
    if (ctx.config.helperBot === 'inprocess') helper = await HelperRunner.start(app, ctx);
    else if (ctx.config.helperBot === 'process') await backfillHelpers(ctx);
  });
  // Before the server stops taking requests: the assistant's own calls still go through, and a
  // long poll (the assistant's, or an outside bot's) must not hold the shutdown for its time-out.
  app.addHook('preClose', async () => {
    endPolls(ctx);
    await helper?.stop();
  });
  app.addHook('onClose', async () => {
    await worker?.stop();
  });
  app.decorate('botWorker', { idle: () => worker?.idle() ?? Promise.resolve() });

  await app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    scope.setErrorHandler((err, request, reply) => {
      const e = err as { statusCode?: number; message?: string };
      if (e.statusCode === 413) return reply.status(413).send({ ok: false, error_code: 413, description: 'Request Entity Too Large' });
      if (e.statusCode && e.statusCode < 500) return reply.status(400).send({ ok: false, error_code: 400, description: "Bad Request: can't parse request" });
      return answerError(reply, err, request, ctx);
    });

    const handler = async (request: FastifyRequest<{ Params: { token: string; method: string } }>, reply: FastifyReply) => {
      const spool: string[] = [];
      const abort = new AbortController();
      request.raw.on('close', () => abort.abort());
      reply.raw.on('close', () => abort.abort());
      try {
        const bot = await botByToken(ctx.db, ctx.secret, request.params.token);
        if (!bot) throw unauthorized();
        const { params, files } = await readParams(ctx, request, spool);
        const result = await runMethod({ ctx, bot, params, files, signal: abort.signal }, request.params.method);
        return reply.header('cache-control', 'no-store').send({ ok: true, result });
      } catch (err) {
        return answerError(reply, err, request, ctx);
      } finally {
        for (const f of spool) await fs.rm(f, { force: true });
      }
    };
    const route = { schema: { hide: true }, bodyLimit: 1024 * 1024 };
    scope.get('/bot:token/:method', route, handler);
    scope.post('/bot:token/:method', route, handler);

    scope.get(
      '/file/bot:token/files/:fileId',
      { schema: { hide: true } },
      async (request: FastifyRequest<{ Params: { token: string; fileId: string } }>, reply) => {
        try {
          const bot = await botByToken(ctx.db, ctx.secret, request.params.token);
          if (!bot) throw unauthorized();
          const row = /^[0-9a-f-]{36}$/i.test(request.params.fileId) ? await readableFile(ctx.db, bot.user_id, request.params.fileId).catch(() => null) : null;
          const read = row ? await ctx.storage.open(row.storage_key) : null;
          if (!row || !read) return reply.status(404).send({ ok: false, error_code: 404, description: 'Not Found' });
          return reply
            .header('content-type', row.content_type)
            .header('content-length', String(read.size))
            .header('content-disposition', contentDisposition('attachment', row.name))
            .header('x-content-type-options', 'nosniff')
            .send(read.body);
        } catch (err) {
          return answerError(reply, err, request, ctx);
        }
      },
    );
  });
}

const BotParams = z.object({ schoolId: Id, botId: Id });
const SchoolParams = z.object({ schoolId: Id });

/** The admin's bots, bots in a chat, and the buttons under bots' messages (session scope). */
export function botsRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['bots'];
  const admin = async (request: FastifyRequest, schoolId: string) => {
    const access = await accessSchool(ctx.db, me(request).user.id, schoolId);
    requireAdmin(access);
    return access;
  };

  r.get(
    '/api/v1/schools/:schoolId/bots',
    { schema: { tags, summary: "The school's bots (admin)", params: SchoolParams, response: { 200: BotList, ...errors } } },
    async (request) => {
      await admin(request, request.params.schoolId);
      return { bots: await listBots(ctx, request.params.schoolId) };
    },
  );

  r.post(
    '/api/v1/schools/:schoolId/bots',
    {
      schema: {
        tags,
        summary: 'Create a bot (admin); its token is in the answer, once',
        params: SchoolParams,
        body: CreateBotBody,
        response: { 201: BotWithToken, ...errors },
      },
    },
    async (request, reply) => {
      const access = await admin(request, request.params.schoolId);
      return reply.status(201).send(await createBot(ctx, access, request.body));
    },
  );

  r.patch(
    '/api/v1/schools/:schoolId/bots/:botId',
    {
      schema: {
        tags,
        summary: 'Change a bot: name, description, commands, privacy mode (admin)',
        params: BotParams,
        body: UpdateBotBody,
        response: { 200: Bot, ...errors },
      },
    },
    async (request) => {
      const access = await admin(request, request.params.schoolId);
      return updateBot(ctx, access, request.params.botId, request.body);
    },
  );

  r.post(
    '/api/v1/schools/:schoolId/bots/:botId/token',
    {
      schema: {
        tags,
        summary: 'A new token (the old one stops working at once); shown once (admin)',
        params: BotParams,
        response: { 200: BotToken, ...errors },
      },
    },
    async (request) => {
      const access = await admin(request, request.params.schoolId);
      return { token: await reissueToken(ctx, access, request.params.botId) };
    },
  );

  r.delete(
    '/api/v1/schools/:schoolId/bots/:botId/token',
    { schema: { tags, summary: "Revoke the bot's token (admin)", params: BotParams, response: { 204: z.null(), ...errors } } },
    async (request, reply) => {
      const access = await admin(request, request.params.schoolId);
      await revokeToken(ctx, access, request.params.botId);
      return reply.status(204).send(null);
    },
  );

  r.put(
    '/api/v1/schools/:schoolId/bots/:botId/chats',
    { schema: { tags, summary: 'The chats the bot is in (admin)', params: BotParams, body: BotChatsBody, response: { 200: Bot, ...errors } } },
    async (request) => {
      const access = await admin(request, request.params.schoolId);
      return setBotChats(ctx, access, request.params.botId, request.body.chatIds);
    },
  );

  r.post(
    '/api/v1/schools/:schoolId/bots/:botId/photo',
    {
      schema: {
        tags,
        summary: 'The bot\'s picture (multipart field "file") (admin)',
        consumes: ['multipart/form-data'],
        params: BotParams,
        response: { 200: Bot, ...errors },
      },
    },
    async (request) => {
      const access = await admin(request, request.params.schoolId);
      if (!request.isMultipart()) throw new AppError('unsupported_media_type', 415);
      const part = await request.file();
      if (!part) throw new AppError('file_missing', 400);
      const buffer = await part.toBuffer();
      return setBotPhoto(ctx, access, request.params.botId, buffer);
    },
  );

  r.get(
    '/api/v1/schools/:schoolId/bots/:botId',
    { schema: { tags, summary: 'One bot (admin)', params: BotParams, response: { 200: Bot, ...errors } } },
    async (request) => {
      await admin(request, request.params.schoolId);
      return presentBot(ctx.db, await getBot(ctx, request.params.schoolId, request.params.botId));
    },
  );

  r.get(
    '/api/v1/schools/:schoolId/bot-chats',
    {
      schema: {
        tags,
        summary: 'The chats of the school a bot can be added to (admin)',
        params: SchoolParams,
        response: { 200: z.object({ chats: z.array(z.object({ chatId: Id, kind: z.string(), title: z.string().nullable() })) }), ...errors },
      },
    },
    async (request) => {
      await admin(request, request.params.schoolId);
      const rows = await ctx.db
        .selectFrom('chats')
        .select(['id', 'kind', 'title'])
        .where('school_id', '=', request.params.schoolId)
        .where('kind', '!=', 'direct')
        .where('archived_at', 'is', null)
        .orderBy('kind')
        .orderBy('title')
        .execute();
      return { chats: rows.map((c) => ({ chatId: c.id, kind: c.kind, title: t('ru', 'notify_chat', { kind: c.kind, name: c.title ?? '' }) || null })) };
    },
  );

  r.get(
    '/api/v1/chats/:chatId/bots',
    {
      schema: {
        tags,
        summary: "The chat's bots, and whether each reads every message (privacy off)",
        params: z.object({ chatId: z.string() }),
        response: { 200: ChatBots, ...errors },
      },
    },
    async (request) => {
      const access = await loadAccess(ctx, me(request).user.id, request.params.chatId);
      return { bots: await chatBots(ctx, access.chat.id) };
    },
  );

  r.post(
    '/api/v1/chats/:chatId/messages/:messageId/callback',
    {
      schema: {
        tags,
        summary: "Press a button under a bot's message: the bot gets a callback query",
        params: z.object({ chatId: z.string(), messageId: Id }),
        body: CallbackBody,
        response: { 200: CallbackResult, ...errors },
      },
    },
    async (request) => {
      const { user } = me(request);
      const access = await loadAccess(ctx, user.id, request.params.chatId);
      const markup = await ctx.db
        .selectFrom('bot_markup')
        .innerJoin('messages', 'messages.id', 'bot_markup.message_id')
        .innerJoin('bots', 'bots.id', 'bot_markup.bot_id')
        .select(['bot_markup.markup', 'bots.id as bot_id', 'bots.user_id as bot_user_id'])
        .where('bot_markup.message_id', '=', request.params.messageId)
        .where('messages.chat_id', '=', access.chat.id)
        .where('messages.deleted_at', 'is', null)
        .executeTakeFirst();
      const buttons = (markup?.markup as { callbackData?: string }[][] | undefined) ?? [];
      if (!markup || !buttons.some((row) => row.some((b) => b.callbackData === request.body.data))) throw new AppError('bot_button_invalid', 400);
      // The bot must still be in the chat to hear the press.
      const present = await ctx.db
        .selectFrom('chat_members')
        .select('user_id')
        .where('chat_id', '=', access.chat.id)
        .where('user_id', '=', markup.bot_user_id)
        .where('left_at', 'is', null)
        .executeTakeFirst();
      if (!present) throw new AppError('bot_button_invalid', 400);
      const id = await withOutbox(ctx, async (trx, outbox) => {
        const row = await trx
          .insertInto('bot_callbacks')
          .values({ bot_id: markup.bot_id, message_id: request.params.messageId, chat_id: access.chat.id, user_id: user.id, data: request.body.data })
          .returning('id')
          .executeTakeFirstOrThrow();
        const callbackId = String(row.id);
        // Through the stream, to the bot's account: the bot worker turns it into a callback_query update.
        outbox.user(markup.bot_user_id, {
          type: 'bot.callback_query',
          chatId: access.chat.id,
          messageId: request.params.messageId,
          callbackId,
          fromUserId: user.id,
          data: request.body.data,
        });
        return callbackId;
      });
      return { callbackQueryId: id };
    },
  );

  // «Помощник»: the account's chat with it, the FAQ the school edits, and the admin's queue of requests.
  r.get(
    '/api/v1/schools/:schoolId/helper/chat',
    {
      schema: { tags, summary: "My chat with the school's assistant «Помощник»", params: SchoolParams, response: { 200: z.object({ chatId: Id }), ...errors } },
    },
    async (request) => {
      if (ctx.config.helperBot === 'off') throw new AppError('bot_not_found', 404);
      const access = await accessSchool(ctx.db, me(request).user.id, request.params.schoolId);
      return { chatId: await myHelperChat(ctx, access) };
    },
  );

  r.get(
    '/api/v1/schools/:schoolId/helper/faq',
    { schema: { tags, summary: "The assistant's FAQ (admin)", params: SchoolParams, response: { 200: FaqList, ...errors } } },
    async (request) => {
      await admin(request, request.params.schoolId);
      return { entries: await listFaq(ctx.db, request.params.schoolId) };
    },
  );

  r.post(
    '/api/v1/schools/:schoolId/helper/faq',
    { schema: { tags, summary: 'Add a question to the FAQ (admin)', params: SchoolParams, body: FaqBody, response: { 201: FaqEntry, ...errors } } },
    async (request, reply) => {
      const access = await admin(request, request.params.schoolId);
      return reply.status(201).send(await saveFaq(ctx, access, null, request.body));
    },
  );

  r.put(
    '/api/v1/schools/:schoolId/helper/faq/:id',
    {
      schema: {
        tags,
        summary: 'Change a question of the FAQ (admin)',
        params: SchoolParams.extend({ id: Id }),
        body: FaqBody,
        response: { 200: FaqEntry, ...errors },
      },
    },
    async (request) => {
      const access = await admin(request, request.params.schoolId);
      return saveFaq(ctx, access, request.params.id, request.body);
    },
  );

  r.delete(
    '/api/v1/schools/:schoolId/helper/faq/:id',
    { schema: { tags, summary: 'Remove a question from the FAQ (admin)', params: SchoolParams.extend({ id: Id }), response: { 204: z.null(), ...errors } } },
    async (request, reply) => {
      const access = await admin(request, request.params.schoolId);
      await deleteFaq(ctx, access, request.params.id);
      return reply.status(204).send(null);
    },
  );

  r.get(
    '/api/v1/schools/:schoolId/helper/requests',
    {
      schema: {
        tags,
        summary: 'Requests the assistant passed to the school admin (admin)',
        params: SchoolParams,
        querystring: z.object({ status: z.enum(['open', 'all']).default('open') }),
        response: { 200: HelperRequestList, ...errors },
      },
    },
    async (request) => {
      await admin(request, request.params.schoolId);
      return { requests: await listRequests(ctx.db, request.params.schoolId, request.query.status) };
    },
  );

  r.post(
    '/api/v1/schools/:schoolId/helper/requests/:id/resolve',
    {
      schema: {
        tags,
        summary: 'Handle a request: answer it, move the phone (with an invitation to the new one), or refuse (admin)',
        params: SchoolParams.extend({ id: Id }),
        body: ResolveRequestBody,
        response: { 200: ResolveRequestResult, ...errors },
      },
    },
    async (request) => {
      const access = await admin(request, request.params.schoolId);
      return resolveRequest(ctx, access, request.params.id, request.body);
    },
  );
}
