import { describe, expect, it } from 'vitest';
import { reconnectDelay } from './backoff.js';

describe('reconnectDelay', () => {
  it('grows exponentially between half and all of each step', () => {
    expect(reconnectDelay(0, () => 0)).toBe(250);
    expect(reconnectDelay(0, () => 1)).toBe(500);
    expect(reconnectDelay(1, () => 0)).toBe(500);
    expect(reconnectDelay(3, () => 1)).toBe(4000);
  });

  it('is capped', () => {
    expect(reconnectDelay(10, () => 1)).toBe(15_000);
    expect(reconnectDelay(1000, () => 0)).toBe(7500);
  });

  it('spreads clients out (jitter)', () => {
    const delays = new Set(Array.from({ length: 20 }, (_, i) => reconnectDelay(4, () => i / 20)));
    expect(delays.size).toBe(20);
  });
});
