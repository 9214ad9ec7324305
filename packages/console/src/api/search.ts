/**
 * A screen's filter as a query string: values trimmed, `datetime-local` ones (the operator's local time) as ISO
 * instants, empty ones left out; `extra` (a cursor, a format) added as they are.
 */
export function filterSearch(
  filter: Readonly<Record<string, string>>,
  times: readonly string[],
  extra: Record<string, string> = {},
): string {
  const params = new URLSearchParams();
  for (const [key, raw] of Object.entries(filter)) {
    const value = raw.trim();
    if (!value) continue;
    if (!times.includes(key)) {
      params.set(key, value);
      continue;
    }
    const time = new Date(value);
    if (!Number.isNaN(time.getTime())) params.set(key, time.toISOString());
  }
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}
