import { describe, expect, it } from 'vitest';
import { linkify, safeHref } from './linkify';

describe('linkify', () => {
  it('turns http(s) and www. addresses into links and keeps the rest as text', () => {
    expect(linkify('see https://example.com/a?b=1 and www.example.org.')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' },
      { kind: 'text', text: ' and ' },
      { kind: 'link', text: 'www.example.org', href: 'https://www.example.org/' },
      { kind: 'text', text: '.' },
    ]);
  });

  it('never makes a link of javascript:, data: or file: text', () => {
    for (const text of ['javascript:alert(1)', 'data:text/html,<script>x</script>', 'file:///etc/passwd']) {
      expect(linkify(text)).toEqual([{ kind: 'text', text }]);
    }
    expect(safeHref('javascript:alert(1)')).toBeNull();
    expect(safeHref('https://user:pw@example.com/')).toBeNull();
  });

  it('keeps markup as text and gives the message back unchanged', () => {
    const text = '<img src=x onerror=alert(1)> (https://en.wikipedia.org/wiki/Foo_(bar)), http://x.test/<b>';
    const parts = linkify(text);
    expect(parts.map((p) => p.text).join('')).toBe(text);
    expect(parts.filter((p) => p.kind === 'link').map((p) => p.text)).toEqual([
      'https://en.wikipedia.org/wiki/Foo_(bar)',
      'http://x.test/',
    ]);
  });

  it('has nothing to split in plain text', () => {
    expect(linkify('just words')).toEqual([{ kind: 'text', text: 'just words' }]);
    expect(linkify('')).toEqual([]);
  });

  /** Bidi controls and invisible formatting characters: U+061C, U+200B–U+200F, U+202A–U+202E, U+2060–U+2069, U+FEFF. */
  const INVISIBLE = [
    0x061c,
    ...range(0x200b, 0x200f),
    ...range(0x202a, 0x202e),
    ...range(0x2060, 0x2069),
    0xfeff,
  ].map((code) => String.fromCodePoint(code));

  it('10: a link ends at a bidi control or invisible formatting character', () => {
    for (const c of INVISIBLE) {
      // With U+202E the rest would display as "https://your-bank.com".
      const text = `https://evil.example/${c}moc.knab-ruoy//:sptth`;
      const parts = linkify(text);
      expect(parts[0]).toEqual({
        kind: 'link',
        text: 'https://evil.example/',
        href: 'https://evil.example/',
      });
      expect(parts.slice(1)).toEqual([{ kind: 'text', text: `${c}moc.knab-ruoy//:sptth` }]);
      expect(parts.map((p) => p.text).join('')).toBe(text);
    }
  });

  it('10: a link’s visible text is exactly where it goes', () => {
    const links = (text: string) => linkify(text).filter((p) => p.kind === 'link');
    expect(links('go to https://ex\u200Bample.com/ now')).toEqual([
      { kind: 'link', text: 'https://ex', href: 'https://ex/' },
    ]);
    expect(links('\u202Ehttps://a.example/\u2066x\u2069 and www.b.example/\uFEFFpath')).toEqual([
      { kind: 'link', text: 'https://a.example/', href: 'https://a.example/' },
      { kind: 'link', text: 'www.b.example/', href: 'https://www.b.example/' },
    ]);
    // Other format characters too (soft hyphen, Arabic number sign, tags), not only the listed ones.
    for (const c of ['\u00AD', '\u0600', '\u{E0041}']) {
      expect(links(`https://c.example/a${c}b`)).toEqual([
        { kind: 'link', text: 'https://c.example/a', href: 'https://c.example/a' },
      ]);
    }
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
