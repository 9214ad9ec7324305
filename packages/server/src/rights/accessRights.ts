/**
 * Access rights: what an operator may do on which devices (DESIGN.md "access right"). Pure: the store loads the
 * grants and the group tree, this decides, and says which grants decided ("Write: denied via group Front desk").
 *
 * An operator or operator group gets Read / Write / Assign on a device or a device group, each allow, deny or
 * unset. A grant on a group covers every device in it and every group nested under it; a grant to an operator
 * group covers its members. An explicit deny wins over any allow, at every level. Nothing granted is no right.
 */

export const RIGHTS = ['read', 'write', 'assign'] as const;
export type Right = (typeof RIGHTS)[number];
export type Effect = 'allow' | 'deny';

export type Subject = { kind: 'operator'; id: string } | { kind: 'operator_group'; id: string };
export type Target = { kind: 'device'; id: string } | { kind: 'device_group'; id: string };

export interface AccessGrant {
  subject: Subject;
  target: Target;
  /** A right left out is unset. */
  rights: Partial<Record<Right, Effect>>;
}

/** One grant that decided a right. */
export interface Source {
  subject: Subject;
  target: Target;
}

export interface EffectiveRight {
  effect: Effect | 'unset';
  /** The grants that decided it: every deny when denied, every allow when allowed, none when unset. */
  via: Source[];
}

export type EffectiveRights = Record<Right, EffectiveRight>;

/** The group tree and device membership (static and dynamic alike), as the store has them. */
export interface GroupTree {
  /** Each group's parent, null for a top-level group. */
  parentOf: ReadonlyMap<string, string | null>;
  /** The groups a device is directly in. */
  groupsOfDevice: ReadonlyMap<string, readonly string[]>;
}

function sameTarget(a: Target, b: Target): boolean {
  return a.kind === b.kind && a.id === b.id;
}

function sameSubject(a: Subject, b: Subject): boolean {
  return a.kind === b.kind && a.id === b.id;
}

/** A group and every group above it, nearest first. A cycle (refused when written) cannot loop here. */
export function groupAndAncestors(groupId: string, tree: GroupTree): string[] {
  const chain: string[] = [];
  let current: string | null | undefined = groupId;
  while (current != null && !chain.includes(current)) {
    chain.push(current);
    current = tree.parentOf.get(current);
  }
  return chain;
}

/** The target itself and everything whose grants reach it: its groups and all groups above them. */
export function targetsCovering(target: Target, tree: GroupTree): Target[] {
  const groups = target.kind === 'device' ? (tree.groupsOfDevice.get(target.id) ?? []) : [target.id];
  const covering: Target[] = target.kind === 'device' ? [target] : [];
  for (const group of groups) {
    for (const id of groupAndAncestors(group, tree)) {
      const candidate: Target = { kind: 'device_group', id };
      if (!covering.some((seen) => sameTarget(seen, candidate))) covering.push(candidate);
    }
  }
  return covering;
}

/**
 * The rights `subjects` (an operator and the operator groups they are in) have on `target`. Deny wins over
 * allow wherever either comes from: the device or a group above it, the operator or one of their groups.
 */
export function resolveRights(
  grants: readonly AccessGrant[],
  subjects: readonly Subject[],
  target: Target,
  tree: GroupTree,
): EffectiveRights {
  const covering = targetsCovering(target, tree);
  const relevant = grants.filter(
    (grant) =>
      subjects.some((subject) => sameSubject(subject, grant.subject)) &&
      covering.some((covered) => sameTarget(covered, grant.target)),
  );
  const decide = (right: Right): EffectiveRight => {
    const sources = (effect: Effect): Source[] =>
      relevant
        .filter((grant) => grant.rights[right] === effect)
        .map(({ subject, target: grantTarget }) => ({ subject, target: grantTarget }));
    const denies = sources('deny');
    if (denies.length > 0) return { effect: 'deny', via: denies };
    const allows = sources('allow');
    return allows.length > 0 ? { effect: 'allow', via: allows } : { effect: 'unset', via: [] };
  };
  return { read: decide('read'), write: decide('write'), assign: decide('assign') };
}

export function isAllowed(rights: EffectiveRights, right: Right): boolean {
  return rights[right].effect === 'allow';
}

/** The facts about a device a dynamic group's rule can test. */
export interface DeviceFacts {
  name: string;
  os: string;
  /** The server node holding the device's connection; null when offline. */
  onlineNode: string | null;
}

/**
 * A dynamic group's rule: every condition given must hold. `namePattern` is a case-insensitive glob over the
 * whole name (`*` any run of characters, `?` one character); `os` and `onlineNode` compare case-insensitively.
 */
export interface DynamicRule {
  namePattern?: string;
  os?: string;
  onlineNode?: string;
}

/**
 * A case-insensitive glob over the whole text (`*` any run, `?` one character), in time linear in the text for each
 * `*`: no regular expression, whose backtracking a pattern like `*a*a*a*b` can make take minutes.
 */
export function globMatches(pattern: string, text: string): boolean {
  const p = [...pattern.toLowerCase()];
  const t = [...text.toLowerCase()];
  let pi = 0;
  let ti = 0;
  let star = -1;
  let resume = 0;
  while (ti < t.length) {
    if (pi < p.length && (p[pi] === '?' || (p[pi] !== '*' && p[pi] === t[ti]))) {
      pi++;
      ti++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      resume = ti;
    } else if (star !== -1) {
      pi = star + 1;
      ti = ++resume;
    } else {
      return false;
    }
  }
  while (p[pi] === '*') pi++;
  return pi === p.length;
}

function sameText(a: string, b: string): boolean {
  return a.localeCompare(b, undefined, { sensitivity: 'accent' }) === 0;
}

export function matchesRule(rule: DynamicRule, device: DeviceFacts): boolean {
  if (rule.namePattern !== undefined && !globMatches(rule.namePattern, device.name)) return false;
  if (rule.os !== undefined && !sameText(rule.os, device.os)) return false;
  if (
    rule.onlineNode !== undefined &&
    (device.onlineNode === null || !sameText(rule.onlineNode, device.onlineNode))
  )
    return false;
  return true;
}
