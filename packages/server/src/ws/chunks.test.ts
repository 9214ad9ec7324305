import { FRAME_CHUNK_BYTES } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { chunkByBytes } from './chunks.js';

const size = (items: unknown[]) => Buffer.byteLength(JSON.stringify(items));

describe('chunkByBytes', () => {
  it('P-7: gives one empty part for an empty list, so there is always a last part', () => {
    expect(chunkByBytes([])).toEqual([[]]);
  });

  it('P-7: keeps a short list in one part', () => {
    expect(chunkByBytes([1, 2, 3])).toEqual([[1, 2, 3]]);
  });

  it('P-7: cuts a long list into parts of about the chunk size, in order, nothing lost', () => {
    const items = Array.from({ length: 3000 }, (_, i) => ({ i, text: 'é'.repeat(100 + (i % 50)) }));
    const parts = chunkByBytes(items);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.flat()).toEqual(items);
    for (const part of parts) expect(size(part)).toBeLessThanOrEqual(FRAME_CHUNK_BYTES);
    // Each part but the last is full: the next item would not have fitted.
    for (let p = 0; p < parts.length - 1; p++) {
      const next = parts[p + 1]?.[0];
      expect(size([...(parts[p] ?? []), next])).toBeGreaterThan(FRAME_CHUNK_BYTES);
    }
  });

  it('P-7: puts an item bigger than the chunk size alone in its part', () => {
    const big = 'x'.repeat(300);
    expect(chunkByBytes(['a', big, 'b', 'c'], 100)).toEqual([['a'], [big], ['b', 'c']]);
  });
});
