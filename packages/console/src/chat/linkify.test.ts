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
});
