import { describe, expect, it } from 'vitest';
import { badgeFavicon, badgeText, badgeTitle } from './tabBadge';

describe('tab badge', () => {
  it('puts the unread count before the title, and nothing when there is none', () => {
    expect(badgeTitle('Devices · Parley', 0)).toBe('Devices · Parley');
    expect(badgeTitle('Devices · Parley', 3)).toBe('(3) Devices · Parley');
    expect(badgeTitle('Chat', 250)).toBe('(99+) Chat');
  });

  it('draws the count on the icon, up to 9', () => {
    expect(badgeText(1)).toBe('1');
    expect(badgeText(12)).toBe('9+');
    const icon = decodeURIComponent(badgeFavicon(4).replace('data:image/svg+xml,', ''));
    expect(icon).toMatch(/^<svg /);
    expect(icon).toContain('>4</text>');
    expect(decodeURIComponent(badgeFavicon(31))).toContain('>9+</text>');
  });
});
