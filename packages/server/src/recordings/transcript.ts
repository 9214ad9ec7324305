import type { RecordingFormat, RecordingTranscript } from '@parley/protocol';
import PDFDocument from 'pdfkit';
import { csvField } from '../audit/csv.js';

/** A recording as a file: its bytes, media type and name. */
export interface TranscriptFile {
  data: Buffer;
  type: string;
  name: string;
}

function speaker(entry: RecordingTranscript['entries'][number]): string {
  if (!entry.from) return '';
  return `${entry.from.name} (${entry.from.role === 'operator' ? 'operator' : 'user'})`;
}

function heading(t: RecordingTranscript): string[] {
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
export function transcriptText(t: RecordingTranscript): string {
  const lines = t.entries.map((e) =>
    e.kind === 'message' ? `[${e.at}] ${speaker(e)}: ${e.text}` : `[${e.at}] * ${e.text}`,
  );
  return `${[...heading(t), '', ...lines].join('\n')}\n`;
}

export function transcriptCsv(t: RecordingTranscript): string {
  const header = 'seq,at,kind,role,name,text';
  const rows = t.entries.map((e) =>
    [String(e.seq), e.at, e.kind, e.from?.role ?? '', e.from?.name ?? '', e.text].map(csvField).join(','),
  );
  return `${[header, ...rows].join('\r\n')}\r\n`;
}

export function transcriptPdf(t: RecordingTranscript): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', margin: 50, info: { Title: heading(t)[0] ?? 'Chat' } });
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    const [title, ...facts] = heading(t);
    doc
      .font('Helvetica-Bold')
      .fontSize(14)
      .text(title ?? '');
    doc.font('Helvetica').fontSize(9).fillColor('#444444').text(facts.join('\n')).moveDown();
    for (const e of t.entries) {
      doc.fillColor('#666666').font('Helvetica').fontSize(8).text(e.at);
      if (e.kind === 'message') {
        doc.fillColor('#000000').font('Helvetica-Bold').fontSize(10).text(speaker(e));
        doc.font('Helvetica').text(e.text).moveDown(0.5);
      } else {
        doc.fillColor('#444444').font('Helvetica-Oblique').fontSize(9).text(e.text).moveDown(0.5);
      }
    }
    doc.end();
  });
}

/** A file name from the chat's facts: the date, device and end user, safe on every file system. */
export function transcriptName(t: RecordingTranscript, extension: string): string {
  const safe = (s: string) => s.replace(/[^\p{L}\p{N}._-]+/gu, '_').slice(0, 40);
  return `${t.startedAt.slice(0, 10)}_${safe(t.deviceName)}_${safe(t.endUser)}_${t.chatId}.${extension}`;
}

export async function transcriptFile(
  t: RecordingTranscript,
  format: RecordingFormat,
): Promise<TranscriptFile> {
  switch (format) {
    case 'json':
      return {
        data: Buffer.from(JSON.stringify(t, null, 2)),
        type: 'application/json; charset=utf-8',
        name: transcriptName(t, 'json'),
      };
    case 'txt':
      return {
        data: Buffer.from(transcriptText(t)),
        type: 'text/plain; charset=utf-8',
        name: transcriptName(t, 'txt'),
      };
    case 'csv':
      return {
        data: Buffer.from(transcriptCsv(t)),
        type: 'text/csv; charset=utf-8',
        name: transcriptName(t, 'csv'),
      };
    case 'pdf':
      return { data: await transcriptPdf(t), type: 'application/pdf', name: transcriptName(t, 'pdf') };
  }
}
