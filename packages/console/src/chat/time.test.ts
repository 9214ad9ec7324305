import { describe, expect, it } from 'vitest';
import { clockTime, fullTime } from './time';

describe('time', () => {
  it('shows hh:mm in local time, zero-padded', () => {
    expect(clockTime(new Date(2025, 0, 2, 9, 5, 30).toISOString())).toBe('09:05');
    expect(clockTime(new Date(2025, 0, 2, 23, 59).toISOString())).toBe('23:59');
  });

  it('does not break on a bad time', () => {
    expect(clockTime('not a time')).toBe('');
    expect(fullTime('not a time')).toBe('not a time');
  });
});
