import { beforeAll, expect, it } from 'vitest';
import { alice, at, pc1, type StoreContract } from '../../test/support/storeContract.js';
import type { Subject, Target } from './accessRights.js';

const maria: Subject = { kind: 'operator', id: 'op1' };
const frontDesk: Target = { kind: 'device_group', id: 'g-front' };

export const rightsStoreContract: StoreContract = (store) => {
  beforeAll(async () => {
    await store().operators.create(alice, at(0));
    await store().devices.create(pc1, at(0));
    await store().devices.create({ ...pc1, id: 'dev2', name: 'PC-2' }, at(0));
  });

  it('sets rights one at a time, keeps the others, and drops a grant left with none', async () => {
    const { rights } = store();
    await rights.setGrant(maria, frontDesk, { read: 'allow' });
    await rights.setGrant(maria, frontDesk, { write: 'deny' });
    expect(await rights.grants()).toEqual([
      { subject: maria, target: frontDesk, rights: { read: 'allow', write: 'deny' } },
    ]);
    await rights.setGrant(maria, frontDesk, { read: null });
    expect((await rights.grants())[0]?.rights).toEqual({ write: 'deny' });
    await rights.setGrant(maria, frontDesk, { write: null });
    expect(await rights.grants()).toEqual([]);
  });

  it('deletes the grants of a subject and on a target', async () => {
    const { rights } = store();
    const group: Subject = { kind: 'operator_group', id: 'og' };
    const device: Target = { kind: 'device', id: 'dev1' };
    await rights.setGrant(maria, device, { read: 'allow' });
    await rights.setGrant(group, device, { read: 'allow' });
    await rights.setGrant(group, frontDesk, { assign: 'allow' });
    await rights.deleteGrantsOf(group);
    expect((await rights.grants()).map((g) => g.subject)).toEqual([maria]);
    await rights.deleteGrantsOn(device);
    expect(await rights.grants()).toEqual([]);
  });

  it('keeps nested device groups with their rules, members and counts', async () => {
    const { rights } = store();
    expect(await rights.createGroup({ id: 'g-all', name: 'All', parentId: null, rule: null }, at(1))).toBe(
      true,
    );
    expect(
      await rights.createGroup({ id: 'g-front', name: 'Front desk', parentId: 'g-all', rule: null }, at(1)),
    ).toBe(true);
    expect(
      await rights.createGroup({ id: 'g-x', name: 'Front desk', parentId: null, rule: null }, at(1)),
    ).toBe(false);
    expect(
      await rights.createGroup(
        { id: 'g-fd', name: 'FD machines', parentId: 'g-front', rule: { namePattern: 'FD-*' } },
        at(1),
      ),
    ).toBe(true);
    await rights.setGroupDevices('g-front', ['dev1', 'dev2', 'dev1']);
    expect(await rights.setMembership('g-fd', 'dev2', true)).toBe(true);
    expect(await rights.setMembership('g-fd', 'dev2', true)).toBe(false);
    expect(await rights.findGroup('g-fd')).toEqual({
      id: 'g-fd',
      name: 'FD machines',
      parentId: 'g-front',
      rule: { namePattern: 'FD-*' },
      deviceCount: 1,
    });
    expect((await rights.listGroups()).map((g) => [g.name, g.deviceCount])).toEqual([
      ['All', 0],
      ['FD machines', 1],
      ['Front desk', 2],
    ]);
    expect(await rights.groupsOfDevice('dev2')).toEqual(['g-fd', 'g-front']);
    expect(await rights.devicesInGroup('g-front')).toEqual(['dev1', 'dev2']);
    expect(await rights.allMemberships()).toEqual(
      new Map([
        ['dev1', ['g-front']],
        ['dev2', ['g-fd', 'g-front']],
      ]),
    );
    expect(await rights.setMembership('g-fd', 'dev2', false)).toBe(true);
    await rights.setGroupDevices('g-front', ['dev2']);
    expect(await rights.groupsOfDevice('dev1')).toEqual([]);
  });

  it('deleting a group moves its children up to its parent and drops its memberships', async () => {
    const { rights } = store();
    expect(await rights.deleteGroup('g-front')).toBe(true);
    expect((await rights.findGroup('g-fd'))?.parentId).toBe('g-all');
    expect(await rights.groupsOfDevice('dev2')).toEqual([]);
    expect(await rights.deleteGroup('g-front')).toBe(false);
  });
};
