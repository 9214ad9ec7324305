import { once } from 'node:events';
import { createRequire } from 'node:module';
import { setImmediate as yieldTurn } from 'node:timers/promises';
import type { RecordingEntry, RecordingFormat, RecordingTranscript } from '@parley/protocol';
import PDFDocument from 'pdfkit';
import { csvField } from '../audit/csv.js';

/** A transcript without its entries: what is known of a recording before its entries are read. */
export type TranscriptHead = Omit<RecordingTranscript, 'entries'>;
/** A transcript's entries in order, a page at a time (read from the store as the file is written). */
export type EntryPages = AsyncIterable<readonly RecordingEntry[]>;

/** A recording as a file: its bytes as they are made, media type and name. */
export interface TranscriptFile {
  data: AsyncGenerator<Buffer>;
  type: string;
  name: string;
}

/** The longest the PDF writer draws before it lets the event loop serve others (a long chat takes seconds). */
const SLICE_MS = 15;
/** The most a file yields at a time, and the characters of a message the PDF writer draws between two checks. */
const CHUNK_BYTES = 64 * 1024;
const PDF_PIECE = 400;

/** The strings of `lines` (each line of `page` made by `line`) joined into chunks of about CHUNK_BYTES. */
async function* chunked<T>(
  pages: AsyncIterable<readonly T[]>,
  line: (item: T) => string,
): AsyncGenerator<Buffer> {
  let parts: string[] = [];
  let length = 0;
  for await (const page of pages) {
    for (const item of page) {
      const text = line(item);
      parts.push(text);
      length += text.length;
      if (length >= CHUNK_BYTES) {
        yield Buffer.from(parts.join(''));
        parts = [];
        length = 0;
      }
    }
  }
  if (parts.length > 0) yield Buffer.from(parts.join(''));
}

type Style = 'regular' | 'bold' | 'oblique';
const STANDARD: Record<Style, string> = {
  regular: 'Helvetica',
  bold: 'Helvetica-Bold',
  oblique: 'Helvetica-Oblique',
};
/**
 * DejaVu Sans (npm dejavu-fonts-ttf) for text the PDF's standard fonts cannot show: they have Latin-1's letters only
 * (WinAnsi), and a Greek, Cyrillic or Czech name would come out as other letters. Embedded, subset, per text.
 */
const fontFile = createRequire(import.meta.url);
const UNICODE: Record<Style, string> = {
  regular: fontFile.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
  bold: fontFile.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'),
  oblique: fontFile.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Oblique.ttf'),
};

/** The font that shows `text` in `style`: a standard one (fast, not embedded) when it can. */
function fontFor(text: string, style: Style): string {
  return /[^\t\n\r -~\u00a0-\u00ff]/.test(text) ? UNICODE[style] : STANDARD[style];
}

function speaker(entry: RecordingEntry): string {
  if (!entry.from) return '';
  return `${entry.from.name} (${entry.from.role === 'operator' ? 'operator' : 'user'})`;
}

function heading(t: TranscriptHead): string[] {
  return [
    `Chat with ${t.endUser} on ${t.deviceName}`,
    `Operator: ${t.operator}`,
    `Started: ${t.startedAt}`,
    `Ended: ${t.endedAt ?? 'still open'}`,
    `Messages: ${t.messageCount}`,
    ...(t.note ? [`Note: ${t.note}`] : []),
  ];
}

/** One line per entry: `[time] Name (role): text`; an event as `[time] * text`. */
async function* textBytes(head: TranscriptHead, pages: EntryPages): AsyncGenerator<Buffer> {
  yield Buffer.from(`${[...heading(head), ''].join('\n')}\n`);
  yield* chunked(pages, (e) =>
    e.kind === 'message' ? `[${e.at}] ${speaker(e)}: ${e.text}\n` : `[${e.at}] * ${e.text}\n`,
  );
}

async function* csvBytes(pages: EntryPages): AsyncGenerator<Buffer> {
  yield Buffer.from('seq,at,kind,role,name,text\r\n');
  yield* chunked(
    pages,
    (e) =>
      `${[String(e.seq), e.at, e.kind, e.from?.role ?? '', e.from?.name ?? '', e.text].map(csvField).join(',')}\r\n`,
  );
}

/** The transcript's JSON (the JSON view's fields, every entry), written a page of entries at a time. */
async function* jsonBytes(head: TranscriptHead, pages: EntryPages): AsyncGenerator<Buffer> {
  const fields = JSON.stringify(head, null, 2);
  yield Buffer.from(`${fields.slice(0, fields.lastIndexOf('}')).trimEnd()},\n  "entries": [`);
  let first = true;
  yield* chunked(pages, (e) => {
    const text = `${first ? '\n' : ',\n'}    ${JSON.stringify(e)}`;
    first = false;
    return text;
  });
  yield Buffer.from(first ? ']\n}\n' : '\n  ]\n}\n');
}

async function* pdfBytes(head: TranscriptHead, pages: EntryPages): AsyncGenerator<Buffer> {
  const [title, ...facts] = heading(head);
  const doc = new PDFDocument({ size: 'A4', margin: 50, info: { Title: title ?? 'Chat' } });
  const made: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => made.push(chunk));
  const ended = once(doc, 'end');
  ended.catch(() => undefined); // awaited below, after the drawing (an error then is thrown there)
  doc
    .font(fontFor(title ?? '', 'bold'))
    .fontSize(14)
    .text(title ?? '');
  const factsText = facts.join('\n');
  doc.font(fontFor(factsText, 'regular')).fontSize(9).fillColor('#444444').text(factsText).moveDown();
  let sliceStart = performance.now();
  /** Between two pieces of drawing: past the slice, the loop serves others and what is made goes out. */
  async function* breathe(): AsyncGenerator<Buffer> {
    if (performance.now() - sliceStart <= SLICE_MS) return;
    await yieldTurn();
    if (made.length > 0) yield Buffer.concat(made.splice(0));
    sliceStart = performance.now();
  }
  for await (const page of pages) {
    for (const e of page) {
      doc.fillColor('#666666').font(STANDARD.regular).fontSize(8).text(e.at);
      if (e.kind === 'message') {
        const who = speaker(e);
        doc.fillColor('#000000').font(fontFor(who, 'bold')).fontSize(10).text(who);
        doc.font(fontFor(e.text, 'regular'));
      } else doc.fillColor('#444444').font(fontFor(e.text, 'oblique')).fontSize(9);
      // A long message in pieces of one paragraph (`continued`), so that drawing one never holds the loop long.
      for (let at = 0; at < e.text.length || at === 0; at += PDF_PIECE) {
        const last = at + PDF_PIECE >= e.text.length;
        doc.text(e.text.slice(at, at + PDF_PIECE), { continued: !last });
        if (!last) yield* breathe();
      }
      doc.moveDown(0.5);
      yield* breathe();
    }
  }
  doc.end();
  await ended;
  if (made.length > 0) yield Buffer.concat(made);
}

/** A file name from the chat's facts: the date, device and end user, safe on every file system. */
export function transcriptName(t: TranscriptHead, extension: string): string {
  const safe = (s: string) => s.replace(/[^\p{L}\p{N}._-]+/gu, '_').slice(0, 40);
  return `${t.startedAt.slice(0, 10)}_${safe(t.deviceName)}_${safe(t.endUser)}_${t.chatId}.${extension}`;
}

/** The recording `head` with the entries of `pages` as a file of `format`, made as it is read. */
export function transcriptFile(
  head: TranscriptHead,
  pages: EntryPages,
  format: RecordingFormat,
): TranscriptFile {
  switch (format) {
    case 'json':
      return {
        data: jsonBytes(head, pages),
        type: 'application/json; charset=utf-8',
        name: transcriptName(head, 'json'),
      };
    case 'txt':
      return {
        data: textBytes(head, pages),
        type: 'text/plain; charset=utf-8',
        name: transcriptName(head, 'txt'),
      };
    case 'csv':
      return { data: csvBytes(pages), type: 'text/csv; charset=utf-8', name: transcriptName(head, 'csv') };
    case 'pdf':
      return { data: pdfBytes(head, pages), type: 'application/pdf', name: transcriptName(head, 'pdf') };
  }
}
