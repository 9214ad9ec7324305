import { execFile } from 'node:child_process';
import {
  accessSync,
  constants,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../..', import.meta.url));

interface PackageJson {
  name: string;
  bin?: Record<string, string>;
  workspaces?: string[];
}

function packageJson(dir: string): PackageJson {
  return JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as PackageJson;
}

/** Every `bin` of every workspace, as npm links it into node_modules/.bin at install time. */
const bins = (packageJson('.').workspaces ?? []).flatMap((dir) =>
  Object.entries(packageJson(dir).bin ?? {}).map(([name, target]) => ({ name, file: join(dir, target) })),
);

describe('the README’s commands, as npm links them', () => {
  it('finds the parley and parley-agent bins', () => {
    expect(bins.map((bin) => bin.name).sort()).toEqual(['parley', 'parley-agent']);
  });

  describe.each(bins)('$name ($file)', ({ name, file }) => {
    it('is a committed, executable file with a node shebang, so a fresh `npm ci` links it', async () => {
      const { stdout } = await run('git', ['ls-files', '--stage', '--error-unmatch', file], { cwd: root });
      expect(stdout.split(/\s/)[0]).toBe('100755');
      accessSync(join(root, file), constants.X_OK);
      expect(readFileSync(join(root, file), 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    });

    it('runs from node_modules/.bin and prints its usage', async () => {
      const { stdout } = await run(join(root, 'node_modules/.bin', name), ['--help'], { cwd: root });
      expect(stdout).toContain(`Usage: ${name} [options] [command]`);
    });

    it('says to build first when there is no build, and exits 1', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'parley-bin-'));
      try {
        mkdirSync(join(dir, 'bin'));
        writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
        const copy = join(dir, 'bin', `${name}.js`);
        copyFileSync(join(root, file), copy);
        await expect(run(process.execPath, [copy, '--help'])).rejects.toMatchObject({
          code: 1,
          stdout: '',
          stderr: `${name}: not built yet; run \`npm run build\` (or \`npm start\`) in the repository first\n`,
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
