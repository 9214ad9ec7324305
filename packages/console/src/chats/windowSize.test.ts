import { describe, expect, it } from 'vitest';
import {
  clampSize,
  DEFAULT_WINDOW,
  loadSize,
  MIN_WINDOW,
  resizeFromTopLeft,
  SIZE_KEY,
  saveSize,
  sizeKey,
} from './windowSize';

function memoryStorage(initial: Record<string, string> = {}) {
  const data = new Map(Object.entries(initial));
  return {
    getItem: (key: string) => data.get(key) ?? null,
    setItem: (key: string, value: string) => {
      data.set(key, value);
    },
    data,
  };
}

describe('window size', () => {
  const viewport = { width: 1280, height: 800 };

  it('grows when the top-left corner is dragged up and left', () => {
    expect(resizeFromTopLeft({ width: 360, height: 500 }, -40, -100)).toEqual({ width: 400, height: 600 });
  });

  it('is clamped between the minimum and the viewport', () => {
    expect(clampSize({ width: 100, height: 100 }, viewport)).toEqual(MIN_WINDOW);
    expect(clampSize({ width: 5000, height: 5000 }, viewport)).toEqual({ width: 1248, height: 720 });
    expect(clampSize({ width: 400.4, height: 600.6 }, viewport)).toEqual({ width: 400, height: 601 });
  });

  it('keeps the minimum on a tiny viewport', () => {
    expect(clampSize({ width: 500, height: 500 }, { width: 200, height: 200 })).toEqual(MIN_WINDOW);
  });

  it('is remembered, and junk in storage is ignored', () => {
    const storage = memoryStorage();
    expect(loadSize(storage)).toEqual(DEFAULT_WINDOW);
    saveSize(storage, { width: 420, height: 610 });
    expect(loadSize(storage)).toEqual({ width: 420, height: 610 });
    expect(loadSize(memoryStorage({ [SIZE_KEY]: '{bad json' }))).toEqual(DEFAULT_WINDOW);
    expect(loadSize(memoryStorage({ [SIZE_KEY]: '{"width":"wide"}' }))).toEqual(DEFAULT_WINDOW);
    expect(loadSize(null)).toEqual(DEFAULT_WINDOW);
  });

  it('is remembered per operator', () => {
    const storage = memoryStorage();
    saveSize(storage, { width: 500, height: 600 }, sizeKey('op-1'));
    expect(loadSize(storage, sizeKey('op-1'))).toEqual({ width: 500, height: 600 });
    expect(loadSize(storage, sizeKey('op-2'))).toEqual(DEFAULT_WINDOW);
  });

  it('survives a storage that throws', () => {
    const broken = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('full');
      },
    };
    expect(loadSize(broken)).toEqual(DEFAULT_WINDOW);
    expect(() => saveSize(broken, DEFAULT_WINDOW)).not.toThrow();
  });
});
