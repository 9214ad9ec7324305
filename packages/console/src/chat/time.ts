function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function parse(iso: string): Date | null {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** hh:mm in local time (24-hour), or '' for a time that does not parse. */
export function clockTime(iso: string): string {
  const date = parse(iso);
  return date ? `${pad(date.getHours())}:${pad(date.getMinutes())}` : '';
}

/** The full local date and time, for a tooltip. */
export function fullTime(iso: string): string {
  const date = parse(iso);
  return date ? date.toLocaleString(undefined, { dateStyle: 'full', timeStyle: 'medium' }) : iso;
}

/** The local date and time, short (lists, transcripts). */
export function dateTime(iso: string): string {
  const date = parse(iso);
  return date ? date.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' }) : iso;
}
