import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT_CONFIG_PATH } from './config.js';

const read = (name: string) => readFileSync(new URL(`../service/${name}`, import.meta.url), 'utf8');

/** The `Key=value` settings of a systemd unit (comments and sections left out). */
function unitSettings(text: string): Map<string, string> {
  const settings = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^(\w+)=(.*)$/.exec(line);
    if (match?.[1] && match[2] !== undefined) settings.set(match[1], match[2]);
  }
  return settings;
}

describe('the service definitions that ship with the agent', () => {
  it('systemd: keeps the credential where the agent run as root looks, and launch files where users can reach', () => {
    const unit = unitSettings(read('parley-agent.service'));
    expect(`/var/lib/${unit.get('StateDirectory')}`).toBe(dirname(ROOT_CONFIG_PATH));
    expect(unit.get('StateDirectoryMode')).toBe('0700');
    // A private /tmp is fine only because launch files go to the runtime directory, which users may pass through.
    expect(unit.get('PrivateTmp')).toBe('yes');
    expect(unit.get('Environment')).toBe(`TMPDIR=/run/${unit.get('RuntimeDirectory')}`);
    expect(unit.get('RuntimeDirectoryMode')).toBe('0711');
    expect(unit.get('ProtectHome')).toBe('read-only');
    expect(unit.get('NoNewPrivileges')).toBe('yes');
    expect(unit.get('Restart')).toBe('on-failure');
    expect(unit.get('ExecStart')).toMatch(/\/parley-agent run$/);
  });

  it('launchd and WinSW: well-formed XML (no "--" inside a comment) running `parley-agent run`', () => {
    for (const name of ['com.parley.agent.plist', 'parley-agent.xml']) {
      const text = read(name);
      for (const comment of text.matchAll(/<!--([\s\S]*?)-->/g)) expect(comment[1]).not.toContain('--');
    }
    expect(read('com.parley.agent.plist')).toMatch(
      /<string>\/usr\/local\/bin\/parley-agent<\/string>\s*<string>run<\/string>/,
    );
    expect(read('parley-agent.xml')).toMatch(/<arguments>"[^"]+cli\.js" run<\/arguments>/);
  });
});
