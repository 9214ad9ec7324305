import type { EffectiveRightsView } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { capabilityOrigin, effectiveRightText } from './words';

const frontDesk = { kind: 'operator_group', id: 'g1', name: 'Front desk' } as const;
const pc1 = { kind: 'device', id: 'd1', name: 'PC-1' } as const;

function view(partial: Partial<EffectiveRightsView>): EffectiveRightsView {
  return {
    operatorId: 'o1',
    deviceId: 'd1',
    superAdministrator: false,
    read: { effect: 'unset', via: [] },
    write: { effect: 'unset', via: [] },
    assign: { effect: 'unset', via: [] },
    ...partial,
  };
}

describe('effective rights in words', () => {
  it('name the grants that decided a right', () => {
    const rights = view({
      write: { effect: 'deny', via: [{ subject: frontDesk, target: pc1 }] },
      read: {
        effect: 'allow',
        via: [
          { subject: { kind: 'operator', id: 'o1', name: 'maria' }, target: pc1 },
          { subject: frontDesk, target: { kind: 'device_group', id: 'dg', name: 'Floor 1' } },
        ],
      },
    });
    expect(effectiveRightText('write', rights)).toBe(
      'Write: denied via operator group Front desk on device PC-1',
    );
    expect(effectiveRightText('read', rights)).toBe(
      'Read: allowed via operator maria on device PC-1; operator group Front desk on device group Floor 1',
    );
    expect(effectiveRightText('assign', rights)).toBe('Assign: not granted (no grant applies)');
  });

  it('say that the super administrator has every right', () => {
    expect(effectiveRightText('assign', view({ superAdministrator: true }))).toBe(
      'Assign: allowed (super administrator)',
    );
  });
});

describe('where a capability comes from', () => {
  it('is nothing for an own grant, the group or the super administrator otherwise', () => {
    expect(capabilityOrigin({ capability: 'audit.view', via: { kind: 'own' } })).toBeNull();
    expect(capabilityOrigin({ capability: 'audit.view', via: frontDesk })).toBe('from group Front desk');
    expect(capabilityOrigin({ capability: 'audit.view', via: { kind: 'super_administrator' } })).toBe(
      'as super administrator',
    );
  });
});
