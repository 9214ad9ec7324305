/** A piece of a message's text: plain text, or a web link the reader may follow. */
export type TextPart = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

/** Candidates: http(s):// or www. up to whitespace; trailing punctuation is trimmed below. */
const CANDIDATE = /\b(?:https?:\/\/|www\.)[^\s<>"]+/gi;
const TRAILING = /[.,;:!?'")\]}>]+$/;

/**
 * The link a piece of text stands for, or null. Only http and https: anything else (`javascript:`, `data:`, `file:`…)
 * stays plain text, so nothing in a message can run code or open a local file.
 */
export function safeHref(candidate: string): string | null {
  const withScheme = /^www\./i.test(candidate) ? `https://${candidate}` : candidate;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (!url.hostname || url.username || url.password) return null;
  return url.href;
}

/** Splits a message into text and http(s) links. Joining the parts' `text` gives the message back unchanged. */
export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let plainFrom = 0;
  for (const match of text.matchAll(CANDIDATE)) {
    const start = match.index ?? 0;
    let candidate = match[0];
    // Keep a closing bracket that belongs to the link, e.g. https://en.wikipedia.org/wiki/Foo_(bar).
    const trailing = TRAILING.exec(candidate)?.[0] ?? '';
    if (trailing) {
      let trim = trailing.length;
      if (trailing.startsWith(')') && candidate.slice(0, -trim).includes('(')) trim -= 1;
      candidate = candidate.slice(0, candidate.length - trim);
    }
    const href = safeHref(candidate);
    if (!href) continue;
    if (start > plainFrom) parts.push({ kind: 'text', text: text.slice(plainFrom, start) });
    parts.push({ kind: 'link', text: candidate, href });
    plainFrom = start + candidate.length;
  }
  if (plainFrom < text.length) parts.push({ kind: 'text', text: text.slice(plainFrom) });
  return parts;
}
