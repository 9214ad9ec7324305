import type { AuditRecord } from './auditStore.js';

/**
 * Every field quoted (a `;` inside stays inside in every spreadsheet's locale), and one that starts like a formula
 * (= + - @ or a control character) gets a leading apostrophe, so it opens as text.
 */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replaceAll('"', '""')}"`;
}

export function auditCsv(entries: readonly AuditRecord[]): string {
  const header = 'id,at,actor,action,target,address,details';
  const rows = entries.map((e) =>
    [e.id, e.at, e.actor, e.action, e.target ?? '', e.address ?? '', JSON.stringify(e.details)]
      .map(csvField)
      .join(','),
  );
  return `${[header, ...rows].join('\r\n')}\r\n`;
}
