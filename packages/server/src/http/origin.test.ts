import { describe, expect, it } from 'vitest';
import { originAllowed } from './origin.js';

describe('originAllowed', () => {
  it('accepts only the server’s own origin', () => {
    expect(
      originAllowed({ host: 'help.example:8080', origin: 'http://help.example:8080' }, false, true),
    ).toBe(true);
    expect(originAllowed({ host: 'help.example', origin: 'https://help.example' }, true, true)).toBe(true);
    expect(originAllowed({ host: 'help.example', origin: 'http://help.example' }, true, true)).toBe(false);
    expect(originAllowed({ host: 'help.example:8080', origin: 'http://evil.example' }, false, true)).toBe(
      false,
    );
    expect(originAllowed({ host: 'help.example:8080', origin: 'null' }, false, true)).toBe(false);
  });

  it('refuses a missing Origin unless the caller allows it', () => {
    expect(originAllowed({ host: 'help.example' }, false, true)).toBe(false);
    expect(originAllowed({ host: 'help.example' }, false, false)).toBe(true);
    expect(originAllowed({ origin: 'http://help.example' }, false, false)).toBe(false);
  });

  it('also accepts the public origin a TLS proxy serves the server at', () => {
    const headers = { host: '10.0.0.5:8080', origin: 'https://help.example.com' };
    expect(originAllowed(headers, false, true)).toBe(false);
    expect(originAllowed(headers, false, true, 'https://help.example.com')).toBe(true);
    expect(
      originAllowed({ ...headers, origin: 'https://evil.example' }, false, true, 'https://help.example.com'),
    ).toBe(false);
  });
});
