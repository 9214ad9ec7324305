import { beforeAll, expect, it } from 'vitest';
import { alice, at, type StoreContract } from '../../test/support/storeContract.js';
import type { NewSession } from './sessionStore.js';

const session = (tokenHash: string, created: number, expires: number): NewSession => ({
  tokenHash,
  operatorId: 'op1',
  at: at(created),
  expiresAt: at(expires),
  address: '10.0.0.7',
  userAgent: 'Firefox',
});

export const sessionStoreContract: StoreContract = (store) => {
  beforeAll(() => store().operators.create(alice, at(0)));

  it('finds a session and its operator until it expires, idles out, or is deleted', async () => {
    const { sessions } = store();
    await sessions.create(session('s1', 0, 100));
    const found = await sessions.find('s1', at(5), at(-1));
    expect(found?.operator.id).toBe('op1');
    expect(found?.session).toMatchObject({
      id: 's1',
      address: '10.0.0.7',
      userAgent: 'Firefox',
      lastSeenAt: at(0),
    });
    expect(await sessions.find('s1', at(101), at(-1))).toBeUndefined();
    expect(await sessions.find('s1', at(5), at(0))).toBeUndefined();
    await sessions.touch('s1', at(20));
    expect((await sessions.find('s1', at(25), at(10)))?.session.lastSeenAt).toBe(at(20));
    expect(await sessions.find('unknown', at(5), at(-1))).toBeUndefined();
    await sessions.delete('s1');
    expect(await sessions.find('s1', at(5), at(-1))).toBeUndefined();
  });

  it("lists an operator's live sessions, latest used first, and ends them all", async () => {
    const { sessions } = store();
    await sessions.deleteOf('op1');
    await sessions.create(session('l1', 0, 100));
    await sessions.create(session('l2', 1, 100));
    await sessions.create(session('l-old', 0, 10));
    await sessions.touch('l1', at(30));
    expect((await sessions.listOf('op1', at(40), at(0))).map((s) => s.id)).toEqual(['l1', 'l2']);
    expect(await sessions.deleteOf('op1', 'l2')).toBe(2);
    expect((await sessions.listOf('op1', at(40), at(0))).map((s) => s.id)).toEqual(['l2']);
    expect(await sessions.deleteOf('op1')).toBe(1);
    expect(await sessions.listOf('op1', at(40), at(-1))).toEqual([]);
  });

  it('deletes the sessions that expired or idled out by then, and only those', async () => {
    const { sessions } = store();
    await sessions.create(session('s-old', 0, 10));
    await sessions.create(session('s-due', 0, 50));
    await sessions.create(session('s-idle', 0, 100));
    await sessions.create(session('s-new', 40, 100));
    await sessions.deleteExpired(at(50), at(30));
    expect(await sessions.find('s-old', at(5), at(-1))).toBeUndefined();
    expect(await sessions.find('s-due', at(5), at(-1))).toBeUndefined();
    expect(await sessions.find('s-idle', at(5), at(-1))).toBeUndefined();
    expect((await sessions.find('s-new', at(60), at(30)))?.operator.id).toBe('op1');
  });
};
