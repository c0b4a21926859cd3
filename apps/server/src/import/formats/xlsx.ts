import type { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { ImportRefusal, normaliseHeader, type CsvRow } from '../text.ts';

type Cell = ExcelJS.CellValue;

/** A cell as the text a person sees in it: dates as ДД.ММ.ГГГГ, numbers without exponent, formulas by their result. */
export function cellText(v: Cell): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) {
    const p = (n: number) => String(n).padStart(2, '0');
    return `${p(v.getUTCDate())}.${p(v.getUTCMonth() + 1)}.${v.getUTCFullYear()}`;
  }
  if (typeof v === 'number') return Number.isInteger(v) ? v.toFixed(0) : String(v);
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'да' : '';
  if (typeof v === 'object') {
    if ('richText' in v) return v.richText.map((r) => r.text).join('');
    if ('text' in v && typeof v.text === 'string') return v.text;
    if ('result' in v) return cellText((v as { result?: Cell }).result ?? null);
    if ('error' in v) return '';
  }
  return String(v);
}

/**
 * The sheets of a workbook, each as a stream of rows like readCsv's: the workbook is read with
 * exceljs's streaming reader, one row at a time (shared strings are cached, as they must be).
 */
export async function* readXlsxSheets(source: Readable): AsyncGenerator<{ name: string; rows: AsyncGenerator<CsvRow & { headers: string[] }> }> {
  const wb = new ExcelJS.stream.xlsx.WorkbookReader(source, {
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  });
  try {
    for await (const ws of wb) {
      const sheet = ws as unknown as AsyncIterable<ExcelJS.Row> & { id: number; name: string };
      const sheets = (wb as unknown as { model?: { sheets?: { id: number; name: string }[] } }).model?.sheets;
      const name = sheets?.find((s) => Number(s.id) === Number(sheet.id))?.name ?? sheet.name;
      async function* rows(): AsyncGenerator<CsvRow & { headers: string[] }> {
        let headers: string[] | null = null;
        let index = new Map<string, number>();
        for await (const row of sheet) {
          const values = (row.values as Cell[]).slice(1).map(cellText);
          if (values.every((v) => v.trim() === '')) continue;
          if (!headers) {
            headers = values.map(normaliseHeader);
            index = new Map(headers.flatMap((h, i) => (h ? [[h, i] as const] : [])));
            continue;
          }
          const hs = headers;
          yield {
            line: row.number,
            headers: hs,
            get: (column) => {
              const i = index.get(column);
              return i === undefined ? '' : (values[i] ?? '').trim();
            },
            has: (column) => index.has(column),
          };
        }
      }
      yield { name, rows: rows() };
    }
  } catch (err) {
    if (err instanceof ImportRefusal) throw err;
    throw new ImportRefusal({ code: 'bad_file', ref: { file: 'xlsx', line: 1 } });
  }
}
