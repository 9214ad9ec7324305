import { describe, expect, it } from 'vitest';
import { hashSecret, newSecret, uuidv7 } from './ids.js';

describe('ids', () => {
  it('makes RFC 9562 version 7 UUIDs that sort by time', () => {
    const earlier = uuidv7(1_700_000_000_000);
    const later = uuidv7(1_700_000_000_001);
    expect(earlier).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(earlier < later).toBe(true);
    expect(earlier.replaceAll('-', '').slice(0, 12)).toBe((1_700_000_000_000).toString(16).padStart(12, '0'));
  });

  it('sorts ids made one after another in that order, however many fall in one millisecond', () => {
    const ids = Array.from({ length: 20_000 }, () => uuidv7());
    const sameMs = ids.filter((id, i) => i > 0 && id.slice(0, 13) === ids[i - 1]?.slice(0, 13)).length;
    expect(sameMs).toBeGreaterThan(0);
    for (const [i, id] of ids.entries()) {
      if (i > 0) expect(id > (ids[i - 1] ?? '')).toBe(true);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    const fixed = Array.from({ length: 5000 }, () => uuidv7(1_800_000_000_000));
    expect([...fixed].sort()).toEqual(fixed);
  });

  it('makes distinct URL-safe secrets and hashes them stably', () => {
    const a = newSecret();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newSecret()).not.toBe(a);
    expect(hashSecret(a)).toBe(hashSecret(a));
    expect(hashSecret(a)).not.toBe(hashSecret(newSecret()));
  });
});
