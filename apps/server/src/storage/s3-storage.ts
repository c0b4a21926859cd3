import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { checkKey, exactLength, type BlobRead, type BlobStorage } from './storage.ts';

export interface S3Options {
  /** For S3-compatible servers (MinIO, Ceph, Garage, …); empty for AWS itself. */
  endpoint?: string;
  bucket: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** `http://host/bucket/key` instead of `http://bucket.host/key`: most self-hosted servers need it. */
  forcePathStyle: boolean;
  /** Create the bucket at start when it is missing (off when the credentials may not). */
  createBucket?: boolean;
}

function isNotFound(err: unknown): boolean {
  if (err instanceof S3ServiceException) {
    return err.$metadata.httpStatusCode === 404 || err.name === 'NoSuchKey' || err.name === 'NotFound' || err.name === 'NoSuchBucket';
  }
  return false;
}

/** Objects in an S3-compatible bucket, through `@aws-sdk/client-s3`. */
export class S3Storage implements BlobStorage {
  readonly name = 's3';
  private readonly client: S3Client;

  constructor(private readonly options: S3Options) {
    this.client = new S3Client({
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      ...(options.accessKeyId && options.secretAccessKey
        ? { credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } }
        : {}),
      // Checksums only where the API demands them: many S3-compatible servers do not accept
      // the chunked trailing-checksum uploads the SDK otherwise sends by default.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  get bucket(): string {
    return this.options.bucket;
  }

  async prepare(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.options.bucket }));
    } catch (err) {
      if (!isNotFound(err) || this.options.createBucket === false) throw err;
      await this.client.send(new CreateBucketCommand({ Bucket: this.options.bucket }));
    }
  }

  async put(key: string, data: Buffer, contentType: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.options.bucket, Key: checkKey(key), Body: data, ContentType: contentType, ContentLength: data.length }),
    );
  }

  async putStream(key: string, body: Readable, size: number, contentType: string): Promise<void> {
    // A known length lets the SDK stream the body in one PUT without buffering it. A body that
    // fails or turns out shorter than announced aborts the request, so nothing is stored.
    const checked = exactLength(body, key, size);
    const abort = new AbortController();
    const failed = new Promise<never>((_resolve, reject) => {
      checked.once('error', (err) => {
        abort.abort();
        reject(err);
      });
    });
    failed.catch(() => {});
    const sending = this.client.send(
      new PutObjectCommand({ Bucket: this.options.bucket, Key: checkKey(key), Body: checked, ContentType: contentType, ContentLength: size }),
      { abortSignal: abort.signal },
    );
    try {
      await Promise.race([sending, failed]);
    } catch (err) {
      sending.catch(() => {});
      throw err;
    }
  }

  async get(key: string): Promise<Buffer | null> {
    const read = await this.open(key);
    if (!read) return null;
    const chunks: Buffer[] = [];
    for await (const chunk of read.body) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async open(key: string): Promise<BlobRead | null> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: checkKey(key) }));
      const body = res.Body;
      if (!(body instanceof Readable)) throw new Error('S3 answered without a readable body');
      return { body, size: Number(res.ContentLength ?? 0) };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: checkKey(key) }));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  destroy(): void {
    this.client.destroy();
  }
}
