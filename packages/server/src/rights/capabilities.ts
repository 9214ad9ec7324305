/** What an operator may do at all. An administrator has every capability. */
export const CAPABILITIES = [
  'instant-messaging',
  'devices.manage',
  'operators.manage',
  'settings.manage',
  'recordings.view',
] as const;
export type Capability = (typeof CAPABILITIES)[number];

export function hasCapability(
  operator: { capabilities: readonly string[] },
  capability: Capability,
): boolean {
  return operator.capabilities.includes(capability);
}
