import type { CapabilitySource } from '@parley/protocol';
import { CAPABILITIES, type Capability } from '../rights/capabilities.js';
import type { Store } from '../store/store.js';
import type { OperatorGroupRecord, OperatorRecord } from './operatorStore.js';

/** A signed-in operator as the policy sees them: their record and the groups they are in. */
export interface Operator extends OperatorRecord {
  groups: Omit<OperatorGroupRecord, 'memberIds'>[];
}

export async function withGroups(store: Store, record: OperatorRecord): Promise<Operator> {
  return { ...record, groups: await store.operators.groupsOf(record.id) };
}

function isCapability(name: string): name is Capability {
  return (CAPABILITIES as readonly string[]).includes(name);
}

/** Every capability the operator has, each with where it comes from (their own grant first, then groups). */
export function capabilitySources(operator: Operator): CapabilitySource[] {
  if (operator.superAdmin) {
    return CAPABILITIES.map((capability) => ({ capability, via: { kind: 'super_administrator' } }));
  }
  const sources: CapabilitySource[] = operator.capabilities
    .filter(isCapability)
    .map((capability) => ({ capability, via: { kind: 'own' } }));
  for (const group of operator.groups) {
    for (const capability of group.capabilities.filter(isCapability)) {
      sources.push({ capability, via: { kind: 'operator_group', id: group.id, name: group.name } });
    }
  }
  return sources;
}

export function hasCapability(operator: Operator, capability: Capability): boolean {
  return (
    operator.superAdmin ||
    operator.capabilities.includes(capability) ||
    operator.groups.some((group) => group.capabilities.includes(capability))
  );
}
