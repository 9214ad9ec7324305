import { beforeAll, expect, it } from 'vitest';
import { at, pc1, type StoreContract } from '../../test/support/storeContract.js';

export const deviceStoreContract: StoreContract = (store) => {
  beforeAll(() => store().devices.create(pc1, at(0)));

  it('consumes an enrollment token once, and never after it expires', async () => {
    const { devices } = store();
    await devices.createEnrollmentToken('t1', 'op1', at(0), at(10));
    await devices.createEnrollmentToken('t2', 'op1', at(0), at(10));
    expect(await devices.consumeEnrollmentToken('t1', at(1))).toBe(true);
    expect(await devices.consumeEnrollmentToken('t1', at(2))).toBe(false);
    expect(await devices.consumeEnrollmentToken('t2', at(11))).toBe(false);
    expect(await devices.consumeEnrollmentToken('unknown', at(1))).toBe(false);
  });

  it('deletes the enrollment tokens that expired by then, and only those', async () => {
    const { devices } = store();
    await devices.createEnrollmentToken('t-old', 'op1', at(0), at(10));
    await devices.createEnrollmentToken('t-new', 'op1', at(0), at(100));
    await devices.deleteExpiredEnrollmentTokens(at(50));
    expect(await devices.consumeEnrollmentToken('t-old', at(5))).toBe(false);
    expect(await devices.consumeEnrollmentToken('t-new', at(60))).toBe(true);
  });

  it('tracks which node holds a device and who is logged on', async () => {
    const { devices } = store();
    await devices.setOnline(
      'dev1',
      'nodeA',
      { name: 'PC-1', os: 'linux', loggedOnUsers: [{ name: 'bob' }] },
      at(1),
    );
    expect(await devices.find('dev1')).toMatchObject({
      onlineNode: 'nodeA',
      loggedOnUsers: [{ name: 'bob' }],
    });
    expect(await devices.setOffline('dev1', 'nodeB', at(2))).toBe(false);
    await devices.setLoggedOnUsers('dev1', [], at(2));
    expect((await devices.find('dev1'))?.loggedOnUsers).toEqual([]);
    await devices.touchNode('nodeA', at(2));
    expect(await devices.expireStale(at(2), at(2))).toEqual([]);
    expect(await devices.clearNode('nodeA', at(1))).toEqual([]);
    expect(await devices.clearNode('nodeA', at(3))).toEqual(['dev1']);
    expect((await devices.find('dev1'))?.onlineNode).toBeNull();
    expect((await devices.list()).map((d) => d.id)).toEqual(['dev1']);
  });

  it('expires the devices of a node that stopped renewing its lease, and only those', async () => {
    const { devices } = store();
    await devices.create({ id: 'dev-lease', name: 'PC-L', os: 'linux', credentialHash: 'c' }, at(0));
    await devices.setOnline('dev-lease', 'ghost', { name: 'PC-L', os: 'linux', loggedOnUsers: [] }, at(10));
    await devices.setOnline('dev1', 'alive', { name: 'PC-1', os: 'linux', loggedOnUsers: [] }, at(10));
    await devices.touchNode('alive', at(40));
    expect(await devices.expireStale(at(30), at(41))).toEqual(['dev-lease']);
    expect((await devices.find('dev-lease'))?.onlineNode).toBeNull();
    expect((await devices.find('dev1'))?.onlineNode).toBe('alive');
    expect(await devices.expireStale(at(30), at(42))).toEqual([]);
  });

  it('enrolls in one transaction: the token is used up exactly when the device exists', async () => {
    const { devices } = store();
    await devices.createEnrollmentToken('t-commit', 'op1', at(0), at(100));
    await store().transaction(async (tx) => {
      expect(await tx.devices.consumeEnrollmentToken('t-commit', at(1))).toBe(true);
      await tx.devices.create({ id: 'dev-tx', name: 'PC-TX', os: 'linux', credentialHash: 'c' }, at(1));
    });
    expect((await devices.find('dev-tx'))?.name).toBe('PC-TX');

    await devices.createEnrollmentToken('t-rollback', 'op1', at(0), at(100));
    await expect(
      store().transaction(async (tx) => {
        expect(await tx.devices.consumeEnrollmentToken('t-rollback', at(1))).toBe(true);
        await tx.devices.create({ id: 'dev-tx-2', name: 'PC-TX-2', os: 'linux', credentialHash: 'c' }, at(1));
        // Nested: joins the outer transaction, and goes with it.
        await tx.transaction((inner) => inner.devices.setLoggedOnUsers('dev-tx', [{ name: 'eve' }], at(2)));
        throw new Error('the audit row could not be written');
      }),
    ).rejects.toThrow(/audit row/);
    expect(await devices.find('dev-tx-2')).toBeUndefined();
    expect((await devices.find('dev-tx'))?.loggedOnUsers).toEqual([]);
    expect(await devices.consumeEnrollmentToken('t-rollback', at(3))).toBe(true);
  });
};
