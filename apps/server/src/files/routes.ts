import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody, Id, StickerPack, UploadedFile } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import { me } from '../http/auth.ts';
import { AppError } from '../http/errors.ts';
import { accessChat } from '../messaging/access.ts';
import { readableFile, uploadFile } from './service.ts';
import { stickerPack } from './stickers.ts';
import { contentDisposition, IMAGE_TYPES } from './types.ts';

const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 413: ErrorBody, 415: ErrorBody };

/** Served bytes are never interpreted by the browser as anything but what we say they are. */
function guard(reply: FastifyReply): FastifyReply {
  return reply
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; sandbox")
    .header('cross-origin-resource-policy', 'same-origin');
}

export function filesRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/api/v1/chats/:chatId/files',
    {
      schema: {
        tags: ['files'],
        summary: 'Upload a file into a chat (multipart field "file"); attach it by sending a message with `attachments: [id]`',
        consumes: ['multipart/form-data'],
        params: z.object({ chatId: z.string() }),
        response: { 201: UploadedFile, ...errors },
      },
    },
    async (request, reply) => {
      const { user } = me(request);
      const access = await accessChat(ctx.db, user.id, request.params.chatId);
      if (!request.isMultipart()) throw new AppError('unsupported_media_type', 415);
      // Browsers send the file name as raw UTF-8 (Cyrillic names are the rule here, not the exception).
      // (busboy's `defParamCharset`, missing from the plugin's option type).
      const options = { defParamCharset: 'utf8', limits: { fileSize: ctx.config.limits.maxUploadBytes, files: 1, fields: 5, parts: 6 } } as Parameters<
        typeof request.file
      >[0];
      const part = await request.file(options);
      if (!part) throw new AppError('file_missing', 400);
      const file = await uploadFile(ctx, access, user.id, { filename: part.filename, stream: part.file, truncated: () => part.file.truncated });
      return reply.status(201).send(file);
    },
  );

  r.get(
    '/api/v1/files/:id',
    {
      schema: {
        tags: ['files'],
        summary: 'Download a file (members of a chat where it is attached, at the time of the request)',
        params: z.object({ id: Id }),
        response: { 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const row = await readableFile(ctx.db, me(request).user.id, request.params.id);
      const read = await ctx.storage.open(row.storage_key);
      if (!read) throw new AppError('file_not_found', 404);
      const inline = row.kind === 'image' && IMAGE_TYPES.has(row.content_type);
      const type = row.content_type.startsWith('text/') ? `${row.content_type}; charset=utf-8` : row.content_type;
      return guard(reply)
        .header('content-type', type)
        .header('content-length', String(read.size))
        .header('content-disposition', contentDisposition(inline ? 'inline' : 'attachment', row.name))
        .header('cache-control', 'private, no-cache')
        .header('etag', `"${row.sha256}"`)
        .send(read.body);
    },
  );

  r.get(
    '/api/v1/files/:id/thumbnail',
    {
      schema: {
        tags: ['files'],
        summary: 'The WebP thumbnail of an image file (same access as the file)',
        params: z.object({ id: Id }),
        response: { 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const row = await readableFile(ctx.db, me(request).user.id, request.params.id);
      if (!row.thumbnail_key) throw new AppError('file_not_found', 404);
      const read = await ctx.storage.open(row.thumbnail_key);
      if (!read) throw new AppError('file_not_found', 404);
      return guard(reply)
        .header('content-type', 'image/webp')
        .header('content-length', String(read.size))
        .header('content-disposition', 'inline')
        .header('cache-control', 'private, no-cache')
        .send(read.body);
    },
  );

  r.get(
    '/api/v1/stickers',
    { schema: { tags: ['stickers'], summary: 'The school sticker pack shipped with Parta', response: { 200: StickerPack } } },
    async () => stickerPack().pack,
  );

  r.get(
    '/api/v1/stickers/:file',
    { schema: { tags: ['stickers'], summary: 'A sticker as SVG: /api/v1/stickers/{id}.svg', params: z.object({ file: z.string() }) } },
    async (request, reply) => {
      const m = /^([a-z0-9][a-z0-9-]{0,39})\.svg$/.exec(request.params.file);
      const sticker = m ? stickerPack().byId.get(m[1]!) : undefined;
      if (!sticker) throw new AppError('sticker_not_found', 404);
      return reply
        .header('content-type', 'image/svg+xml')
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'private, max-age=86400')
        .send(sticker.svg);
    },
  );
}
