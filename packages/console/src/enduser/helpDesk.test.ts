import { describe, expect, it } from 'vitest';
import { helpDeskTitle } from './helpDesk';

describe('helpDeskTitle', () => {
  it('names the organisation whose help desk is talking', () => {
    expect(helpDeskTitle('Acme Corp')).toBe('Acme Corp help desk');
    expect(helpDeskTitle('  Contoso ')).toBe('Contoso help desk');
  });

  it('does not say "help desk" twice', () => {
    expect(helpDeskTitle('IT Help Desk')).toBe('IT Help Desk');
    expect(helpDeskTitle('Globex Service Desk')).toBe('Globex Service Desk');
    expect(helpDeskTitle('Initech IT Support')).toBe('Initech IT Support');
  });

  it('falls back to a plain title', () => {
    expect(helpDeskTitle(null)).toBe('Help desk');
    expect(helpDeskTitle('   ')).toBe('Help desk');
  });
});
