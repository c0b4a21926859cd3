import { Readable } from 'node:stream';
import iconv from 'iconv-lite';
import { parse } from 'csv-parse';
import type { InputIssue, SourceRef } from './input.ts';

/**
 * Reading the messy text of real exports: a BOM or none, UTF-8 or Windows-1251 (detected, and
 * refused when it is neither), `;`, `,` or a tab between columns (detected), blank columns and
 * trailing separators, dates written the Russian or the ISO way.
 */
export class ImportRefusal extends Error {
  constructor(readonly issue: InputIssue) {
    super(issue.code);
  }
}

const SAMPLE = 64 * 1024;

/** Reads the first bytes of a stream and gives them back with a stream of the whole. */
async function peek(source: Readable): Promise<{ head: Buffer; whole: Readable }> {
  const it = source[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let size = 0;
  let done = false;
  while (size < SAMPLE) {
    const next = await it.next();
    if (next.done) {
      done = true;
      break;
    }
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    chunks.push(chunk);
    size += chunk.length;
  }
  const head = Buffer.concat(chunks);
  async function* rest() {
    yield head;
    if (done) return;
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      yield next.value as Buffer;
    }
  }
  return { head, whole: Readable.from(rest(), { objectMode: false }) };
}

function isUtf8(buf: Buffer, complete: boolean): boolean {
  // A sample may end inside a character: drop an incomplete tail before checking.
  let end = buf.length;
  if (!complete) {
    let i = end - 1;
    let back = 0;
    while (i >= 0 && back < 4 && (buf[i]! & 0xc0) === 0x80) {
      i--;
      back++;
    }
    if (i >= 0 && buf[i]! >= 0xc0) end = i;
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(0, end));
    return true;
  } catch {
    return false;
  }
}

export type Encoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1251';

/**
 * The encoding of a text file from its first bytes. Windows-1251 is told from KOI8-R and other
 * single-byte Cyrillic encodings by its letters: Russian text is mostly lower case, which
 * Windows-1251 keeps in 0xE0–0xFF and KOI8-R in 0xC0–0xDF.
 */
export function detectEncoding(head: Buffer, complete: boolean, file: string): { encoding: Encoding; bom: number } {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf-8', bom: 3 };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', bom: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', bom: 2 };
  if (head.includes(0)) throw new ImportRefusal({ code: 'bad_encoding', ref: { file, line: 1 } });
  if (isUtf8(head, complete)) return { encoding: 'utf-8', bom: 0 };
  let lower = 0;
  let upper = 0;
  let other = 0;
  for (const b of head) {
    if (b >= 0xe0) lower++;
    else if (b >= 0xc0) upper++;
    else if (b >= 0x80 && b !== 0xa8 && b !== 0xb8 && b !== 0xb9 && b !== 0xab && b !== 0xbb && b !== 0x96 && b !== 0x97 && b !== 0xa0) other++;
  }
  if (lower > upper && other * 10 <= lower + upper) return { encoding: 'windows-1251', bom: 0 };
  throw new ImportRefusal({ code: 'bad_encoding', ref: { file, line: firstBadLine(head) } });
}

function firstBadLine(head: Buffer): number {
  let line = 1;
  for (const b of head) {
    if (b === 0x0a) line++;
    else if (b >= 0x80) return line;
  }
  return 1;
}

/** The separator of a CSV file: the one of `;`, `,` and tab that its header line holds most of, outside quotes. */
export function detectDelimiter(firstLine: string): string {
  const counts: Record<string, number> = { ';': 0, ',': 0, '\t': 0 };
  let quoted = false;
  for (const ch of firstLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch in counts) counts[ch]!++;
  }
  const best = Object.entries(counts).sort((a, b) => b[1] - a[1])[0]!;
  return best[1] > 0 ? best[0] : ',';
}

export interface CsvRow {
  line: number;
  /** Values by normalised header name. */
  get(column: string): string;
  has(column: string): boolean;
}

export const normaliseHeader = (h: string) =>
  h
    .replace(/^\uFEFF/, '')
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(/[:.,()№"'*]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

/**
 * The rows of a CSV stream, decoded and split, one at a time (the file is never held whole).
 * The first non-empty line is the header; blank header columns are ignored.
 */
export async function* readCsv(source: Readable, file: string): AsyncGenerator<CsvRow & { headers: string[] }> {
  const { head, whole } = await peek(source);
  const { encoding, bom } = detectEncoding(head, head.length < SAMPLE, file);
  const sample = iconv.decode(head.subarray(bom), encoding);
  const firstLine = sample.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  const delimiter = detectDelimiter(firstLine);
  const decoded = whole.pipe(iconv.decodeStream(encoding, { stripBOM: true }));
  const parser = decoded.pipe(
    parse({
      delimiter,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      skip_records_with_empty_values: true,
      trim: true,
      info: true,
      bom: true,
    }),
  );
  let headers: string[] | null = null;
  let index = new Map<string, number>();
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const { record, info } = item;
      if (!headers) {
        headers = record.map(normaliseHeader);
        index = new Map(headers.flatMap((h, i) => (h ? [[h, i] as const] : [])));
        continue;
      }
      const values = record;
      const hs = headers;
      yield {
        line: info.lines,
        headers: hs,
        get: (column: string) => {
          const i = index.get(column);
          return i === undefined ? '' : (values[i] ?? '').trim();
        },
        has: (column: string) => index.has(column),
      };
    }
  } catch (err) {
    const e = err as { code?: string; lines?: number };
    if (typeof e.code === 'string' && e.code.startsWith('CSV_')) throw new ImportRefusal({ code: 'bad_file', ref: { file, line: e.lines ?? 1 } });
    throw err;
  }
}

/** The header check every format does: refused with the missing column's name. */
export function requireColumns(headers: string[], columns: string[], file: string): void {
  for (const c of columns) if (!headers.includes(c)) throw new ImportRefusal({ code: 'missing_column', ref: { file, line: 1, column: c } });
}

const pad = (n: number) => String(n).padStart(2, '0');

function validDate(y: number, m: number, d: number): string | null {
  if (y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1) return null;
  const dt = new Date(Date.UTC(y, m - 1, d));
  if (dt.getUTCMonth() !== m - 1 || dt.getUTCDate() !== d) return null;
  return `${y}-${pad(m)}-${pad(d)}`;
}

/**
 * A date written as ДД.ММ.ГГГГ, ГГГГ-ММ-ДД (an ISO date-time is cut to its date) or with slashes
 * when only one reading is possible; null for anything else (12/03/2015 could be either).
 */
export function parseDate(text: string): string | null {
  const s = text.trim();
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(s);
  if (m) return validDate(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s+[\d:]+)?$/.exec(s);
  if (m) return validDate(Number(m[3]), Number(m[2]), Number(m[1]));
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(s);
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    if (a > 12 && b <= 12) return validDate(Number(m[3]), b, a);
    if (b > 12 && a <= 12) return validDate(Number(m[3]), a, b);
    if (a === b) return validDate(Number(m[3]), a, b);
    return null;
  }
  return null;
}

/** A name as people are compared by it: case, ё and spacing do not matter. */
export const nameKey = (...parts: (string | null | undefined)[]) =>
  parts
    .filter((p): p is string => !!p && p.trim() !== '')
    .map((p) => p.trim().toLowerCase().replace(/ё/g, 'е').replace(/\s+/g, ' '))
    .join(' ');

/** "Иванова Мария Петровна" → its three parts; a single word is refused by the caller. */
export function splitFullName(full: string): { lastName: string; firstName: string; middleName: string | null } | null {
  const parts = full.trim().split(/\s+/).filter(Boolean);
  if (parts.length < 2) return null;
  return { lastName: parts[0]!, firstName: parts[1]!, middleName: parts.length > 2 ? parts.slice(2).join(' ') : null };
}

export function refAt(file: string, line: number, column?: string): SourceRef {
  return column ? { file, line, column } : { file, line };
}
