import { beforeAll, expect, it } from 'vitest';
import { at, enrollmentToken, pc1, type StoreContract } from '../../test/support/storeContract.js';

const facts = (name: string) => ({ name, os: 'linux', agentVersion: '1.2.3', loggedOnUsers: [] });

export const deviceStoreContract: StoreContract = (store) => {
  beforeAll(() => store().devices.create(pc1, at(0)));

  it('consumes a one-time enrollment token once, and never after it expires', async () => {
    const { devices } = store();
    await devices.createEnrollmentToken(enrollmentToken('t1', at(10)));
    await devices.createEnrollmentToken(enrollmentToken('t2', at(10)));
    expect(await devices.consumeEnrollmentToken('t1', at(1))).toMatchObject({ id: 'id-t1', uses: 1 });
    expect(await devices.consumeEnrollmentToken('t1', at(2))).toBeNull();
    expect(await devices.consumeEnrollmentToken('t2', at(11))).toBeNull();
    expect(await devices.consumeEnrollmentToken('unknown', at(1))).toBeNull();
  });

  it('counts the uses of a fleet token up to its limit, and a revoked token works no more', async () => {
    const { devices } = store();
    await devices.createEnrollmentToken({ ...enrollmentToken('t-fleet', at(100), 3), label: 'Floor 3' });
    const uses = await Promise.all([1, 2, 3, 4].map(() => devices.consumeEnrollmentToken('t-fleet', at(1))));
    expect(uses.filter((use) => use !== null)).toHaveLength(3);
    const listed = (await devices.listEnrollmentTokens()).find((t) => t.id === 'id-t-fleet');
    expect(listed).toMatchObject({ label: 'Floor 3', uses: 3, maxUses: 3, revokedAt: null });

    await devices.createEnrollmentToken(enrollmentToken('t-revoked', at(100), 10));
    expect(await devices.revokeEnrollmentToken('id-t-revoked', at(2))).toBe(true);
    expect(await devices.revokeEnrollmentToken('id-t-revoked', at(3))).toBe(false);
    expect(await devices.revokeEnrollmentToken('id-unknown', at(3))).toBe(false);
    expect(await devices.consumeEnrollmentToken('t-revoked', at(4))).toBeNull();
  });

  it('deletes the enrollment tokens that expired by then, and only those', async () => {
    const { devices } = store();
    await devices.createEnrollmentToken(enrollmentToken('t-old', at(10)));
    await devices.createEnrollmentToken(enrollmentToken('t-new', at(100)));
    await devices.deleteExpiredEnrollmentTokens(at(50));
    expect(await devices.consumeEnrollmentToken('t-old', at(5))).toBeNull();
    expect(await devices.consumeEnrollmentToken('t-new', at(60))).not.toBeNull();
    expect((await devices.listEnrollmentTokens()).map((t) => t.id)).not.toContain('id-t-old');
  });

  it('tracks which node holds a device, who is logged on, its agent and address', async () => {
    const { devices } = store();
    await devices.setOnline(
      'dev1',
      'nodeA',
      { ...facts('PC-1'), loggedOnUsers: [{ name: 'bob' }] },
      '10.0.0.7',
      at(1),
    );
    expect(await devices.find('dev1')).toMatchObject({
      onlineNode: 'nodeA',
      loggedOnUsers: [{ name: 'bob' }],
      agentVersion: '1.2.3',
      address: '10.0.0.7',
      lastSeenAt: at(1),
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
    await devices.setOnline('dev-lease', 'ghost', facts('PC-L'), null, at(10));
    await devices.setOnline('dev1', 'alive', facts('PC-1'), null, at(10));
    await devices.touchNode('alive', at(40));
    expect(await devices.expireStale(at(30), at(41))).toEqual(['dev-lease']);
    expect((await devices.find('dev-lease'))?.onlineNode).toBeNull();
    expect((await devices.find('dev1'))?.onlineNode).toBe('alive');
    expect(await devices.expireStale(at(30), at(42))).toEqual([]);
  });

  it('keeps an operator’s name for a device, whatever host name the agent reports after', async () => {
    const { devices } = store();
    await devices.create({ id: 'dev-name', name: 'pc-0815', os: 'linux', credentialHash: 'c' }, at(0));
    await devices.setOnline('dev-name', 'nodeA', facts('pc-0815'), null, at(1));
    expect(await devices.rename('dev-name', 'Front desk PC', at(2))).toBe(true);
    await devices.setOnline('dev-name', 'nodeA', facts('pc-0816'), null, at(3));
    expect(await devices.find('dev-name')).toMatchObject({
      name: 'Front desk PC',
      hostName: 'pc-0816',
      renamed: true,
    });
    expect(await devices.rename('unknown', 'x', at(4))).toBe(false);
  });

  it('removes a device: gone from every list and count, its credentials and presence with it', async () => {
    const { devices } = store();
    await devices.create({ id: 'dev-gone', name: 'PC-G', os: 'linux', credentialHash: 'cg' }, at(0));
    await devices.setOnline('dev-gone', 'nodeA', facts('PC-G'), null, at(1));
    const before = await devices.countEnrolled();
    expect(await devices.remove('dev-gone', at(2))).toBe(true);
    expect(await devices.remove('dev-gone', at(3))).toBe(false);
    expect(await devices.find('dev-gone')).toBeUndefined();
    expect((await devices.list()).map((d) => d.id)).not.toContain('dev-gone');
    expect(await devices.countEnrolled()).toBe(before - 1);
    // Nothing an agent still holding the connection reports brings it back.
    expect(await devices.setOnline('dev-gone', 'nodeA', facts('PC-G'), null, at(4))).toBe(false);
    expect(await devices.find('dev-gone')).toBeUndefined();
    expect(await devices.rename('dev-gone', 'x', at(5))).toBe(false);
    expect(await devices.setPendingCredential('dev-gone', 'p')).toBe(false);
  });

  it('P-30: revokes a credential, and rotates one in two steps (the old one works until the new one is proven)', async () => {
    const { devices } = store();
    await devices.create({ id: 'dev-cred', name: 'PC-C', os: 'linux', credentialHash: 'old' }, at(0));
    expect(await devices.setPendingCredential('dev-cred', 'new')).toBe(true);
    expect(await devices.find('dev-cred')).toMatchObject({
      credentialHash: 'old',
      pendingCredentialHash: 'new',
    });
    expect(await devices.promotePendingCredential('dev-cred', 'other')).toBe(false);
    expect(await devices.promotePendingCredential('dev-cred', 'new')).toBe(true);
    expect(await devices.find('dev-cred')).toMatchObject({
      credentialHash: 'new',
      pendingCredentialHash: null,
    });
    expect(await devices.promotePendingCredential('dev-cred', 'new')).toBe(false);

    await devices.setPendingCredential('dev-cred', 'next');
    await devices.setOnline('dev-cred', 'nodeA', facts('PC-C'), null, at(1));
    expect(await devices.revokeCredential('dev-cred', at(2))).toBe(true);
    expect(await devices.revokeCredential('dev-cred', at(3))).toBe(false);
    const revoked = await devices.find('dev-cred');
    expect(revoked).toMatchObject({ credentialRevoked: true, pendingCredentialHash: null, onlineNode: null });
    expect(revoked?.credentialHash).not.toBe('new');
    expect(await devices.setPendingCredential('dev-cred', 'again')).toBe(false);
    // A hello that raced the revocation does not bring it online.
    expect(await devices.setOnline('dev-cred', 'nodeA', facts('PC-C'), null, at(4))).toBe(false);
    expect((await devices.find('dev-cred'))?.onlineNode).toBeNull();
  });

  it('enrolls in one transaction: the token is used up exactly when the device exists', async () => {
    const { devices } = store();
    await devices.createEnrollmentToken(enrollmentToken('t-commit', at(100)));
    await store().transaction(async (tx) => {
      expect(await tx.devices.consumeEnrollmentToken('t-commit', at(1))).not.toBeNull();
      await tx.devices.create({ id: 'dev-tx', name: 'PC-TX', os: 'linux', credentialHash: 'c' }, at(1));
    });
    expect((await devices.find('dev-tx'))?.name).toBe('PC-TX');

    await devices.createEnrollmentToken(enrollmentToken('t-rollback', at(100)));
    await expect(
      store().transaction(async (tx) => {
        expect(await tx.devices.consumeEnrollmentToken('t-rollback', at(1))).not.toBeNull();
        await tx.devices.create({ id: 'dev-tx-2', name: 'PC-TX-2', os: 'linux', credentialHash: 'c' }, at(1));
        // Nested: joins the outer transaction, and goes with it.
        await tx.transaction((inner) => inner.devices.setLoggedOnUsers('dev-tx', [{ name: 'eve' }], at(2)));
        throw new Error('the audit row could not be written');
      }),
    ).rejects.toThrow(/audit row/);
    expect(await devices.find('dev-tx-2')).toBeUndefined();
    expect((await devices.find('dev-tx'))?.loggedOnUsers).toEqual([]);
    expect(await devices.consumeEnrollmentToken('t-rollback', at(3))).not.toBeNull();
  });
};
