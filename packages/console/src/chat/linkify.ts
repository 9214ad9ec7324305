/** A piece of a message's text: plain text, or a web link the reader may follow. */
export type TextPart = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

/**
 * Candidates: http(s):// or www. up to whitespace, markup brackets, quotes, or a bidi control or invisible formatting
 * character (U+061C, U+200B–U+200F, U+202A–U+202E, U+2060–U+2069, U+FEFF, and every other format character,
 * `\p{Cf}`). Inside a link those would make its visible text differ from where it goes
 * (`https://evil.example/\u202Emoc.knab-ruoy//:sptth` displays as `https://evil.example/https://your-bank.com`), so
 * a link ends at the first one and the rest stays text. Trailing punctuation is trimmed below.
 */
const CANDIDATE =
  /\b(?:https?:\/\/|www\.)[^\s<>"\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF\p{Cf}]+/giu;
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

/**
 * Splits a message into text and http(s) links. Joining the parts' `text` gives the message back unchanged, and a
 * link's `text` holds no bidi control or invisible character: what it shows is where it goes.
 */
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
