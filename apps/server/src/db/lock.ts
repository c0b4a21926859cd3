import fs from 'node:fs';
import path from 'node:path';

/**
 * An exclusive lock on the embedded database folder. Two processes on one PGlite folder
 * corrupt it for good, so the second one must refuse to start.
 */
export class DataDirLockedError extends Error {}

export function lockDataDir(dir: string): () => void {
  const file = path.join(dir, 'parta.lock');
  const tryTake = (): boolean => {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return false;
    }
  };
  if (!tryTake()) {
    const holder = Number(fs.readFileSync(file, 'utf8').trim());
    if (holder && (holder === process.pid || isAlive(holder))) {
      throw new DataDirLockedError(`The data folder ${dir} is in use by process ${holder}. Stop it first, or point PARTA_DATA_DIR elsewhere.`);
    }
    fs.rmSync(file, { force: true }); // left behind by a process that died
    if (!tryTake()) throw new DataDirLockedError(`Could not lock the data folder ${dir}`);
  }
  return () => {
    try {
      if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.rmSync(file, { force: true });
    } catch {
      /* already gone */
    }
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
