import { createRequire } from 'node:module';
import path from 'node:path';
import PDFDocument from 'pdfkit';
import { AlignmentType, Document, HeadingLevel, Packer, Paragraph, TextRun } from 'docx';
import type { MinutesDocument } from '@parta/protocol';

/**
 * The minutes as files, in Russian: a PDF by pdfkit with DejaVu Sans embedded (it has Cyrillic;
 * pdfkit's built-in fonts do not), and a DOCX by `docx`, whose text Word renders in its own
 * fonts. Both read from one `MinutesDocument`, in the same order.
 */

const require = createRequire(import.meta.url);
const FONT_DIR = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
const FONT = path.join(FONT_DIR, 'DejaVuSans.ttf');
const FONT_BOLD = path.join(FONT_DIR, 'DejaVuSans-Bold.ttf');

export function localDate(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('ru-RU', { timeZone, day: 'numeric', month: 'long', year: 'numeric' }).format(new Date(iso));
}
/** `2026-12-05` in the zone: for file names. */
export function isoDate(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso));
}
function localTime(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('ru-RU', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
}

const plural = (n: number, one: string, few: string, many: string) => {
  const r = new Intl.PluralRules('ru').select(n);
  return `${n} ${r === 'one' ? one : r === 'few' ? few : many}`;
};

/** The minutes as a sequence of blocks: one list for both writers. */
type Block = { kind: 'title' | 'heading' | 'line' | 'bullet' | 'label'; text: string; label?: string } | { kind: 'gap' };

export function minutesBlocks(doc: MinutesDocument, timeZone: string): Block[] {
  const b: Block[] = [];
  const families = doc.present.length + doc.absent.length;
  b.push({ kind: 'title', text: 'Протокол родительского собрания' });
  if (doc.className) b.push({ kind: 'line', label: 'Класс: ', text: doc.className });
  b.push({ kind: 'line', label: 'Дата: ', text: `${localDate(doc.date, timeZone)}, ${localTime(doc.date, timeZone)}` });
  b.push({ kind: 'line', label: 'Тема: ', text: doc.title });
  b.push({ kind: 'line', label: 'Председатель (ведущий): ', text: doc.chairName });
  b.push({ kind: 'gap' });
  b.push({ kind: 'heading', text: families ? `Присутствовали: ${plural(doc.present.length, 'семья', 'семьи', 'семей')} из ${families}` : 'Присутствовали' });
  if (doc.present.length === 0 && doc.otherPresent.length === 0) b.push({ kind: 'bullet', text: 'никто' });
  doc.present.forEach((f, i) => b.push({ kind: 'bullet', text: `${i + 1}. ${f.name} — ${f.present.join(', ')}` }));
  if (doc.otherPresent.length) b.push({ kind: 'line', label: 'Также присутствовали: ', text: doc.otherPresent.join(', ') });
  if (doc.absent.length) {
    b.push({ kind: 'heading', text: `Отсутствовали: ${plural(doc.absent.length, 'семья', 'семьи', 'семей')}` });
    b.push({ kind: 'line', text: doc.absent.map((f) => f.name).join('; ') });
  }
  b.push({ kind: 'gap' });
  b.push({ kind: 'heading', text: 'Повестка дня' });
  doc.items.forEach((item, i) => {
    const who = [item.speaker && `докладчик: ${item.speaker}`, item.minutes > 0 && `${item.minutes} мин`].filter(Boolean).join(', ');
    b.push({ kind: 'bullet', text: `${i + 1}. ${item.title}${who ? ` (${who})` : ''}` });
  });
  doc.items.forEach((item, i) => {
    b.push({ kind: 'gap' });
    b.push({ kind: 'heading', text: `${i + 1}. ${item.title}` });
    b.push({ kind: 'line', label: 'Слушали: ', text: [item.speaker, item.said].filter((s) => s.trim()).join(' — ') || '—' });
    b.push({ kind: 'line', label: 'Решили: ', text: item.decision.trim() || '—' });
  });
  if (doc.polls.length) {
    b.push({ kind: 'gap' });
    b.push({ kind: 'heading', text: 'Голосование (по семьям)' });
    for (const p of doc.polls) {
      b.push({ kind: 'line', label: 'Вопрос: ', text: p.question });
      b.push({ kind: 'bullet', text: p.options.map((o, i) => `${o} — ${p.tally[i] ?? 0}`).join('; ') + `; не голосовали — ${p.notVoted}` });
      for (const f of p.families) b.push({ kind: 'bullet', text: `${f.name}: ${f.choices.join(', ')}` });
    }
  }
  b.push({ kind: 'gap' });
  b.push({ kind: 'line', label: 'Председатель: ', text: `________________ / ${doc.chairName}` });
  b.push({ kind: 'line', label: 'Секретарь: ', text: '________________ / ________________' });
  return b;
}

export async function minutesPdf(doc: MinutesDocument, timeZone: string): Promise<Buffer> {
  const pdf = new PDFDocument({
    size: 'A4',
    margins: { top: 56, bottom: 56, left: 70, right: 56 },
    info: { Title: `Протокол родительского собрания: ${doc.title}`, Creator: 'Parta' },
  });
  pdf.registerFont('regular', FONT);
  pdf.registerFont('bold', FONT_BOLD);
  const chunks: Buffer[] = [];
  pdf.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });
  for (const block of minutesBlocks(doc, timeZone)) {
    switch (block.kind) {
      case 'title':
        pdf.font('bold').fontSize(16).text(block.text, { align: 'center' }).moveDown(0.8);
        break;
      case 'heading':
        pdf.font('bold').fontSize(12).text(block.text).moveDown(0.2);
        break;
      case 'gap':
        pdf.moveDown(0.6);
        break;
      case 'bullet': {
        // A hanging indent for the whole item, not only its first line.
        const left = pdf.page.margins.left;
        pdf
          .font('regular')
          .fontSize(11)
          .text(block.text, left + 14, pdf.y, { width: pdf.page.width - left - pdf.page.margins.right - 14 });
        pdf.x = left;
        pdf.moveDown(0.1);
        break;
      }
      default:
        if (block.label) pdf.font('bold').fontSize(11).text(block.label, { continued: true }).font('regular').text(block.text);
        else pdf.font('regular').fontSize(11).text(block.text);
        pdf.moveDown(0.15);
    }
  }
  pdf.end();
  return done;
}

export async function minutesDocx(doc: MinutesDocument, timeZone: string): Promise<Buffer> {
  const children = minutesBlocks(doc, timeZone).map((block) => {
    if (block.kind === 'gap') return new Paragraph({ text: '' });
    if (block.kind === 'title')
      return new Paragraph({ heading: HeadingLevel.TITLE, alignment: AlignmentType.CENTER, children: [new TextRun({ text: block.text, bold: true })] });
    if (block.kind === 'heading') return new Paragraph({ heading: HeadingLevel.HEADING_2, children: [new TextRun({ text: block.text, bold: true })] });
    if (block.kind === 'bullet') return new Paragraph({ indent: { left: 360 }, children: [new TextRun(block.text)] });
    return new Paragraph({ children: [...(block.label ? [new TextRun({ text: block.label, bold: true })] : []), new TextRun(block.text)] });
  });
  const file = new Document({
    creator: 'Parta',
    title: `Протокол родительского собрания: ${doc.title}`,
    styles: { default: { document: { run: { font: 'Times New Roman', size: 24 } } } },
    sections: [{ children }],
  });
  return Packer.toBuffer(file);
}
