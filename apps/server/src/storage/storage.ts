import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** An object opened for reading: its bytes as a stream, and how many there are. */
export interface BlobRead {
  body: Readable;
  size: number;
}

/**
 * Where files live: the local disk under the data directory by default, S3-compatible object
 * storage in production (s3-storage.ts). Keys are made by the server (never from a user's
 * file name) and checked by `checkKey`. Every implementation passes storage.test.ts.
 */
export interface BlobStorage {
  readonly name: string;
  /** Makes the storage ready (creates the folder or checks the bucket); called once at start. */
  prepare(): Promise<void>;
  put(key: string, data: Buffer, contentType: string): Promise<void>;
  /** Writes a stream of known length without holding it in memory. */
  putStream(key: string, body: Readable, size: number, contentType: string): Promise<void>;
  /** The bytes, or null when there is no such object. */
  get(key: string): Promise<Buffer | null>;
  /** A stream of the bytes, or null when there is no such object. */
  open(key: string): Promise<BlobRead | null>;
  /** Removes the object; removing a missing object is not an error. */
  delete(key: string): Promise<void>;
}

const SAFE_KEY = /^[a-zA-Z0-9][a-zA-Z0-9/_.-]*$/;

export function checkKey(key: string): string {
  if (!SAFE_KEY.test(key) || key.includes('..') || key.includes('//') || key.endsWith('/') || key.length > 512) {
    throw new Error(`Unsafe storage key: ${key}`);
  }
  return key;
}

export class StorageSizeMismatch extends Error {
  constructor(key: string, expected: number, actual: number) {
    super(`Stored ${actual} bytes for ${key}, expected ${expected}`);
  }
}

/**
 * Passes a stream on and fails it when it turns out longer or shorter than announced, so a
 * writer never waits for bytes that will not come and never stores a different object.
 */
export function exactLength(body: Readable, key: string, size: number): Readable {
  let seen = 0;
  const check = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > size) return done(new StorageSizeMismatch(key, size, seen));
      done(null, chunk);
    },
    flush(done) {
      done(seen === size ? null : new StorageSizeMismatch(key, size, seen));
    },
  });
  body.on('error', (err) => check.destroy(err));
  return body.pipe(check);
}

export class LocalDiskStorage implements BlobStorage {
  readonly name = 'local';
  constructor(private readonly root: string) {}

  private file(key: string): string {
    return path.join(this.root, checkKey(key));
  }

  async prepare(): Promise<void> {
    await fs.mkdir(this.root, { recursive: true });
  }

  /** Writes beside the target and renames, so a reader never sees half a file. */
  private async writeAtomically(key: string, write: (tmp: string) => Promise<void>): Promise<void> {
    const file = this.file(key);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    try {
      await write(tmp);
      await fs.rename(tmp, file);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
  }

  async put(key: string, data: Buffer): Promise<void> {
    await this.writeAtomically(key, (tmp) => fs.writeFile(tmp, data));
  }

  async putStream(key: string, body: Readable, size: number): Promise<void> {
    await this.writeAtomically(key, async (tmp) => {
      await pipeline(exactLength(body, key, size), createWriteStream(tmp));
    });
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      return await fs.readFile(this.file(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async open(key: string): Promise<BlobRead | null> {
    const file = this.file(key);
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    // The open handle keeps the bytes readable even if the object is replaced or removed meanwhile.
    const { size } = await handle.stat();
    return { body: handle.createReadStream() as Readable, size };
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.file(key), { force: true });
  }
}
