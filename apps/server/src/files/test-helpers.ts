import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { LightMyRequestResponse } from 'fastify';
import type { TestApp } from '../testing/harness.ts';

/** A multipart/form-data body with one file field, as a browser sends it (the name as raw UTF-8). */
export function multipartBody(filename: string, content: Buffer, contentType = 'application/octet-stream', field = 'file') {
  const boundary = `----parta${crypto.randomBytes(8).toString('hex')}`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: ${contentType}\r\n\r\n`, 'utf8'),
    content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

export function upload(t: TestApp, token: string, chatId: string, filename: string, content: Buffer, contentType?: string): Promise<LightMyRequestResponse> {
  const m = multipartBody(filename, content, contentType);
  return t.request('POST', `/api/v1/chats/${chatId}/files`, { token, body: m.body, headers: m.headers });
}

/** A 1200×800 JPEG with EXIF (camera, GPS-like comment) and orientation 6 (shown rotated: 800×1200). */
export async function jpegWithExif(): Promise<Buffer> {
  return sharp({ create: { width: 1200, height: 800, channels: 3, background: { r: 40, g: 120, b: 200 } } })
    .composite([{ input: { create: { width: 300, height: 300, channels: 3, background: { r: 250, g: 200, b: 30 } } }, left: 100, top: 100 }])
    .jpeg({ quality: 85 })
    .withExif({ IFD0: { Make: 'PartaCam', Model: 'Secret Model 5', ImageDescription: 'home address 55.75N 37.61E' } })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

/** Every object under the local storage root, as paths relative to it. */
export function storedObjects(t: TestApp): string[] {
  const root = path.join(t.config.dataDir, 'files');
  if (!fs.existsSync(root)) return [];
  return (fs.readdirSync(root, { recursive: true }) as string[]).filter((p) => fs.statSync(path.join(root, p)).isFile()).sort();
}

export function spooled(t: TestApp): string[] {
  const dir = path.join(t.config.dataDir, 'tmp', 'uploads');
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
}

export const MINIMAL_PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
);
