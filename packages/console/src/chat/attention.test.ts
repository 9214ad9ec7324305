import { describe, expect, it } from 'vitest';
import { pageLooking } from './attention';

describe('pageLooking', () => {
  it('is true only for a visible tab whose window has the focus', () => {
    const doc = (visibilityState: DocumentVisibilityState, focused: boolean) => ({
      visibilityState,
      hasFocus: () => focused,
    });
    expect(pageLooking(doc('visible', true))).toBe(true);
    expect(pageLooking(doc('visible', false))).toBe(false);
    expect(pageLooking(doc('hidden', true))).toBe(false);
  });
});
