import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { loadConfig } from '../config.ts';
import { createStorage } from './create.ts';
import { S3Storage } from './s3-storage.ts';
import { startS3TestServer, type S3TestServer } from './s3-test-server.ts';
import { checkKey, LocalDiskStorage, type BlobStorage } from './storage.ts';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Yields `total` pseudo-random bytes in 64 KiB pieces, never holding them all. */
function generated(total: number, seed: string): { stream: Readable; digest: () => string } {
  const hash = crypto.createHash('sha256');
  let sent = 0;
  let counter = 0;
  const stream = new Readable({
    read() {
      if (sent >= total) return void this.push(null);
      const n = Math.min(65536, total - sent);
      const block = Buffer.alloc(n);
      for (let off = 0; off < n; off += 32) {
        crypto
          .createHash('sha256')
          .update(`${seed}:${counter++}`)
          .digest()
          .copy(block, off, 0, Math.min(32, n - off));
      }
      hash.update(block);
      sent += n;
      this.push(block);
    },
  });
  return { stream, digest: () => hash.digest('hex') };
}

/** The same behaviour is required of every BlobStorage. */
function contract(name: string, make: () => Promise<BlobStorage>) {
  describe(`blob storage contract: ${name}`, () => {
    let s: BlobStorage;
    before(async () => {
      s = await make();
      await s.prepare();
    });

    test('put then get returns the same bytes; open gives a stream and the size', async () => {
      const data = crypto.randomBytes(1000);
      await s.put('files/a/original', data, 'application/octet-stream');
      assert.deepEqual(await s.get('files/a/original'), data);
      const read = await s.open('files/a/original');
      assert.ok(read);
      assert.equal(read.size, 1000);
      assert.deepEqual(await readAll(read.body), data);
    });

    test('a missing key reads as null, for get and open', async () => {
      assert.equal(await s.get('files/missing/original'), null);
      assert.equal(await s.open('files/missing/original'), null);
    });

    test('put replaces an existing object', async () => {
      await s.put('files/b/original', Buffer.from('first'), 'text/plain');
      await s.put('files/b/original', Buffer.from('second, longer'), 'text/plain');
      assert.equal((await s.get('files/b/original'))!.toString(), 'second, longer');
    });

    test('delete removes the object, and deleting a missing object is not an error', async () => {
      await s.put('files/c/original', Buffer.from('x'), 'text/plain');
      await s.delete('files/c/original');
      assert.equal(await s.get('files/c/original'), null);
      await s.delete('files/c/original');
      await s.delete('files/never/existed');
      assert.equal(await s.open('files/c/original'), null);
    });

    test('an empty object round-trips', async () => {
      await s.put('files/empty/original', Buffer.alloc(0), 'text/plain');
      const read = await s.open('files/empty/original');
      assert.ok(read);
      assert.equal(read.size, 0);
      assert.equal((await readAll(read.body)).length, 0);
    });

    test('putStream stores 12 MiB streamed in pieces, and open streams it back intact', async () => {
      const total = 12 * 1024 * 1024 + 17;
      const source = generated(total, name);
      await s.putStream('files/big/original', source.stream, total, 'application/octet-stream');
      const read = await s.open('files/big/original');
      assert.ok(read);
      assert.equal(read.size, total);
      const hash = crypto.createHash('sha256');
      let received = 0;
      for await (const chunk of read.body) {
        hash.update(chunk as Buffer);
        received += (chunk as Buffer).length;
      }
      assert.equal(received, total);
      assert.equal(hash.digest('hex'), source.digest());
      await s.delete('files/big/original');
    });

    test('putStream refuses a stream shorter or longer than announced, and never stores its bytes', async () => {
      await assert.rejects(s.putStream('files/short/original', Readable.from([Buffer.from('abc')]), 10, 'text/plain'), /expected 10/);
      await assert.rejects(s.putStream('files/long/original', Readable.from([Buffer.from('abcdef')]), 4, 'text/plain'), /expected 4/);
      // AWS S3 and the local disk store nothing; s3rver may keep an empty object of an aborted PUT.
      for (const key of ['files/short/original', 'files/long/original']) {
        const got = await s.get(key);
        assert.ok(got === null || got.length === 0, key);
      }
    });

    test('keys are independent, including ones that share a prefix', async () => {
      await s.put('files/p/original', Buffer.from('1'), 'text/plain');
      await s.put('files/p/original2', Buffer.from('2'), 'text/plain');
      await s.put('files/p/thumb.webp', Buffer.from('3'), 'image/webp');
      assert.equal((await s.get('files/p/original'))!.toString(), '1');
      assert.equal((await s.get('files/p/original2'))!.toString(), '2');
      await s.delete('files/p/original');
      assert.equal((await s.get('files/p/thumb.webp'))!.toString(), '3');
    });

    test('unsafe keys are refused before anything is written', async () => {
      for (const key of ['../escape', 'files/../../etc/passwd', '/absolute', 'a//b', 'dir/', 'with space', 'кириллица', '']) {
        await assert.rejects(s.put(key, Buffer.from('x'), 'text/plain'), /Unsafe storage key/, key);
        await assert.rejects(s.get(key), /Unsafe storage key/, key);
      }
    });
  });
}

let s3: S3TestServer;
const localRoots: string[] = [];

before(async () => {
  s3 = await startS3TestServer();
});
after(async () => {
  await s3.close();
  for (const r of localRoots) fs.rmSync(r, { recursive: true, force: true });
});

contract('local disk', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'parta-storage-'));
  localRoots.push(root);
  return new LocalDiskStorage(path.join(root, 'files'));
});
contract('S3 (s3rver)', async () => s3.storage());

describe('storage configuration', () => {
  test('PARTA_STORAGE picks the implementation; S3 needs a bucket', () => {
    const local = createStorage(loadConfig({ PARTA_DATA_DIR: '/tmp/parta-x' }));
    assert.ok(local instanceof LocalDiskStorage);
    const config = loadConfig({
      PARTA_STORAGE: 's3',
      PARTA_S3_ENDPOINT: 'http://127.0.0.1:9000',
      PARTA_S3_BUCKET: 'parta-files',
      PARTA_S3_ACCESS_KEY: 'k',
      PARTA_S3_SECRET_KEY: 's',
      PARTA_S3_FORCE_PATH_STYLE: '1',
    });
    assert.deepEqual(config.storage, {
      kind: 's3',
      endpoint: 'http://127.0.0.1:9000',
      bucket: 'parta-files',
      region: 'us-east-1',
      accessKeyId: 'k',
      secretAccessKey: 's',
      forcePathStyle: true,
    });
    const remote = createStorage(config);
    assert.ok(remote instanceof S3Storage);
    assert.equal(remote.bucket, 'parta-files');
    (remote as S3Storage).destroy();
    assert.throws(() => loadConfig({ PARTA_STORAGE: 's3' }), /PARTA_S3_BUCKET/);
    assert.throws(() => loadConfig({ PARTA_STORAGE: 's3', PARTA_S3_BUCKET: 'parta-files', PARTA_S3_ACCESS_KEY: 'k' }), /give both/);
    assert.equal(loadConfig({}).limits.maxUploadBytes, 25 * 1024 * 1024);
  });

  test('S3 prepare creates a missing bucket, and the app data round-trips through it', async () => {
    const storage = s3.storage('parta-made-at-start');
    await storage.prepare();
    await storage.prepare();
    await storage.put('files/z/original', Buffer.from('ok'), 'text/plain');
    assert.equal((await storage.get('files/z/original'))!.toString(), 'ok');
  });

  test('checkKey accepts the keys the server makes', () => {
    assert.equal(checkKey('files/0b4d0a53-7f0e-4c38-9d1a-5f6c3e2a1b00/original'), 'files/0b4d0a53-7f0e-4c38-9d1a-5f6c3e2a1b00/original');
    assert.equal(checkKey('photos/x/64.webp'), 'photos/x/64.webp');
  });
});
