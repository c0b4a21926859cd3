import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody, Id, Me, UpdateProfileBody, User } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import { me } from '../http/auth.ts';
import { AppError } from '../http/errors.ts';
import { schoolsOfUser } from '../directory/store.ts';
import { loadPresentedUser } from './store.ts';
import { AVATAR_SIZES, maySeePhoto, photoKey, removePhoto, setProfilePhoto, type Crop } from './photo.ts';

const tags = ['profile'];
const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 413: ErrorBody, 415: ErrorBody };

export function profileRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/v1/me',
    { schema: { tags, summary: 'My account, with the schools it is linked to and my roles there', response: { 200: Me } } },
    async (request) => {
      const { user } = me(request);
      return { user: (await loadPresentedUser(ctx.db, user.id))!, schools: await schoolsOfUser(ctx.db, user.id) };
    },
  );

  r.patch(
    '/api/v1/me',
    { schema: { tags, summary: 'Change my name or language', body: UpdateProfileBody, response: { 200: User, ...errors } } },
    async (request) => {
      const { user } = me(request);
      const b = request.body;
      const set = {
        ...(b.lastName !== undefined ? { last_name: b.lastName } : {}),
        ...(b.firstName !== undefined ? { first_name: b.firstName } : {}),
        ...(b.middleName !== undefined ? { middle_name: b.middleName } : {}),
        ...(b.locale !== undefined ? { locale: b.locale } : {}),
      };
      if (Object.keys(set).length) await ctx.db.updateTable('users').set(set).where('id', '=', user.id).execute();
      return (await loadPresentedUser(ctx.db, user.id))!;
    },
  );

  r.put(
    '/api/v1/me/photo',
    {
      schema: {
        tags,
        summary: 'Upload my photo (multipart field "file"; optional fields cropLeft, cropTop, cropSize in pixels)',
        consumes: ['multipart/form-data'],
        response: { 200: User, ...errors },
      },
    },
    async (request) => {
      const { user } = me(request);
      if (!request.isMultipart()) throw new AppError('unsupported_media_type', 415);
      let data: Buffer | null = null;
      const fields: Record<string, string> = {};
      for await (const part of request.parts({ limits: { fileSize: ctx.config.limits.maxPhotoBytes, files: 1 } })) {
        if (part.type === 'file') {
          data = await part.toBuffer();
        } else {
          fields[part.fieldname] = String(part.value);
        }
      }
      if (!data) throw new AppError('validation_failed', 400, { reason: 'no file field' });
      let crop: Crop | undefined;
      if (fields.cropSize !== undefined) {
        const parsed = z
          .object({ cropLeft: z.coerce.number().int().min(0), cropTop: z.coerce.number().int().min(0), cropSize: z.coerce.number().int().min(16) })
          .safeParse(fields);
        if (!parsed.success) throw new AppError('validation_failed', 400, { reason: 'crop fields must be whole numbers' });
        crop = { left: parsed.data.cropLeft, top: parsed.data.cropTop, size: parsed.data.cropSize };
      }
      await setProfilePhoto(ctx, user.id, data, crop);
      return (await loadPresentedUser(ctx.db, user.id))!;
    },
  );

  r.delete('/api/v1/me/photo', { schema: { tags, summary: 'Remove my photo', response: { 204: z.null() } } }, async (request, reply) => {
    const { user } = me(request);
    if (user.photo_id) {
      await ctx.db.updateTable('users').set({ photo_id: null }).where('id', '=', user.id).execute();
      await removePhoto(ctx, user.photo_id);
    }
    return reply.status(204).send(null);
  });

  r.get(
    '/api/v1/photos/:id/:size',
    {
      schema: {
        tags,
        summary: 'A profile photo at one size (to people who share a school with its owner)',
        params: z.object({ id: Id, size: z.coerce.number().int() }),
      },
    },
    async (request, reply) => {
      const { id, size } = request.params;
      const photo = await ctx.db.selectFrom('photos').select(['user_id', 'sizes']).where('id', '=', id).executeTakeFirst();
      if (!photo || !(AVATAR_SIZES as readonly number[]).includes(size) || !(await maySeePhoto(ctx, me(request).user.id, photo.user_id))) {
        throw new AppError('not_found', 404);
      }
      const data = await ctx.storage.get(photoKey(id, size));
      if (!data) throw new AppError('not_found', 404);
      return reply
        .header('content-type', 'image/webp')
        .header('cache-control', 'private, max-age=31536000, immutable')
        .header('x-content-type-options', 'nosniff')
        .send(data);
    },
  );
}
