import ExcelJS from 'exceljs';
import { STUDENT_COLUMNS, TEACHER_COLUMNS, TEMPLATE_EXAMPLE } from './formats/template.ts';

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const STUDENT_HEAD = STUDENT_COLUMNS.map((c) => cap(c.replace(/^родитель (\d) /, 'Родитель $1: ')));
const TEACHER_HEAD = TEACHER_COLUMNS.map((c) => (c === 'фио' ? 'ФИО' : cap(c)));

/** The template as a workbook: the students' and the teachers' sheets, each with an example row. */
export async function templateXlsx(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const add = (name: string, head: string[], example: string[]) => {
    const ws = wb.addWorksheet(name);
    ws.addRow(head).font = { bold: true };
    ws.addRow(example);
    ws.columns.forEach((c) => (c.width = 22));
    // Dates and phones stay text, as typed.
    ws.columns.forEach((c) => (c.numFmt = '@'));
  };
  add('Ученики', STUDENT_HEAD, TEMPLATE_EXAMPLE.students);
  add('Учителя', TEACHER_HEAD, TEMPLATE_EXAMPLE.teachers);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const csvCell = (s: string) => (/[;"\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** One sheet as CSV: UTF-8 with a BOM and `;`, as Excel in a Russian locale opens it. */
export function templateCsv(sheet: 'students' | 'teachers'): Buffer {
  const [head, example] = sheet === 'students' ? [STUDENT_HEAD, TEMPLATE_EXAMPLE.students] : [TEACHER_HEAD, TEMPLATE_EXAMPLE.teachers];
  return Buffer.from(`\uFEFF${[head, example].map((r) => r.map(csvCell).join(';')).join('\r\n')}\r\n`, 'utf8');
}
