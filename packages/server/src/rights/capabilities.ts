import { CAPABILITIES, type Capability } from '@parley/protocol';

/** What an operator may do at all: the list and its sentences live in the protocol (the console shows them). */
export { CAPABILITIES, type Capability };

export function hasCapability(
  operator: { capabilities: readonly string[] },
  capability: Capability,
): boolean {
  return operator.capabilities.includes(capability);
}
