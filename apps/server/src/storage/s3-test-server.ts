import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { S3Storage } from './s3-storage.ts';

/**
 * A real S3-compatible server for tests (s3rver, a development dependency), listening on
 * 127.0.0.1 at a free port and keeping its objects in a temporary folder.
 */
export interface S3TestServer {
  endpoint: string;
  /** A storage over a bucket of its own on this server (the bucket is created by `prepare`). */
  storage(bucket?: string): S3Storage;
  close(): Promise<void>;
}

let buckets = 0;

export async function startS3TestServer(): Promise<S3TestServer> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'parta-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  const made: S3Storage[] = [];
  return {
    endpoint,
    storage(bucket = `parta-test-${process.pid}-${++buckets}`) {
      const s = new S3Storage({ endpoint, bucket, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true });
      made.push(s);
      return s;
    },
    async close() {
      for (const s of made) s.destroy();
      await server.close();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}
