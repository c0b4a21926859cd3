import { createReadStream } from 'node:fs';
import { fileTypeFromFile } from 'file-type';
import { AppError } from '../http/errors.ts';

/**
 * Which uploads are accepted, decided from the bytes (file-type's magic numbers), never from the
 * name or the type the client claims. Pictures that sharp reads are `image`s (thumbnail and
 * dimensions, shown inline); everything else is a `file`, always served as a download.
 */
export const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/avif']);

export const ALLOWED_TYPES = new Set([
  ...IMAGE_TYPES,
  'image/heic',
  'application/pdf',
  'application/rtf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.openxmlformats-officedocument.presentationml.slideshow',
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation',
  'audio/mpeg',
  'audio/ogg',
  'audio/ogg; codecs=opus',
  'audio/wav',
  'audio/mp4',
  'audio/x-m4a',
  'audio/aac',
  'audio/flac',
  'video/mp4',
  'video/webm',
  'video/quicktime',
]);

/** Old Office documents share one container format (CFB); the extension tells them apart. */
const LEGACY_OFFICE: Record<string, string> = {
  doc: 'application/msword',
  xls: 'application/vnd.ms-excel',
  ppt: 'application/vnd.ms-powerpoint',
};

/** Text with no recognisable signature is accepted when it is UTF-8 without control characters. */
const TEXT_TYPES: Record<string, string> = {
  csv: 'text/csv',
  md: 'text/markdown',
};

const extension = (name: string) => /\.([a-z0-9]{1,8})$/i.exec(name)?.[1]?.toLowerCase() ?? '';

// C0 controls other than tab, line feed, form feed and carriage return, and DEL.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000e-\u001f\u007f]/;

/** Reads the whole file as a stream: valid UTF-8 without control characters. */
export async function isPlainText(file: string): Promise<boolean> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 64 * 1024 })) {
      if (CONTROL.test(decoder.decode(chunk as Buffer, { stream: true }))) return false;
    }
    return !CONTROL.test(decoder.decode());
  } catch {
    return false;
  }
}

export interface Detected {
  contentType: string;
  isImage: boolean;
}

/** The accepted type of a spooled upload, or 415 `unsupported_media_type`. */
export async function detectType(file: string, name: string): Promise<Detected> {
  const found = await fileTypeFromFile(file);
  if (found) {
    if (ALLOWED_TYPES.has(found.mime)) return { contentType: found.mime, isImage: IMAGE_TYPES.has(found.mime) };
    const legacy = LEGACY_OFFICE[extension(name)];
    if (found.mime === 'application/x-cfb' && legacy) return { contentType: legacy, isImage: false };
    throw new AppError('unsupported_media_type', 415, { detected: found.mime });
  }
  if (await isPlainText(file)) return { contentType: TEXT_TYPES[extension(name)] ?? 'text/plain', isImage: false };
  throw new AppError('unsupported_media_type', 415, { detected: null });
}

/**
 * The original name as metadata: no folders, no control or bidi-override characters, at most
 * 255 characters; `file` when nothing is left.
 */
export function cleanFileName(raw: string | undefined): string {
  const base = (raw ?? '').split(/[/\\]/).pop() ?? '';
  const cleaned = base
    .normalize('NFC')
    // eslint-disable-next-line no-control-regex -- removing control characters is the point
    .replace(/[\u0000-\u001f\u007f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
    .trim()
    .replace(/^\.+/, '');
  return [...cleaned].slice(0, 255).join('') || 'file';
}

/** `Content-Disposition` with an ASCII fallback and the UTF-8 name (RFC 6266 / 5987). */
export function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
