import { chmodSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configAclCommand, pageStatePath, privateDirectory, readConfig, writeConfig } from './config.js';

describe('agent configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-agent-config-'));
  const config = {
    server: 'http://help.example:8080',
    deviceId: 'dev-1',
    credential: 'c'.repeat(43),
    name: 'PC-1',
  };

  it('round-trips and is readable by its owner only, however often it is saved', async () => {
    const file = join(dir, 'nested', 'agent.json');
    await writeConfig(file, config);
    expect(readConfig(file)).toEqual(config);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // Saved again (a rotated credential) over a file whose mode someone widened: private again, whole, no leftovers.
    chmodSync(file, 0o644);
    await writeConfig(file, { ...config, credential: 'd'.repeat(43) });
    expect(readConfig(file).credential).toBe('d'.repeat(43));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, 'nested'))).toEqual(['agent.json']);
  });

  it('says what to do when the file is missing or invalid', () => {
    expect(() => readConfig(join(dir, 'missing.json'))).toThrow(/run `parley-agent enroll` first/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...config, server: 'ftp://x' }), { mode: 0o600 });
    expect(() => readConfig(bad)).toThrow(/is invalid/);
  });

  it('refuses a configuration another account could read or change (it names the server, holds the credential)', async () => {
    const file = join(dir, 'shared', 'agent.json');
    await writeConfig(file, config);
    chmodSync(file, 0o644);
    expect(() => readConfig(file)).toThrow(/readable by other accounts \(mode 644\).*chmod 600/);
    chmodSync(file, 0o622);
    expect(() => readConfig(file)).toThrow(/writable by other accounts.*point the agent at another server/);
    chmodSync(file, 0o600);
    chmodSync(join(dir, 'shared'), 0o777);
    expect(() => readConfig(file)).toThrow(
      /directory of the agent configuration .* writable by other accounts/,
    );
    // Saving it again makes the directory private again.
    await writeConfig(file, config);
    expect(readConfig(file)).toEqual(config);
    expect(statSync(join(dir, 'shared')).mode & 0o777).toBe(0o700);
  });

  it('restricts the file with an ACL on Windows, where file modes mean nothing', () => {
    expect(configAclCommand('C:\\ProgramData\\Parley\\agent.json', 'win32', 'SYSTEM')).toEqual({
      command: 'icacls',
      args: [
        'C:\\ProgramData\\Parley\\agent.json',
        '/inheritance:r',
        '/grant:r',
        '*S-1-5-18:F',
        '*S-1-5-32-544:F',
        'SYSTEM:F',
      ],
    });
    expect(configAclCommand('/var/lib/parley-agent/agent.json', 'linux', 'root')).toBeNull();
  });

  it('H1: the page state has a directory of its own, private before anything is written in it', async () => {
    expect(pageStatePath('/var/lib/parley-agent/agent.json')).toBe(
      '/var/lib/parley-agent/agent.state/pages.json',
    );
    // On Windows the directory's ACL is inherited by what is made inside (the state file and its temporary copy).
    expect(configAclCommand('C:\\ProgramData\\Parley\\agent.state', 'win32', 'SYSTEM', true)?.args).toEqual([
      'C:\\ProgramData\\Parley\\agent.state',
      '/inheritance:r',
      '/grant:r',
      '*S-1-5-18:(OI)(CI)F',
      '*S-1-5-32-544:(OI)(CI)F',
      'SYSTEM:(OI)(CI)F',
    ]);
    const state = join(dir, 'open', 'agent.state');
    mkdirSync(state, { recursive: true, mode: 0o777 });
    await privateDirectory(state);
    expect(statSync(state).mode & 0o777).toBe(0o700);
  });
});
