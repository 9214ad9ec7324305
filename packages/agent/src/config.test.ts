import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configAclCommand, readConfig, writeConfig } from './config.js';

describe('agent configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-agent-config-'));
  const config = {
    server: 'http://help.example:8080',
    deviceId: 'dev-1',
    credential: 'c'.repeat(43),
    name: 'PC-1',
  };

  it('round-trips and is readable by its owner only', () => {
    const file = join(dir, 'nested', 'agent.json');
    writeConfig(file, config);
    expect(readConfig(file)).toEqual(config);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('says what to do when the file is missing or invalid', () => {
    expect(() => readConfig(join(dir, 'missing.json'))).toThrow(/run `parley-agent enroll` first/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...config, server: 'ftp://x' }));
    expect(() => readConfig(bad)).toThrow(/is invalid/);
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
});
