import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sql } from 'kysely';
import type { PGlite } from '@electric-sql/pglite';
import * as tar from 'tar';
import { migrate, openDatabase } from '../db/database.ts';
import { lockDataDir } from '../db/lock.ts';

/**
 * Backups of an embedded (PGlite) deployment: one `.tar.gz` holding
 * - `manifest.json`: what the archive is (format, version, when, how many files);
 * - `database.tar`: the database folder, taken while no transaction is open (after a CHECKPOINT);
 * - `files/…`: the stored files (uploads, thumbnails, photos) of the local storage.
 * docs/subsystems/backup.md explains the design; PostgreSQL deployments use pg_dump instead.
 */
export const BACKUP_FORMAT = 'parta-backup';
export const BACKUP_VERSION = 1;

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  version: number;
  createdAt: string;
  database: 'pglite';
  files: number;
}

export interface BackupResult {
  manifest: BackupManifest;
  /** How long the database was held still for its copy (requests waited meanwhile). */
  databaseMs: number;
}

export class BackupError extends Error {}

/** The embedded database folder (PGlite's own files) inside the data directory. */
export const pgDir = (dataDir: string) => path.join(dataDir, 'pg');
export const filesDir = (dataDir: string) => path.join(dataDir, 'files');

/**
 * The database folder as a tarball, consistent: taken inside PGlite's transaction lock (no
 * statement or transaction of the server runs meanwhile) right after a CHECKPOINT. The server
 * keeps answering; its queries wait for the few hundred milliseconds this takes.
 */
export async function snapshotDatabase(pglite: PGlite): Promise<Blob> {
  let dump: Blob | undefined;
  await pglite.transaction(async (tx) => {
    await tx.exec('CHECKPOINT');
    dump = await pglite.dumpDataDir('none');
  });
  return dump!;
}

function countFiles(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[]).filter((e) => e.isFile() && !e.name.endsWith('.tmp')).length;
}

/**
 * Writes a backup archive to `out`: the database first, then the files, so every file the
 * database names is in the archive (a file stored meanwhile may be there too, unnamed: harmless).
 */
export async function writeBackup(pglite: PGlite, dataDir: string, out: Writable): Promise<BackupResult> {
  const staging = fs.mkdtempSync(path.join(dataDir, '.backup-'));
  try {
    const started = performance.now();
    const dump = await snapshotDatabase(pglite);
    const databaseMs = Math.round(performance.now() - started);
    await pipeline(dump.stream() as unknown as NodeJS.ReadableStream, fs.createWriteStream(path.join(staging, 'database.tar')));
    const entries = ['manifest.json', 'database.tar'];
    const files = filesDir(dataDir);
    if (fs.existsSync(files)) {
      fs.symlinkSync(files, path.join(staging, 'files'), 'dir');
      entries.push('files');
    }
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      version: BACKUP_VERSION,
      createdAt: new Date().toISOString(),
      database: 'pglite',
      files: countFiles(files),
    };
    fs.writeFileSync(path.join(staging, 'manifest.json'), JSON.stringify(manifest, null, 2));
    // `follow` packs what the `files` link points to; half-written uploads (`*.tmp`) stay out.
    const pack = tar.c({ gzip: true, cwd: staging, follow: true, portable: true, filter: (p) => !p.endsWith('.tmp') }, entries);
    await pipeline(pack as unknown as NodeJS.ReadableStream, out);
    return { manifest, databaseMs };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Writes a backup to a file: beside it first, renamed when complete, so a failed run leaves no half archive. */
export async function writeBackupFile(pglite: PGlite, dataDir: string, file: string): Promise<BackupResult> {
  const tmp = `${file}.${process.pid}.partial`;
  try {
    const result = await writeBackup(pglite, dataDir, fs.createWriteStream(tmp, { mode: 0o600 }));
    fs.renameSync(tmp, file);
    return result;
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

function readManifest(dir: string): BackupManifest {
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as BackupManifest;
  } catch {
    throw new BackupError('This is not a Parta backup: it has no readable manifest.json.');
  }
  if (manifest.format !== BACKUP_FORMAT) throw new BackupError(`This is not a Parta backup (format ${String(manifest.format)}).`);
  if (!(manifest.version >= 1 && manifest.version <= BACKUP_VERSION)) {
    throw new BackupError(
      `This backup has format version ${manifest.version}; this Parta reads versions up to ${BACKUP_VERSION}. Restore it with a newer Parta.`,
    );
  }
  if (!fs.existsSync(path.join(dir, 'database.tar'))) throw new BackupError('The backup has no database.tar.');
  return manifest;
}

export interface RestoreResult {
  manifest: BackupManifest;
  /** Where the database and files that were in the data folder were moved (with `force`). */
  movedAside: string | null;
  /** Sessions ended by the restore (every session the backup held). */
  sessionsEnded: number;
}

/**
 * Restores an archive into the data folder, with no server running on it (the folder's lock is
 * taken). A folder that already holds a database is refused unless `force`; then its `pg/` and
 * `files/` are moved aside into `replaced-<time>/`, never deleted. Migrations newer than the
 * backup are applied. Every session in the backup is ended: a backup cannot know which sessions
 * were revoked after it was taken, so everyone signs in again (docs/subsystems/backup.md).
 */
export async function restoreBackup(archive: string, dataDir: string, options: { force?: boolean } = {}): Promise<RestoreResult> {
  if (!fs.existsSync(archive)) throw new BackupError(`No such file: ${archive}`);
  fs.mkdirSync(dataDir, { recursive: true });
  let unlock = lockDataDir(dataDir);
  let staging: string | null = null;
  let movedAside: string | null = null;
  try {
    staging = fs.mkdtempSync(path.join(dataDir, '.restore-'));
    try {
      await tar.x({ file: archive, cwd: staging, strict: true });
    } catch (err) {
      throw new BackupError(`The archive could not be read: ${(err as Error).message}`);
    }
    const manifest = readManifest(staging);

    const present = [pgDir(dataDir), filesDir(dataDir)].filter((p) => fs.existsSync(p) && fs.readdirSync(p).length > 0);
    if (present.length && !options.force) {
      throw new BackupError(`The data folder ${dataDir} already holds a database or files. Restore into an empty folder, or pass --force to move them aside.`);
    }
    if (present.length) {
      movedAside = path.join(dataDir, `replaced-${new Date().toISOString().replace(/[:.]/g, '-')}`);
      fs.mkdirSync(movedAside);
      for (const p of present) fs.renameSync(p, path.join(movedAside, path.basename(p)));
    }
    for (const p of [pgDir(dataDir), filesDir(dataDir)]) fs.rmSync(p, { recursive: true, force: true });
    if (fs.existsSync(path.join(staging, 'files'))) fs.renameSync(path.join(staging, 'files'), filesDir(dataDir));
    else fs.mkdirSync(filesDir(dataDir));

    const dump = new Blob([fs.readFileSync(path.join(staging, 'database.tar'))]);
    unlock(); // openDatabase takes the lock itself
    unlock = () => {};
    const database = await openDatabase({ kind: 'pglite', dataDir, loadFrom: dump });
    try {
      await migrate(database.db);
      const ended = await database.db
        .updateTable('sessions')
        .set({ revoked_at: sql<Date>`now()` })
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return { manifest, movedAside, sessionsEnded: Number(ended.numUpdatedRows) };
    } finally {
      await database.close();
    }
  } finally {
    if (staging) fs.rmSync(staging, { recursive: true, force: true });
    unlock();
  }
}
