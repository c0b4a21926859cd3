import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { ImportRefusal } from './text.ts';

/** A zip archive held in memory, its entries opened one at a time as streams (yauzl). */
export class ZipReader {
  private constructor(
    private readonly zip: yauzl.ZipFile,
    readonly entries: Map<string, yauzl.Entry>,
  ) {}

  static async open(buffer: Buffer, fileName: string): Promise<ZipReader> {
    const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
      yauzl.fromBuffer(buffer, { lazyEntries: true, autoClose: false, strictFileNames: false, validateEntrySizes: true }, (err, z) =>
        err ? reject(err) : resolve(z),
      ),
    ).catch(() => {
      throw new ImportRefusal({ code: 'bad_file', ref: { file: fileName, line: 1 } });
    });
    const entries = new Map<string, yauzl.Entry>();
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (e: yauzl.Entry) => {
        if (!e.fileName.endsWith('/')) {
          const base = e.fileName.split('/').pop()!.toLowerCase();
          if (!base.startsWith('.') && !e.fileName.startsWith('__MACOSX/')) entries.set(base, e);
        }
        zip.readEntry();
      });
      zip.on('end', () => resolve());
      zip.on('error', reject);
      zip.readEntry();
    });
    return new ZipReader(zip, entries);
  }

  has(name: string): boolean {
    return this.entries.has(name.toLowerCase());
  }

  async open(name: string): Promise<Readable> {
    const entry = this.entries.get(name.toLowerCase());
    if (!entry) throw new ImportRefusal({ code: 'missing_file', ref: { file: name, line: 0 } });
    return new Promise((resolve, reject) => this.zip.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s))));
  }

  close(): void {
    this.zip.close();
  }
}
