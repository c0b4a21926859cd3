import sharp, { type Metadata } from 'sharp';
import type { AppContext } from '../context.ts';
import { AppError } from '../http/errors.ts';

export const AVATAR_SIZES = [64, 128, 256, 512] as const;
const ACCEPTED = new Set(['jpeg', 'png', 'webp', 'heif', 'avif', 'gif']);
const MAX_PIXELS = 40_000_000;

export interface Crop {
  left: number;
  top: number;
  size: number;
}

/**
 * Re-encodes an uploaded photo: the type is read from the bytes (not the file name), the
 * picture is turned upright by its EXIF orientation, cropped square, and written out as WebP
 * at each avatar size. sharp drops EXIF and every other metadata unless asked to keep it.
 */
export async function renderAvatars(input: Buffer, crop?: Crop): Promise<Map<number, Buffer>> {
  let meta: Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: MAX_PIXELS }).metadata();
  } catch {
    throw new AppError('photo_invalid', 400);
  }
  if (!meta.format || !ACCEPTED.has(meta.format)) throw new AppError('unsupported_media_type', 415, { format: meta.format ?? null });
  try {
    const upright = await sharp(input, { limitInputPixels: MAX_PIXELS }).rotate().toBuffer({ resolveWithObject: true });
    const { width, height } = upright.info;
    let base = sharp(upright.data);
    if (crop) {
      const size = Math.min(crop.size, width - crop.left, height - crop.top);
      if (size < 16 || crop.left < 0 || crop.top < 0) throw new AppError('validation_failed', 400, { reason: 'crop is outside the picture' });
      base = base.extract({ left: crop.left, top: crop.top, width: size, height: size });
    }
    const square = await base.toBuffer();
    const out = new Map<number, Buffer>();
    for (const size of AVATAR_SIZES) {
      out.set(size, await sharp(square).resize(size, size, { fit: 'cover', position: 'attention' }).webp({ quality: 82 }).toBuffer());
    }
    return out;
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('photo_invalid', 400);
  }
}

export const photoKey = (photoId: string, size: number) => `photos/${photoId}/${size}.webp`;

export async function setProfilePhoto(ctx: AppContext, userId: string, input: Buffer, crop?: Crop): Promise<string> {
  const rendered = await renderAvatars(input, crop);
  const photo = await ctx.db
    .insertInto('photos')
    .values({ user_id: userId, sizes: [...rendered.keys()], content_type: 'image/webp' })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (const [size, data] of rendered) await ctx.storage.put(photoKey(photo.id, size), data, 'image/webp');
  const previous = await ctx.db.selectFrom('users').select('photo_id').where('id', '=', userId).executeTakeFirstOrThrow();
  await ctx.db.updateTable('users').set({ photo_id: photo.id }).where('id', '=', userId).execute();
  if (previous.photo_id) await removePhoto(ctx, previous.photo_id);
  return photo.id;
}

export async function removePhoto(ctx: AppContext, photoId: string): Promise<void> {
  for (const size of AVATAR_SIZES) await ctx.storage.delete(photoKey(photoId, size));
  await ctx.db.deleteFrom('photos').where('id', '=', photoId).execute();
}

/** One may see a photo of oneself and of anyone who shares a school with one. */
export async function maySeePhoto(ctx: AppContext, viewerId: string, ownerId: string): Promise<boolean> {
  if (viewerId === ownerId) return true;
  const shared = await ctx.db
    .selectFrom('persons as a')
    .innerJoin('persons as b', 'a.school_id', 'b.school_id')
    .select('a.id')
    .where('a.user_id', '=', viewerId)
    .where('b.user_id', '=', ownerId)
    .where('a.archived_at', 'is', null)
    .where('b.archived_at', 'is', null)
    .executeTakeFirst();
  return Boolean(shared);
}
