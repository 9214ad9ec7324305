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

  it('lists every problem at once', () => {
    expect(() =>
      configFromEnv({ PORT: 'eighty', DATABASE_URL: 'mysql://x', PARLEY_ADMIN_PASSWORD: 'short' }),
    ).toThrow(
      /PORT: .*DATABASE_URL must be a postgres:\/\/ URL.*PARLEY_ADMIN_PASSWORD must have at least 8 characters/,
    );
  });
});
