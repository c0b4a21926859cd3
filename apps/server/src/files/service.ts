import crypto from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Selectable } from 'kysely';
import sharp from 'sharp';
import type { MessageAttachment, UploadedFile } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import type { Queryable, Tx } from '../db/schema.ts';
import { AppError } from '../http/errors.ts';
import { accessChat, type ChatAccess } from '../messaging/access.ts';
import { canReadAttachment, type AttachmentResolver } from '../messaging/attachments.ts';
import { canReadHomeworkFile } from '../diary/access.ts';
import { stickerAttachment } from './stickers.ts';
import type { FilesTable } from './tables.ts';
import { cleanFileName, detectType } from './types.ts';

export type FileRow = Selectable<FilesTable>;

export const THUMBNAIL_SIZE = 320;
const MAX_PIXELS = 50_000_000;

export const fileKey = (id: string) => `files/${id}/original`;
export const thumbnailKey = (id: string) => `files/${id}/thumbnail.webp`;
export const fileUrl = (id: string) => `/api/v1/files/${id}`;
export const thumbnailUrl = (id: string) => `/api/v1/files/${id}/thumbnail`;

export function presentFile(row: FileRow): UploadedFile {
  return {
    id: row.id,
    chatId: row.chat_id,
    kind: row.kind,
    name: row.name,
    contentType: row.content_type,
    size: Number(row.size),
    width: row.width,
    height: row.height,
    url: fileUrl(row.id),
    thumbnailUrl: row.thumbnail_key ? thumbnailUrl(row.id) : null,
    createdAt: row.created_at.toISOString(),
  };
}

export function attachmentOf(row: FileRow): MessageAttachment {
  const f = presentFile(row);
  return {
    id: f.id,
    kind: f.kind,
    name: f.name,
    contentType: f.contentType,
    size: f.size,
    width: f.width,
    height: f.height,
    url: f.url,
    thumbnailUrl: f.thumbnailUrl,
  };
}

/** Counts and hashes what passes through, and fails as soon as it exceeds `limit` bytes. */
function meter(limit: number) {
  const hash = crypto.createHash('sha256');
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > limit) return done(new AppError('payload_too_large', 413, { maxBytes: limit }));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  return { stream, result: () => ({ size, sha256: hash.digest('hex') }) };
}

interface Rendered {
  width: number;
  height: number;
  thumbnail: Buffer;
}

/**
 * Dimensions (upright, after the EXIF orientation) and a WebP thumbnail of at most 320×320.
 * sharp writes no metadata unless asked, so the thumbnail carries no EXIF, GPS or comments.
 */
async function renderImage(file: string): Promise<Rendered> {
  try {
    const meta = await sharp(file, { limitInputPixels: MAX_PIXELS }).metadata();
    const width = meta.autoOrient?.width ?? meta.width;
    const height = meta.autoOrient?.height ?? meta.height;
    if (!width || !height) throw new Error('no dimensions');
    const thumbnail = await sharp(file, { limitInputPixels: MAX_PIXELS })
      .autoOrient()
      .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80 })
      .toBuffer();
    return { width, height, thumbnail };
  } catch {
    throw new AppError('image_invalid', 415);
  }
}

const STRIPPED_FORMATS: Record<string, 'jpeg' | 'png' | 'webp' | 'avif' | 'heif'> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/avif': 'avif',
  'image/heic': 'heif',
  'image/heif': 'heif',
};

/** The picture turned upright and written again in its own format, at high quality, with no metadata. */
async function stripMetadata(file: string, format: (typeof STRIPPED_FORMATS)[string]): Promise<Buffer> {
  try {
    const img = sharp(file, { limitInputPixels: MAX_PIXELS }).autoOrient();
    if (format === 'jpeg') return await img.jpeg({ quality: 92, mozjpeg: true }).toBuffer();
    if (format === 'png') return await img.png({ compressionLevel: 9 }).toBuffer();
    if (format === 'webp') return await img.webp({ quality: 92 }).toBuffer();
    if (format === 'avif') return await img.avif({ quality: 80 }).toBuffer();
    return await img.heif({ quality: 80, compression: 'hevc' }).toBuffer();
  } catch {
    throw new AppError('image_invalid', 415);
  }
}

export interface IncomingFile {
  filename: string | undefined;
  stream: Readable;
  /** Whether the multipart parser cut the stream at its own size limit. */
  truncated: () => boolean;
}

/**
 * Uploads a file into a chat. The bytes are spooled to a temporary file under the data
 * directory (never held whole in memory), measured against the limit, typed from their
 * content, and then streamed to storage under a key made from a new id. Nothing is stored
 * when any check fails.
 */
export async function uploadFile(ctx: AppContext, access: ChatAccess, userId: string, incoming: IncomingFile): Promise<UploadedFile> {
  if (!access.canPost) throw new AppError('posting_not_allowed', 403);
  const limit = ctx.config.limits.maxUploadBytes;
  const spoolDir = path.join(ctx.config.dataDir, 'tmp', 'uploads');
  await fs.mkdir(spoolDir, { recursive: true });
  const id = crypto.randomUUID();
  const spool = path.join(spoolDir, `${id}.part`);
  const stored: string[] = [];
  try {
    const m = meter(limit);
    await pipeline(incoming.stream, m.stream, createWriteStream(spool, { flags: 'wx' }));
    if (incoming.truncated()) throw new AppError('payload_too_large', 413, { maxBytes: limit });
    let { size, sha256 } = m.result();
    const name = cleanFileName(incoming.filename);
    const type = await detectType(spool, name);
    const image = type.isImage ? await renderImage(spool) : null;
    if (image && STRIPPED_FORMATS[type.contentType]) {
      // Photos from phones carry EXIF: the place and time they were taken. The stored original
      // is re-encoded upright without any metadata, so a child's photo never gives away where.
      const clean = await stripMetadata(spool, STRIPPED_FORMATS[type.contentType]!);
      await fs.writeFile(spool, clean);
      size = clean.length;
      sha256 = crypto.createHash('sha256').update(clean).digest('hex');
    }

    await ctx.storage.putStream(fileKey(id), createReadStream(spool), size, type.contentType);
    stored.push(fileKey(id));
    if (image) {
      await ctx.storage.put(thumbnailKey(id), image.thumbnail, 'image/webp');
      stored.push(thumbnailKey(id));
    }
    const row = await ctx.db
      .insertInto('files')
      .values({
        id,
        school_id: access.schoolId,
        chat_id: access.chat.id,
        uploader_user_id: userId,
        uploader_person_id: access.person.id,
        name,
        content_type: type.contentType,
        kind: image ? 'image' : 'file',
        size,
        sha256,
        width: image?.width ?? null,
        height: image?.height ?? null,
        storage_key: fileKey(id),
        thumbnail_key: image ? thumbnailKey(id) : null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    stored.length = 0;
    return presentFile(row);
  } finally {
    await fs.rm(spool, { force: true });
    for (const key of stored) await ctx.storage.delete(key).catch((err) => ctx.log.warn({ err, key }, 'could not remove a stored object'));
  }
}

/**
 * The file, if the account may read it now: it is attached to a live message of a chat the
 * account is a current member of, or to homework of a class whose diary the account sees
 * (diary/access.ts), or it is the account's own upload, not attached yet, into a chat it is still
 * a member of. Everyone else gets 404, as for a file that does not exist.
 */
export async function readableFile(db: Queryable, userId: string, fileId: string): Promise<FileRow> {
  const row = await db.selectFrom('files').selectAll().where('id', '=', fileId).executeTakeFirst();
  if (!row) throw new AppError('file_not_found', 404);
  if (await canReadAttachment(db, userId, fileId)) return row;
  if (await canReadHomeworkFile(db, userId, fileId)) return row;
  if (row.uploader_user_id === userId && !row.attached_at) {
    const member = await accessChat(db, userId, row.chat_id).catch(() => null);
    if (member) return row;
  }
  throw new AppError('file_not_found', 404);
}

/**
 * The files domain's side of messaging's attachment hook: a message may carry files that its
 * sender uploaded into the same chat and has not attached to another message yet.
 */
export const fileAttachmentResolver: AttachmentResolver = {
  async resolve(trx: Tx, input) {
    if (input.fileIds.length === 0) return [];
    const rows = await trx
      .selectFrom('files')
      .selectAll()
      .where('id', 'in', input.fileIds)
      .where('chat_id', '=', input.chatId)
      .where('uploader_user_id', '=', input.userId)
      .where('attached_at', 'is', null)
      .forUpdate()
      .execute();
    if (rows.length !== input.fileIds.length) throw new AppError('attachment_invalid', 400);
    await trx.updateTable('files').set({ attached_at: new Date() }).where('id', 'in', input.fileIds).execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    return input.fileIds.map((id) => attachmentOf(byId.get(id)!));
  },
  sticker: stickerAttachment,
};
