import { beforeAll, expect, it } from 'vitest';
import { alice, at, type StoreContract } from '../../test/support/storeContract.js';

export const sessionStoreContract: StoreContract = (store) => {
  beforeAll(() => store().operators.create(alice, at(0)));

  it('finds a session’s operator until the session expires, and not once it is deleted', async () => {
    const { sessions } = store();
    await sessions.create('s1', 'op1', at(0), at(10));
    expect((await sessions.findOperator('s1', at(5)))?.id).toBe('op1');
    expect(await sessions.findOperator('s1', at(11))).toBeUndefined();
    expect(await sessions.findOperator('unknown', at(5))).toBeUndefined();
    await sessions.delete('s1');
    expect(await sessions.findOperator('s1', at(5))).toBeUndefined();
  });

  it('deletes the sessions that expired by then, and only those', async () => {
    const { sessions } = store();
    await sessions.create('s-old', 'op1', at(0), at(10));
    await sessions.create('s-due', 'op1', at(0), at(50));
    await sessions.create('s-new', 'op1', at(0), at(100));
    await sessions.deleteExpired(at(50));
    expect(await sessions.findOperator('s-old', at(5))).toBeUndefined();
    expect(await sessions.findOperator('s-due', at(5))).toBeUndefined();
    expect((await sessions.findOperator('s-new', at(60)))?.id).toBe('op1');
  });
};
