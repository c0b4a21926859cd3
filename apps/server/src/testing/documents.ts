import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import fsSync from 'node:fs';
import yauzl from 'yauzl';

/** Text out of generated documents, for tests that check what a file says (not how it was built). */

const run = promisify(execFile);

/**
 * Whether poppler's `pdftotext` is installed. CI installs it (.ci/services.sh); on a developer's
 * machine without it the PDF checks are skipped with this reason, and the DOCX checks still run.
 */
export const pdftotextMissing: string | false = (() => {
  if (process.env.CI === 'true') return false;
  const found = (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      fsSync.accessSync(path.join(dir, 'pdftotext'), fsSync.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  return found ? false : 'pdftotext is not installed (apt-get install poppler-utils): the PDF checks are skipped';
})();

/** The text of a PDF, by poppler's `pdftotext` (Debian poppler-utils), in reading order. */
export async function pdfText(pdf: Buffer): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'parta-pdf-'));
  try {
    const file = path.join(dir, 'in.pdf');
    await fs.writeFile(file, pdf);
    const { stdout } = await run('pdftotext', ['-enc', 'UTF-8', file, '-']);
    return stdout;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** One entry of a ZIP (an OOXML document) as text. */
export function zipEntry(zip: Buffer, name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (err, z) => {
      if (err || !z) return reject(err ?? new Error('not a zip'));
      z.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName !== name) return z.readEntry();
        z.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e ?? new Error('no stream'));
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            z.close();
            resolve(Buffer.concat(chunks).toString('utf8'));
          });
          stream.on('error', reject);
        });
      });
      z.on('end', () => reject(new Error(`${name} not in the archive`)));
      z.on('error', reject);
      z.readEntry();
    });
  });
}

/** The paragraphs of a DOCX (`word/document.xml`), one a line, entities decoded. */
export async function docxText(docx: Buffer): Promise<string> {
  const xml = await zipEntry(docx, 'word/document.xml');
  return xml
    .split(/<\/w:p>/)
    .map((p) => [...p.matchAll(/<w:t(?:\s[^>]*)?>([^<]*)<\/w:t>/g)].map((m) => m[1]).join(''))
    .join('\n')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}
