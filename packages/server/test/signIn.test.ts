import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthService, lockFor, SIGN_IN_LIMITS } from '../src/auth/sessions.js';
import { openStore } from '../src/store/open.js';
import type { Store } from '../src/store/store.js';
import { type TempDatabase, tempSqlite } from './support/databases.js';
import { ADMIN_PASSWORD, ApiClient, startTestServer } from './support/server.js';

describe('sign-in limits (issue 8)', () => {
  it('200 guesses at admin from 20 addresses are refused after the account locks, the right password too', async () => {
    // A trusted proxy in front, so each guess comes from its own forwarded address.
    const server = await startTestServer({ edge: { trustedProxies: ['127.0.0.1'] } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 200; i++) {
        const client = new ApiClient(server.url);
        const answer = await client.request(
          'POST',
          '/api/auth/login',
          { username: 'admin', password: `guess-${i}` },
          { 'x-forwarded-for': `10.0.0.${i % 20}` },
        );
        statuses.push(answer.status);
      }
      expect(statuses.slice(0, SIGN_IN_LIMITS.accountFailures)).toEqual(
        Array(SIGN_IN_LIMITS.accountFailures).fill(401),
      );
      expect(statuses.slice(SIGN_IN_LIMITS.accountFailures).every((status) => status === 429)).toBe(true);
      const right = await new ApiClient(server.url).request(
        'POST',
        '/api/auth/login',
        { username: 'admin', password: ADMIN_PASSWORD },
        { 'x-forwarded-for': '10.0.0.99' },
      );
      expect(right).toMatchObject({ status: 429, body: { error: 'rate_limited' } });
      expect(String(right.body.message)).toMatch(/^too many failed sign-ins; try again in \d+ s$/);
      expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
      const lockouts = await server.store.audit.page({ action: 'auth.lockout' }, 10);
      expect(lockouts[0]).toMatchObject({ actor: 'admin', target: 'account:admin' });
    } finally {
      await server.close();
    }
  });

  it('of 100 guesses sent at once, no more than the limit are checked', async () => {
    const server = await startTestServer({ edge: { trustedProxies: ['127.0.0.1'] } });
    try {
      const answers = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          new ApiClient(server.url).request(
            'POST',
            '/api/auth/login',
            { username: 'admin', password: `burst-${i}` },
            { 'x-forwarded-for': `10.0.1.${i % 20}` },
          ),
        ),
      );
      const statuses = answers.map((answer) => answer.status);
      // Seen before the fix: 27 of them were checked (401).
      expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(
        SIGN_IN_LIMITS.accountFailures,
      );
      expect(statuses.filter((status) => status !== 401).every((status) => status === 429)).toBe(true);
    } finally {
      await server.close();
    }
  });

  describe('waiting a lock out', () => {
    let database: TempDatabase;
    let store: Store;
    let now = new Date('2026-12-01T10:00:00Z');
    const client = { address: '10.1.1.1', userAgent: null };

    beforeEach(async () => {
      database = tempSqlite();
      store = await openStore(database.location);
    });
    afterEach(async () => {
      await store.close();
      await database.drop();
    });

    it('locks for 30 s after five failures, doubles with each further one, and lets the right password in after', async () => {
      const auth = new AuthService(store, { now: () => now });
      await auth.ensureAdmin(ADMIN_PASSWORD);
      const later = (ms: number) => {
        now = new Date(now.getTime() + ms);
      };
      for (let i = 0; i < 5; i++) expect((await auth.login('admin', 'wrong', client)).ok).toBe(false);
      expect(await auth.login('admin', ADMIN_PASSWORD, client)).toEqual({
        ok: false,
        reason: 'locked',
        retryAfterSeconds: 30,
      });
      later(31_000);
      expect(await auth.login('admin', 'wrong again', client)).toMatchObject({ reason: 'wrong_credentials' });
      expect(await auth.login('admin', ADMIN_PASSWORD, client)).toEqual({
        ok: false,
        reason: 'locked',
        retryAfterSeconds: 60,
      });
      later(61_000);
      const signedIn = await auth.login('admin', ADMIN_PASSWORD, client);
      expect(signedIn.ok).toBe(true);
      // A success starts the count again.
      expect((await auth.login('admin', 'wrong', client)).ok).toBe(false);
      expect(await auth.login('admin', ADMIN_PASSWORD, client)).toMatchObject({ ok: true });
    });

    it('ends a session after the idle timeout, and at 12 h however active', async () => {
      const auth = new AuthService(store, { now: () => now, idleMinutes: 30 });
      await auth.ensureAdmin(ADMIN_PASSWORD);
      const session = await auth.login('admin', ADMIN_PASSWORD, client);
      if (!session.ok) throw new Error('sign-in failed');
      // Used every 25 minutes: alive until 12 h after sign-in, whatever the activity.
      for (let minutes = 25; minutes <= 700; minutes += 25) {
        now = new Date(now.getTime() + 25 * 60_000);
        expect(await auth.signedIn(session.token), `after ${minutes} min`).toBeDefined();
      }
      now = new Date(now.getTime() + 25 * 60_000);
      expect(await auth.signedIn(session.token)).toBeUndefined();

      const idle = await auth.login('admin', ADMIN_PASSWORD, client);
      if (!idle.ok) throw new Error('sign-in failed');
      now = new Date(now.getTime() + 31 * 60_000);
      expect(await auth.signedIn(idle.token)).toBeUndefined();
    });
  });

  it('lockFor: nothing below the limit, then 30 s doubling up to 15 min', () => {
    expect([4, 5, 6, 7, 20].map((n) => lockFor(n, 5))).toEqual([0, 30_000, 60_000, 120_000, 900_000]);
  });
});
