import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { StickerId, type MessageAttachment, type Sticker, type StickerPack } from '@parta/protocol';
import { AppError } from '../http/errors.ts';

/** The sticker pack shipped with Parta: SVG files and a manifest in apps/server/assets/stickers. */
export const STICKERS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../assets/stickers');

const Localised = z.object({ ru: z.string().min(1), en: z.string().min(1) });
const Manifest = z.object({
  id: z.string(),
  name: Localised,
  stickers: z.array(z.object({ id: StickerId, name: Localised, keywords: z.object({ ru: z.array(z.string()), en: z.array(z.string()) }) })).min(1),
});

export interface LoadedSticker extends Sticker {
  svg: Buffer;
}

export interface LoadedPack {
  pack: StickerPack;
  byId: Map<string, LoadedSticker>;
}

export const stickerUrl = (id: string) => `/api/v1/stickers/${id}.svg`;

export function loadStickerPack(dir: string = STICKERS_DIR): LoadedPack {
  const manifest = Manifest.parse(JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')));
  const byId = new Map<string, LoadedSticker>();
  for (const s of manifest.stickers) {
    if (byId.has(s.id)) throw new Error(`Sticker ${s.id} is listed twice`);
    byId.set(s.id, { ...s, url: stickerUrl(s.id), svg: fs.readFileSync(path.join(dir, `${s.id}.svg`)) });
  }
  const stickers = [...byId.values()].map(({ id, name, keywords, url }) => ({ id, name, keywords, url }));
  return { pack: { id: manifest.id, name: manifest.name, stickers }, byId };
}

let cached: LoadedPack | null = null;

/** The pack, read from disk once per process. */
export function stickerPack(): LoadedPack {
  cached ??= loadStickerPack();
  return cached;
}

/** A sticker as a message attachment; unknown ids are refused. */
export function stickerAttachment(id: string): MessageAttachment {
  const s = stickerPack().byId.get(id);
  if (!s) throw new AppError('sticker_not_found', 400, { sticker: id });
  return {
    id: s.id,
    kind: 'sticker',
    name: s.name.ru,
    contentType: 'image/svg+xml',
    size: s.svg.length,
    width: 128,
    height: 128,
    url: s.url,
    thumbnailUrl: null,
  };
}
