import type { Db } from '../store/db.js';

/** Consecutive failed sign-ins per key (`account:<username>`, `address:<ip>`), and the lock they led to. */
export interface SignInStore {
  /** The latest end of a lock on any of `keys` still running at `now`, or null. */
  lockedUntil(keys: readonly string[], now: string): Promise<string | null>;
  /**
   * Counts one more failure on `key` (starting again at 1 when the last was before `windowStart`) and answers the
   * count, so the caller can decide a lock.
   */
  recordFailure(key: string, at: string, windowStart: string): Promise<number>;
  lock(key: string, until: string): Promise<void>;
  clear(keys: readonly string[]): Promise<void>;
}

export class SqlSignInStore implements SignInStore {
  constructor(private readonly db: Db) {}

  async lockedUntil(keys: readonly string[], now: string): Promise<string | null> {
    if (keys.length === 0) return null;
    const row = await this.db
      .selectFrom('sign_in_failures')
      .select((eb) => eb.fn.max('locked_until').as('until'))
      .where('key', 'in', [...keys])
      .where('locked_until', '>', now)
      .executeTakeFirst();
    return row?.until ?? null;
  }

  async recordFailure(key: string, at: string, windowStart: string): Promise<number> {
    await this.db
      .insertInto('sign_in_failures')
      .values({ key, failures: 1, last_failure_at: at, locked_until: null })
      .onConflict((conflict) =>
        conflict.column('key').doUpdateSet((eb) => ({
          failures: eb
            .case()
            .when('sign_in_failures.last_failure_at', '<', windowStart)
            .then(1)
            .else(eb('sign_in_failures.failures', '+', 1))
            .end(),
          last_failure_at: at,
        })),
      )
      .execute();
    const row = await this.db
      .selectFrom('sign_in_failures')
      .select('failures')
      .where('key', '=', key)
      .executeTakeFirstOrThrow();
    return row.failures;
  }

  async lock(key: string, until: string): Promise<void> {
    await this.db
      .updateTable('sign_in_failures')
      .set({ locked_until: until })
      .where('key', '=', key)
      .execute();
  }

  async clear(keys: readonly string[]): Promise<void> {
    if (keys.length > 0)
      await this.db
        .deleteFrom('sign_in_failures')
        .where('key', 'in', [...keys])
        .execute();
  }
}
