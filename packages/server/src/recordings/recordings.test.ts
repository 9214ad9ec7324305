import { describe, expect, it } from 'vitest';
import { excerpt, markWords } from './recordings.js';

describe('search marks', () => {
  it('marks whole words of the search, case ignored, as offsets into the text', () => {
    expect(markWords('Printer, printers and the PRINTER', 'printer')).toEqual([
      [0, 7],
      [26, 33],
    ]);
    expect(markWords('café au lait', 'CAFÉ lait')).toEqual([
      [0, 4],
      [8, 12],
    ]);
    expect(markWords('nothing here', '***')).toEqual([]);
  });

  it('cuts a long message around its first match and moves the marks with it', () => {
    const text = `${'a '.repeat(500)}the scanner broke ${'b '.repeat(500)}`;
    const cut = excerpt(7, text, 'scanner');
    expect(cut.seq).toBe(7);
    expect(cut.text.startsWith('…')).toBe(true);
    expect(cut.text.endsWith('…')).toBe(true);
    expect(cut.text.length).toBeLessThan(300);
    const [[start, end] = [0, 0]] = cut.marks;
    expect(cut.text.slice(start, end)).toBe('scanner');
  });
});
