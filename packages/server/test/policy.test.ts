import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBus } from '../src/bus/bus.js';
import { withGroups } from '../src/operators/operator.js';
import { ACCESS_CACHE_MS, Policy } from '../src/rights/policy.js';
import { openStore } from '../src/store/open.js';
import type { Store } from '../src/store/store.js';
import { type TempDatabase, tempSqlite } from './support/databases.js';
import { alice, at, pc1 } from './support/storeContract.js';

describe('the policy cache (issue 8)', () => {
  let database: TempDatabase;
  let store: Store;
  beforeAll(async () => {
    database = tempSqlite();
    store = await openStore(database.location);
    await store.operators.create(alice, at(0));
    await store.devices.create(pc1, at(0));
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  it('reads the rights again after ACCESS_CACHE_MS even when no access_changed came (one lost on the bus)', async () => {
    let now = 1_000_000;
    const licensed = { directAccess: async () => ({ allowed: true }) as const };
    const policy = new Policy(store, new LocalBus(), licensed, () => now);
    const operator = await withGroups(store, { ...alice });
    const readsDevice = () => policy.may(operator, { kind: 'device.read', deviceId: pc1.id });
    expect(await readsDevice()).toBe(false);
    // Granted behind the policy's back, as when the bus lost the news.
    await store.rights.setGrant(
      { kind: 'operator', id: alice.id },
      { kind: 'device', id: pc1.id },
      { read: 'allow' },
    );
    now += ACCESS_CACHE_MS - 1;
    expect(await readsDevice()).toBe(false);
    now += 1;
    expect(await readsDevice()).toBe(true);
    // And the news, when it comes, counts at once.
    await store.rights.setGrant(
      { kind: 'operator', id: alice.id },
      { kind: 'device', id: pc1.id },
      { read: 'deny' },
    );
    policy.forget();
    expect(await readsDevice()).toBe(false);
  });
});
