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

  it('answers false for a second operator with a username that is taken, and keeps the first', async () => {
    const { operators } = store();
    expect(await operators.create({ ...alice, id: 'op2', displayName: 'Another Alice' }, at(1))).toBe(false);
    expect(await operators.findById('op2')).toBeUndefined();
    expect((await operators.findByUsername('alice'))?.displayName).toBe('Alice Admin');
  });

  it('lists, changes, disables and deletes operators; a super-administrator is marked', async () => {
    const { operators } = store();
    expect(await operators.create({ ...alice, id: 'op-b', username: 'bob', superAdmin: true }, at(2))).toBe(
      true,
    );
    expect(await operators.create({ ...alice, id: 'op-c', username: 'carol' }, at(3))).toBe(true);
    expect((await operators.list()).map((o) => o.username)).toEqual(['alice', 'bob', 'carol']);
    expect((await operators.findById('op-b'))?.superAdmin).toBe(true);
    expect(
      await operators.update('op-c', {
        displayName: 'Carol C',
        capabilities: ['a', 'b'],
        passwordHash: 'h2',
      }),
    ).toBe(true);
    expect(await operators.update('op-c', { disabledAt: at(4) })).toBe(true);
    expect(await operators.findById('op-c')).toMatchObject({
      displayName: 'Carol C',
      capabilities: ['a', 'b'],
      passwordHash: 'h2',
      disabled: true,
    });
    expect(await operators.update('op-c', { disabledAt: null })).toBe(true);
    expect((await operators.findById('op-c'))?.disabled).toBe(false);
    expect(await operators.update('nobody', { displayName: 'x' })).toBe(false);
    expect(await operators.update('op-c', {})).toBe(true);
    expect(await operators.delete('op-c')).toBe(true);
    expect(await operators.delete('op-c')).toBe(false);
    expect(await operators.findById('op-c')).toBeUndefined();
  });

  it('keeps operator groups with their capabilities and members; deleting either side drops the membership', async () => {
    const { operators } = store();
    await operators.create({ ...alice, id: 'op-d', username: 'dora' }, at(5));
    expect(
      await operators.createGroup(
        { id: 'g1', name: 'Front desk', capabilities: ['instant-messaging'] },
        at(5),
      ),
    ).toBe(true);
    expect(await operators.createGroup({ id: 'g2', name: 'Front desk', capabilities: [] }, at(5))).toBe(
      false,
    );
    expect(await operators.createGroup({ id: 'g3', name: 'Night shift', capabilities: [] }, at(5))).toBe(
      true,
    );
    expect(await operators.setGroupMembers('g1', ['op1', 'op-d', 'op1'])).toBe(true);
    expect(await operators.setGroupMembers('g3', ['op-d'])).toBe(true);
    expect(await operators.setGroupMembers('nope', ['op1'])).toBe(false);
    expect(await operators.findGroup('g1')).toEqual({
      id: 'g1',
      name: 'Front desk',
      capabilities: ['instant-messaging'],
      memberIds: ['op-d', 'op1'],
    });
    expect((await operators.groupsOf('op-d')).map((g) => g.name)).toEqual(['Front desk', 'Night shift']);
    expect(await operators.updateGroup('g3', { name: 'Front desk' })).toBe(false);
    expect(await operators.updateGroup('g3', { name: 'Nights', capabilities: ['audit.view'] })).toBe(true);
    expect((await operators.listGroups()).map((g) => [g.name, g.memberIds.length])).toEqual([
      ['Front desk', 2],
      ['Nights', 1],
    ]);
    await operators.delete('op-d');
    expect((await operators.findGroup('g1'))?.memberIds).toEqual(['op1']);
    expect(await operators.deleteGroup('g1')).toBe(true);
    expect(await operators.groupsOf('op1')).toEqual([]);
  });
};
