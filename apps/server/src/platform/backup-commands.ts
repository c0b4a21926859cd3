import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import { openDatabase } from '../db/database.ts';
import { BackupError, pgDir, restoreBackup, writeBackupFile } from './backup.ts';
import { NoServerRunning, requestBackup } from './control.ts';

const POSTGRES = 'PostgreSQL deployments back up with pg_dump and a copy of the file storage: see docs/subsystems/backup.md.';

/**
 * `npm run parta -- backup --out <file>`: asks the server running on the data folder for a
 * backup over its control socket; with no server running, opens the database itself.
 */
export async function backupCommand(config: Config, out: string): Promise<string> {
  if (config.databaseUrl) throw new BackupError(`backup is for the embedded database. ${POSTGRES}`);
  const file = path.resolve(out);
  const note = config.storage.kind === 's3' ? '\nThe files are in the S3 bucket, not in this archive: back the bucket up with its own tools.' : '';
  const tmp = `${file}.${process.pid}.partial`;
  try {
    await requestBackup(config.dataDir, fs.createWriteStream(tmp, { mode: 0o600 }));
    fs.renameSync(tmp, file);
    return `Backup written by the running server to ${file}${note}`;
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    if (!(err instanceof NoServerRunning)) throw err;
  }
  if (!fs.existsSync(pgDir(config.dataDir))) throw new BackupError(`There is no database in ${config.dataDir} (PARTA_DATA_DIR).`);
  const database = await openDatabase({ kind: 'pglite', dataDir: config.dataDir });
  try {
    const { manifest } = await writeBackupFile(database.pglite!, config.dataDir, file);
    return `Backup written to ${file} (${manifest.files} stored files)${note}`;
  } finally {
    await database.close();
  }
}

/** `npm run parta -- restore --from <file> [--force]`, with the server stopped. */
export async function restoreCommand(config: Config, from: string, force: boolean): Promise<string> {
  if (config.databaseUrl) throw new BackupError(`restore is for the embedded database. ${POSTGRES}`);
  const result = await restoreBackup(path.resolve(from), config.dataDir, { force });
  return [
    `Restored the backup of ${result.manifest.createdAt} (${result.manifest.files} stored files) into ${config.dataDir}.`,
    result.movedAside ? `What was there before is kept in ${result.movedAside}.` : '',
    `${result.sessionsEnded} sessions were ended: everyone signs in again.`,
  ]
    .filter(Boolean)
    .join('\n');
}
