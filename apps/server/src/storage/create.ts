import path from 'node:path';
import type { Config } from '../config.ts';
import { S3Storage } from './s3-storage.ts';
import { LocalDiskStorage, type BlobStorage } from './storage.ts';

/** The storage chosen by PARTA_STORAGE: the data directory's `files/` folder, or an S3 bucket. */
export function createStorage(config: Config): BlobStorage {
  const s = config.storage;
  if (s.kind === 's3') {
    return new S3Storage({
      endpoint: s.endpoint,
      bucket: s.bucket,
      region: s.region,
      accessKeyId: s.accessKeyId,
      secretAccessKey: s.secretAccessKey,
      forcePathStyle: s.forcePathStyle,
    });
  }
  return new LocalDiskStorage(path.join(config.dataDir, 'files'));
}
