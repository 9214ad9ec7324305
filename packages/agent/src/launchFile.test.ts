import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LaunchFiles } from './launchFile.js';

const PAGE = 'http://127.0.0.1:41234/chat/c1#k=abc_-123';

describe('launch files (issue 6: 6)', () => {
  it('hold the page URL in a file only its owner can read, in a directory nobody else can list', () => {
    const files = new LaunchFiles({ root: mkdtempSync(join(tmpdir(), 'parley-launch-')) });
    const file = fileURLToPath(files.write('c1', PAGE, null));
    expect(readFileSync(file, 'utf8')).toContain(`content="0;url=${PAGE}"`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(file)).mode & 0o777).toBe(0o700);
    files.remove('c1');
    expect(existsSync(dirname(file))).toBe(false);
  });

  it('H2: for another user only the file is theirs; removing it never walks what they could have put there', () => {
    const files = new LaunchFiles({ root: mkdtempSync(join(tmpdir(), 'parley-launch-')) });
    const file = fileURLToPath(files.write('c2', PAGE, { uid: 65534 }));
    expect(statSync(file)).toMatchObject({ uid: 65534 });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(file)).uid).toBe(process.getuid?.());
    expect(statSync(dirname(file)).mode & 0o777).toBe(0o711);
    // Something planted in the directory (by whoever could): removal leaves it, and what it points at, alone.
    const planted = join(dirname(file), 'planted');
    mkdirSync(planted);
    writeFileSync(join(planted, 'keep'), 'x');
    files.remove('c2');
    expect(existsSync(file)).toBe(false);
    expect(existsSync(join(planted, 'keep'))).toBe(true);
  });

  it('escapes the URL into the HTML and replaces an older file of the same chat', () => {
    const files = new LaunchFiles({ root: mkdtempSync(join(tmpdir(), 'parley-launch-')) });
    const first = fileURLToPath(files.write('c3', PAGE, null));
    const second = fileURLToPath(files.write('c3', 'http://127.0.0.1:1/chat/x"><script>#k=a&b', null));
    expect(existsSync(first)).toBe(false);
    expect(readFileSync(second, 'utf8')).not.toContain('"><script>');
    files.removeAll();
  });

  it('5a: a launch file nobody used in time is reported', async () => {
    const unused: string[] = [];
    const files = new LaunchFiles({
      root: mkdtempSync(join(tmpdir(), 'parley-launch-')),
      ttlMs: 20,
      onUnused: (chatId) => unused.push(chatId),
    });
    const file = fileURLToPath(files.write('c4', PAGE, null));
    await expect.poll(() => unused).toEqual(['c4']);
    expect(existsSync(file)).toBe(false);
  });
});
