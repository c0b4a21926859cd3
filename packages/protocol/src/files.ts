import { z } from 'zod';
import { Id, Iso } from './common.ts';

/**
 * Files and stickers. A file is uploaded into one chat, then attached to a message of that chat
 * by its uploader (`attachments: [fileId]` on send). Downloads need a session and current
 * membership of a chat where the file is attached; there are no public links.
 */
export const FileKind = z.enum(['file', 'image']);
export type FileKind = z.infer<typeof FileKind>;

export const UploadedFile = z.object({
  id: Id,
  chatId: Id,
  kind: FileKind.describe('`image`: a picture with dimensions and a thumbnail; `file`: anything else, always downloaded'),
  name: z.string().describe('The original file name, as metadata only'),
  contentType: z.string().describe('Decided from the bytes, not from the name'),
  size: z.number().int(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  url: z.string().describe('GET it with the session token'),
  thumbnailUrl: z.string().nullable().describe('Images: a WebP of at most 320×320 px without metadata'),
  createdAt: Iso,
});
export type UploadedFile = z.infer<typeof UploadedFile>;

export const StickerId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/);

export const Sticker = z.object({
  id: StickerId,
  name: z.object({ ru: z.string(), en: z.string() }),
  keywords: z.object({ ru: z.array(z.string()), en: z.array(z.string()) }),
  url: z.string().describe('The SVG, GET with the session token'),
});
export type Sticker = z.infer<typeof Sticker>;

export const StickerPack = z.object({
  id: z.string(),
  name: z.object({ ru: z.string(), en: z.string() }),
  stickers: z.array(Sticker),
});
export type StickerPack = z.infer<typeof StickerPack>;
