import { describe, expect, it } from 'vitest';
import { TokenBucket } from './rateLimit.js';

describe('TokenBucket', () => {
  it('allows a burst, refuses past it, and refills with time', () => {
    let now = 0;
    const bucket = new TokenBucket(30, 10, () => now);
    const burst = Array.from({ length: 30 }, () => bucket.take());
    expect(burst.every(Boolean)).toBe(true);
    expect(bucket.take()).toBe(false);
    now += 500;
    const refilled = Array.from({ length: 6 }, () => bucket.take());
    expect(refilled.filter(Boolean)).toHaveLength(5);
  });
});
