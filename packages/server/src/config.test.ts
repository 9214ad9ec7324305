import { describe, expect, it } from 'vitest';
import { configFromEnv } from './config.js';

describe('configFromEnv', () => {
  it('defaults to one node on port 8080 with SQLite in ./data and the demo agent on', () => {
    const config = configFromEnv({});
    expect(config).toMatchObject({ port: 8080, natsUrl: null, adminPassword: null, demoAgent: true });
    expect(config.store).toEqual({ kind: 'sqlite', file: expect.stringMatching(/\/data\/parley\.db$/) });
    expect(config.nodeId).toMatch(/:8080$/);
  });

  it('selects PostgreSQL and NATS, and turns the demo agent off', () => {
    const config = configFromEnv({
      DATABASE_URL: 'postgres://db.example/parley',
      NATS_URL: 'nats://bus.example:4222',
      PARLEY_DEMO_AGENT: '0',
      PORT: '9000',
    });
    expect(config).toMatchObject({
      port: 9000,
      store: { kind: 'postgres', url: 'postgres://db.example/parley' },
      natsUrl: 'nats://bus.example:4222',
      demoAgent: false,
    });
  });

  // zod's English messages: zod/mini loads no locale, this module does (z.config in config.ts).
  it('lists every problem at once, in words', () => {
    expect(() =>
      configFromEnv({ PORT: 'eighty', DATABASE_URL: 'mysql://x', PARLEY_ADMIN_PASSWORD: 'short' }),
    ).toThrow(
      /PORT: Invalid input: expected number, received NaN.*DATABASE_URL must be a postgres:\/\/ URL.*PARLEY_ADMIN_PASSWORD must have at least 8 characters/,
    );
  });

  it('reads host names, trusted proxies and /metrics access as lists, naming a bad entry (issue 8)', () => {
    expect(configFromEnv({})).toMatchObject({
      allowedHosts: [],
      trustedProxies: [],
      metricsAllow: ['127.0.0.0/8', '::1'],
      metricsToken: null,
    });
    const config = configFromEnv({
      PARLEY_ALLOWED_HOSTS: 'help.example.com, parley.corp ',
      PARLEY_TRUSTED_PROXIES: '10.0.0.0/8,::1',
      PARLEY_METRICS_ALLOW: '',
    });
    expect(config).toMatchObject({
      allowedHosts: ['help.example.com', 'parley.corp'],
      trustedProxies: ['10.0.0.0/8', '::1'],
      metricsAllow: [],
    });
    expect(() => configFromEnv({ PARLEY_TRUSTED_PROXIES: '10.0.0.0/8,proxy.corp' })).toThrow(
      /PARLEY_TRUSTED_PROXIES: not an IP address or network: proxy.corp/,
    );
    expect(() => configFromEnv({ PARLEY_METRICS_TOKEN: 'short' })).toThrow(/at least 16 characters/);
  });
});
