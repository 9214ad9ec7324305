import { describe, expect, it } from 'vitest';
import { readableLogLine } from './logging.js';
import { RESET_ADMIN_PASSWORD, startBanner } from './startBanner.js';

const facts = { url: 'http://localhost:8080', demoDevice: 'pc-7', logFile: '/srv/parley/parley.log' };

describe("npm start's words for people", () => {
  it('shows a generated password once, and how to set another', () => {
    const text = startBanner({ ...facts, admin: { created: true, generatedPassword: 'pw-123456789' } });
    expect(text).toContain('Parley is running: http://localhost:8080');
    expect(text).toContain('Sign in as admin with password: pw-123456789');
    expect(text).toContain(RESET_ADMIN_PASSWORD);
    expect(text).toContain('Demo device: pc-7');
    expect(text).toContain('Logs (JSON): /srv/parley/parley.log');
  });

  it('after the first start: no password, how to reset it, never "the password you chose"', () => {
    const text = startBanner({
      ...facts,
      demoDevice: null,
      admin: { created: false, generatedPassword: null },
    });
    expect(text).not.toContain('pw-');
    expect(text).not.toContain('you chose');
    expect(text).toContain(`Lost it? Set a new one (it asks for it): ${RESET_ADMIN_PASSWORD}`);
    expect(text).not.toContain('Demo device');
  });

  it('names the environment variable when the password came from it', () => {
    const text = startBanner({ ...facts, admin: { created: true, generatedPassword: null } });
    expect(text).toContain('the password in PARLEY_ADMIN_PASSWORD');
  });

  it('turns a JSON log line into a line for people, and any other text into a line too', () => {
    const line = JSON.stringify({ level: 40, time: 1, pid: 2, hostname: 'h', msg: 'slow disk', ms: 900 });
    expect(readableLogLine(line)).toBe('parley: warn: slow disk {"ms":900}\n');
    const failed = JSON.stringify({ level: 50, msg: 'request failed', err: { message: 'boom', stack: 'x' } });
    expect(readableLogLine(failed)).toBe('parley: error: request failed: boom\n');
    expect(readableLogLine('not json\n')).toBe('parley: not json\n');
  });
});
