import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { AddressList } from './addresses.js';
import { HostCheck, hostOf } from './hosts.js';

describe('HostCheck (issue 8: DNS rebinding)', () => {
  const check = new HostCheck(['help.example.com']);

  it('answers to IP literals, localhost, this machine and the configured names, with or without a port', () => {
    for (const host of [
      '127.0.0.1:8080',
      '10.1.2.3',
      '[::1]:8080',
      'localhost:8080',
      'Help.Example.COM.',
      `${hostname()}:80`,
    ]) {
      expect(check.allows(host), host).toBe(true);
    }
  });

  it('refuses any other name, and malformed or missing hosts', () => {
    for (const host of [
      'evil.example:8080',
      'help.example.com.evil.example',
      'user@help.example.com',
      '',
      'a b',
      '[zz]',
    ]) {
      expect(check.allows(host), host).toBe(false);
    }
    expect(check.allows(undefined)).toBe(false);
  });

  it('takes the port off', () => {
    expect(hostOf('[::1]:8080')).toBe('::1');
    expect(hostOf('help.example:443')).toBe('help.example');
    expect(hostOf('help.example:')).toBeNull();
  });
});

describe('AddressList', () => {
  it('matches addresses and networks of both families, IPv4 seen through a dual-stack socket included', () => {
    const list = new AddressList(['127.0.0.0/8', '::1', '10.0.0.5']);
    expect(list.has('127.0.0.1')).toBe(true);
    expect(list.has('::ffff:127.0.0.1')).toBe(true);
    expect(list.has('::1')).toBe(true);
    expect(list.has('10.0.0.5')).toBe(true);
    expect(list.has('10.0.0.6')).toBe(false);
    expect(list.has('not-an-ip')).toBe(false);
    expect(list.has(undefined)).toBe(false);
  });

  it('refuses entries that are not addresses, naming them', () => {
    expect(() => new AddressList(['10.0.0.0/33'])).toThrow('10.0.0.0/33');
    expect(() => new AddressList(['proxy.local'])).toThrow('proxy.local');
  });
});
