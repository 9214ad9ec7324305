import type {
  AccessRightView,
  Capability,
  CapabilitySource,
  EffectiveRightsView,
  OperatorDetails,
  RightName,
  RightSetting,
} from '@parley/protocol';

/** How the administration screens put grants, rights and capabilities into words. */

type Subject = AccessRightView['subject'];
type Target = AccessRightView['target'];

export const RIGHTS: readonly RightName[] = ['read', 'write', 'assign'];

export const RIGHT_LABELS: Record<RightName, string> = { read: 'Read', write: 'Write', assign: 'Assign' };

export function subjectWords(subject: Subject): string {
  return `${subject.kind === 'operator' ? 'operator' : 'operator group'} ${subject.name}`;
}

export function targetWords(target: Target): string {
  return `${target.kind === 'device' ? 'device' : 'device group'} ${target.name}`;
}

export function settingWords(setting: RightSetting): string {
  return setting === 'allow' ? 'Allow' : setting === 'deny' ? 'Deny' : 'Unset';
}

const EFFECT_WORDS = { allow: 'allowed', deny: 'denied', unset: 'not granted' } as const;

/** "Write: denied via operator group Front desk on device PC-1" (one line per right). */
export function effectiveRightText(right: RightName, view: EffectiveRightsView): string {
  const label = RIGHT_LABELS[right];
  if (view.superAdministrator) return `${label}: allowed (super administrator)`;
  const { effect, via } = view[right];
  if (via.length === 0)
    return `${label}: ${EFFECT_WORDS[effect]}${effect === 'unset' ? ' (no grant applies)' : ''}`;
  const grants = via.map((grant) => `${subjectWords(grant.subject)} on ${targetWords(grant.target)}`);
  return `${label}: ${EFFECT_WORDS[effect]} via ${grants.join('; ')}`;
}

/** Where an inherited capability comes from ("from group Front desk"); null for the operator's own grant. */
export function capabilityOrigin(source: CapabilitySource): string | null {
  if (source.via.kind === 'own') return null;
  if (source.via.kind === 'super_administrator') return 'as super administrator';
  return `from group ${source.via.name}`;
}

/**
 * Each capability the operator has, once, with where it comes from when it is not their own grant (an own grant
 * wins: it is what the console lets them change).
 */
export function inheritedCapabilities(operator: OperatorDetails): Map<Capability, string | null> {
  const result = new Map<Capability, string | null>();
  for (const source of operator.effectiveCapabilities) {
    const origin = operator.capabilities.includes(source.capability) ? null : capabilityOrigin(source);
    if (!result.has(source.capability) || origin === null) result.set(source.capability, origin);
  }
  return result;
}
