import { describe, expect, it } from 'vitest';
import {
  type AccessGrant,
  type DeviceFacts,
  type DynamicRule,
  type Effect,
  type GroupTree,
  globMatches,
  groupAndAncestors,
  matchesRule,
  type Right,
  resolveRights,
  type Subject,
  type Target,
} from './accessRights.js';

// Company
// ├─ Europe
// │  └─ Front desk      d1
// └─ Lab                d2;  d3 is in Europe and in Lab;  d4 is in no group
const tree: GroupTree = {
  parentOf: new Map([
    ['company', null],
    ['europe', 'company'],
    ['front-desk', 'europe'],
    ['lab', 'company'],
  ]),
  groupsOfDevice: new Map([
    ['d1', ['front-desk']],
    ['d2', ['lab']],
    ['d3', ['europe', 'lab']],
  ]),
};

const maria: Subject = { kind: 'operator', id: 'maria' };
const helpdesk: Subject = { kind: 'operator_group', id: 'helpdesk' };
const nightShift: Subject = { kind: 'operator_group', id: 'night' };
/** Maria is in Help desk and Night shift. */
const mariaAndGroups = [maria, helpdesk, nightShift];

const device = (id: string): Target => ({ kind: 'device', id });
const group = (id: string): Target => ({ kind: 'device_group', id });
const grant = (subject: Subject, target: Target, rights: Partial<Record<Right, Effect>>): AccessGrant => ({
  subject,
  target,
  rights,
});

type Row = {
  rule: string;
  grants: AccessGrant[];
  target: Target;
  expect: Partial<Record<Right, Effect | 'unset'>>;
};

const rows: Row[] = [
  {
    rule: 'nothing granted is no right',
    grants: [],
    target: device('d1'),
    expect: { read: 'unset', write: 'unset' },
  },
  {
    rule: 'a grant on a group reaches a device two levels down',
    grants: [grant(maria, group('company'), { read: 'allow' })],
    target: device('d1'),
    expect: { read: 'allow', write: 'unset', assign: 'unset' },
  },
  {
    rule: "an operator group's grant is its members'",
    grants: [grant(helpdesk, group('europe'), { read: 'allow', write: 'allow' })],
    target: device('d1'),
    expect: { read: 'allow', write: 'allow' },
  },
  {
    rule: 'a deny lower down (from an operator group) wins over an allow higher up (to the operator)',
    grants: [
      grant(maria, group('company'), { read: 'allow' }),
      grant(nightShift, group('front-desk'), { read: 'deny' }),
    ],
    target: device('d1'),
    expect: { read: 'deny' },
  },
  {
    rule: 'that deny stays where it is: a sibling group keeps the allow',
    grants: [
      grant(maria, group('company'), { read: 'allow' }),
      grant(nightShift, group('front-desk'), { read: 'deny' }),
    ],
    target: device('d2'),
    expect: { read: 'allow' },
  },
  {
    rule: 'a deny higher up wins over an allow on the device itself',
    grants: [
      grant(helpdesk, group('company'), { write: 'deny' }),
      grant(maria, device('d1'), { write: 'allow' }),
    ],
    target: device('d1'),
    expect: { write: 'deny' },
  },
  {
    rule: 'a device in two groups: a deny through either wins',
    grants: [grant(maria, group('europe'), { read: 'allow' }), grant(maria, group('lab'), { read: 'deny' })],
    target: device('d3'),
    expect: { read: 'deny' },
  },
  {
    rule: 'read deny hides the group and everything under it',
    grants: [
      grant(maria, group('company'), { read: 'deny' }),
      grant(maria, group('front-desk'), { read: 'allow' }),
    ],
    target: group('front-desk'),
    expect: { read: 'deny' },
  },
  {
    rule: 'a right on a group does not reach the group above it',
    grants: [grant(maria, group('front-desk'), { assign: 'allow' })],
    target: group('europe'),
    expect: { assign: 'unset' },
  },
  {
    rule: 'rights are independent: a write deny leaves read allowed',
    grants: [
      grant(maria, group('company'), { read: 'allow', write: 'allow' }),
      grant(helpdesk, device('d2'), { write: 'deny' }),
    ],
    target: device('d2'),
    expect: { read: 'allow', write: 'deny' },
  },
  {
    rule: 'grants to someone else count for nothing, denies included',
    grants: [
      grant({ kind: 'operator', id: 'sam' }, group('company'), { read: 'allow' }),
      grant({ kind: 'operator_group', id: 'contractors' }, device('d1'), { read: 'deny' }),
      grant(maria, device('d1'), { read: 'allow' }),
    ],
    target: device('d1'),
    expect: { read: 'allow' },
  },
  {
    rule: 'a device in no group takes only grants on itself',
    grants: [
      grant(maria, group('company'), { read: 'allow' }),
      grant(maria, device('d4'), { write: 'allow' }),
    ],
    target: device('d4'),
    expect: { read: 'unset', write: 'allow' },
  },
];

describe('access rights resolution (issue 8)', () => {
  it.each(rows)('$rule', ({ grants, target, expect: expected }) => {
    const rights = resolveRights(grants, mariaAndGroups, target, tree);
    for (const [right, effect] of Object.entries(expected)) {
      expect(rights[right as Right].effect, right).toBe(effect);
    }
  });

  it('says which grants decided, every deny when denied', () => {
    const rights = resolveRights(
      [
        grant(maria, group('company'), { write: 'allow' }),
        grant(helpdesk, group('front-desk'), { write: 'deny' }),
        grant(maria, device('d1'), { write: 'deny', read: 'allow' }),
      ],
      mariaAndGroups,
      device('d1'),
      tree,
    );
    expect(rights.write).toEqual({
      effect: 'deny',
      via: [
        { subject: helpdesk, target: group('front-desk') },
        { subject: maria, target: device('d1') },
      ],
    });
    expect(rights.read).toEqual({ effect: 'allow', via: [{ subject: maria, target: device('d1') }] });
    expect(rights.assign).toEqual({ effect: 'unset', via: [] });
  });

  it('walks up the tree nearest first, and a cycle cannot loop', () => {
    expect(groupAndAncestors('front-desk', tree)).toEqual(['front-desk', 'europe', 'company']);
    const looped: GroupTree = {
      parentOf: new Map([
        ['a', 'b'],
        ['b', 'a'],
      ]),
      groupsOfDevice: new Map(),
    };
    expect(groupAndAncestors('a', looped)).toEqual(['a', 'b']);
  });
});

describe('dynamic groups (issue 8)', () => {
  const laptop: DeviceFacts = { name: 'FD-Laptop-07', os: 'windows', onlineNode: 'node-a' };

  it.each<{ rule: DynamicRule; matches: boolean }>([
    { rule: {}, matches: true },
    { rule: { namePattern: 'fd-*' }, matches: true },
    { rule: { namePattern: 'FD-Laptop-0?' }, matches: true },
    { rule: { namePattern: 'Laptop' }, matches: false },
    { rule: { namePattern: 'fd-laptop-0' }, matches: false },
    { rule: { namePattern: 'FD-Laptop-07.' }, matches: false },
    { rule: { namePattern: '(FD)*' }, matches: false },
    { rule: { os: 'Windows' }, matches: true },
    { rule: { os: 'linux' }, matches: false },
    { rule: { onlineNode: 'node-a' }, matches: true },
    { rule: { namePattern: 'fd-*', os: 'linux' }, matches: false },
  ])('rule $rule matches FD-Laptop-07: $matches', ({ rule, matches }) => {
    expect(matchesRule(rule, laptop)).toBe(matches);
  });

  it('an offline device is on no node', () => {
    expect(matchesRule({ onlineNode: 'node-a' }, { ...laptop, onlineNode: null })).toBe(false);
  });

  it("membership follows the device's facts, and the rights with it", () => {
    const frontDeskRule: DynamicRule = { namePattern: 'FD-*' };
    const treeFor = (facts: DeviceFacts): GroupTree => ({
      parentOf: new Map([['front-desk-machines', null]]),
      groupsOfDevice: new Map([['d9', matchesRule(frontDeskRule, facts) ? ['front-desk-machines'] : []]]),
    });
    const grants = [grant(helpdesk, group('front-desk-machines'), { read: 'allow', write: 'allow' })];
    const before = resolveRights(grants, mariaAndGroups, device('d9'), treeFor(laptop));
    expect(before.write.effect).toBe('allow');
    const renamed = resolveRights(
      grants,
      mariaAndGroups,
      device('d9'),
      treeFor({ ...laptop, name: 'LAB-07' }),
    );
    expect(renamed.write.effect).toBe('unset');
  });
});

describe('globMatches (issue 8: no regular expression to backtrack on)', () => {
  it.each<[string, string, boolean]>([
    ['*', '', true],
    ['*', 'anything', true],
    ['', '', true],
    ['', 'x', false],
    ['FD-*', 'fd-01', true],
    ['*-01', 'FD-01', true],
    ['F?-0?', 'FD-07', true],
    ['F?-0?', 'FD-7', false],
    ['*a*b', 'xaxxb', true],
    ['*a*b', 'xaxxbc', false],
    ['a*a*a', 'aaa', true],
    ['a*a*a', 'aa', false],
    ['[x]', '[x]', true],
    ['.*', 'ab', false],
  ])('%s matches %s: %s', (pattern, text, expected) => {
    expect(globMatches(pattern, text)).toBe(expected);
  });

  it('answers at once for a pattern that makes a backtracking matcher take minutes', () => {
    // `*a*a*a*a*b` against 256 "a"s took 81 s as a regular expression; a wrong answer here is a hang.
    expect(globMatches('*a*a*a*a*a*a*b', 'a'.repeat(256))).toBe(false);
    expect(globMatches('*a*a*a*a*a*a*b', `${'a'.repeat(256)}b`)).toBe(true);
  });
});
