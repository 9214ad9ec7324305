import { beforeAll, expect, it } from 'vitest';
import { alice, at, type StoreContract } from '../../test/support/storeContract.js';

export const operatorStoreContract: StoreContract = (store) => {
  beforeAll(() => store().operators.create(alice, at(0)));

  it('finds operators by name and by id', async () => {
    const { operators } = store();
    expect((await operators.findByUsername('alice'))?.capabilities).toEqual(['x']);
    expect(await operators.findByUsername('nobody')).toBeUndefined();
    expect(await operators.findById('op1')).toEqual(alice);
    expect(await operators.findById('nobody')).toBeUndefined();
  });

  it('refuses a second operator with a username that is taken', async () => {
    const { operators } = store();
    await expect(
      operators.create({ ...alice, id: 'op2', displayName: 'Another Alice' }, at(1)),
    ).rejects.toThrow();
    expect(await operators.findById('op2')).toBeUndefined();
  });
};
