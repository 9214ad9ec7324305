import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeCa } from '../../server/test/support/certificates.js';
import {
  agentSocketUrl,
  checkServerUrl,
  configuredLink,
  isLoopback,
  reachOf,
  readCa,
  serverLink,
} from './serverLink.js';

describe('how the agent reaches its server (issue 9)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-link-'));
  const ca = makeCa('Parley Test CA');
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, ca.cert, { mode: 0o644 });

  it('takes https anywhere and plain http to this computer only', () => {
    expect(checkServerUrl('https://help.example.com/some/path')).toBe('https://help.example.com');
    for (const local of ['http://127.0.0.1:8080', 'http://127.1.2.3', 'http://localhost:1', 'http://[::1]:9'])
      expect(checkServerUrl(local)).toBe(new URL(local).origin);
    expect(() => checkServerUrl('http://help.example.com')).toThrow(
      /^refusing plain http:\/\/help\.example\.com: the device credential and every chat would cross the network unencrypted .*use https:\/\/ .*--insecure/,
    );
    expect(() => checkServerUrl('http://10.0.0.5:8080')).toThrow(/refusing plain/);
    expect(() => checkServerUrl('http://localhost.evil.example')).toThrow(/refusing plain/);
    expect(checkServerUrl('http://help.example.com', true)).toBe('http://help.example.com');
    expect(() => checkServerUrl('ftp://help.example.com')).toThrow(/ftp:\/\/ is not a server URL/);
    expect(() => checkServerUrl('help.example.com')).toThrow(/is not a URL: give the server as https:/);
    expect(isLoopback('128.0.0.1')).toBe(false);
  });

  it('speaks wss to an https server and ws to a local http one', () => {
    expect(agentSocketUrl(serverLink('https://help.example.com:8443'))).toBe(
      'wss://help.example.com:8443/ws/agent',
    );
    expect(agentSocketUrl(serverLink('http://127.0.0.1:8080'))).toBe('ws://127.0.0.1:8080/ws/agent');
  });

  it('keeps the CA file and the insecure choice in the config, and lets flags override them', () => {
    const link = serverLink('http://help.example.com', { ca: caFile, insecure: true });
    expect(link.ca?.pem).toBe(ca.cert);
    expect(reachOf(link)).toEqual({ ca: caFile, insecure: true });
    expect(reachOf(serverLink('https://help.example.com'))).toEqual({});
    const config = { server: 'http://help.example.com', ...reachOf(link) };
    expect(configuredLink(config).insecure).toBe(true);
    expect(() => configuredLink(config, { insecure: false })).toThrow(/refusing plain/);
    expect(() => configuredLink(config, { ca: join(dir, 'missing.pem') })).toThrow(
      /cannot read the CA file .*missing\.pem \(--ca\)/,
    );
  });

  it('refuses a CA file that is no certificate, or that another account could change', () => {
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, 'not a certificate', { mode: 0o600 });
    expect(() => readCa(junk)).toThrow(/holds no PEM certificate/);
    const open = join(dir, 'open.pem');
    writeFileSync(open, ca.cert);
    chmodSync(open, 0o666);
    expect(() => readCa(open)).toThrow(
      /is writable by other accounts \(mode 666\): anyone who can change it can impersonate the server/,
    );
    expect(readCa(open, 'win32').pem).toBe(ca.cert);
    const shared = join(dir, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    writeFileSync(join(shared, 'ca.pem'), ca.cert, { mode: 0o644 });
    expect(() => readCa(join(shared, 'ca.pem'))).toThrow(
      /the directory of the CA file .* is writable by other accounts/,
    );
    chmodSync(shared, 0o1777);
    expect(readCa(join(shared, 'ca.pem')).file).toBe(join(shared, 'ca.pem'));
  });
});
