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

  it('full jitter draws from 0 to the whole step, exponential and capped alike', () => {
    const full = { baseMs: 10_000, maxMs: 30_000, jitter: 'full' } as const;
    expect(reconnectDelay(0, () => 0, full)).toBe(0);
    expect(reconnectDelay(0, () => 0.5, full)).toBe(5000);
    expect(reconnectDelay(0, () => 1, full)).toBe(10_000);
    expect(reconnectDelay(1, () => 1, full)).toBe(20_000);
    expect(reconnectDelay(5, () => 1, full)).toBe(30_000);
    expect(reconnectDelay(5, () => 0, full)).toBe(0);
  });

  it('full jitter spreads a fleet evenly over the first window: each tenth of it gets a tenth of the fleet', () => {
    const full = { baseMs: 10_000, maxMs: 30_000, jitter: 'full' } as const;
    const perTenth = new Array<number>(10).fill(0);
    for (let i = 0; i < 1000; i++) {
      const delay = reconnectDelay(0, () => (i + 0.5) / 1000, full);
      perTenth[Math.min(9, Math.floor(delay / 1000))] =
        (perTenth[Math.min(9, Math.floor(delay / 1000))] ?? 0) + 1;
    }
    expect(perTenth).toEqual(new Array<number>(10).fill(100));
  });
});
