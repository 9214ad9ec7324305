import type { Bus } from '../bus/bus.js';
import { subjects } from '../bus/bus.js';
import { hasCapability, type Operator } from '../operators/operator.js';
import type { Store } from '../store/store.js';
import {
  type AccessGrant,
  type EffectiveRights,
  type GroupTree,
  isAllowed,
  type Right,
  resolveRights,
  type Subject,
  type Target,
  targetsCovering,
} from './accessRights.js';
import type { Capability } from './capabilities.js';

/**
 * The one authorization point: every REST route (its `access`, http/request.ts) and every WebSocket frame (the
 * frame tables of ws/, and the chat service for what needs the chat itself) asks `Policy.authorize`. Capabilities
 * say what an operator may do at all, access rights (rights/accessRights.ts) on which devices.
 */

/** Who asks: a signed-in operator, or the agent of a device on its end user's behalf. */
export type Actor = { kind: 'operator'; operator: Operator } | { kind: 'device'; deviceId: string };

/** Everything that can be asked for, one kind per thing the API and the sockets do. */
export type Action =
  /** The actor's own session: who am I, the console socket's hello, sign out, own password and sessions. */
  | { kind: 'session.read' }
  /** List devices (each one then needs `device.read`). */
  | { kind: 'devices.list' }
  | { kind: 'device.read'; deviceId: string }
  /** Create enrollment tokens for new devices, create and change device groups. */
  | { kind: 'devices.manage' }
  /** Rename, remove, revoke or rotate the credential of one device: devices.manage, and Read and Write on it. */
  | { kind: 'device.manage'; deviceId: string }
  /** Put devices in a device group and take them out, delete it: Assign on the group. */
  | { kind: 'device_group.assign'; groupId: string }
  /** See a device group and its devices: Read on it. */
  | { kind: 'device_group.read'; groupId: string }
  /**
   * Create a device group: under a parent needs Assign on the parent; a dynamic one decides its members among all
   * devices, the creator's or not, so it needs operators.manage too.
   */
  | { kind: 'device_group.create'; parentId: string | null; dynamic: boolean }
  /** Move one device into or out of a group: Read and Assign on the device. */
  | { kind: 'device.assign'; deviceId: string }
  /** Instant messaging at all: the operator's open chats, live chat feeds. */
  | { kind: 'chats.use' }
  /** Both `chat.open` and `chat.take_part` need a valid Direct Access license too (refused with `license_required`). */
  | { kind: 'chat.open'; deviceId: string }
  /** Any frame about one chat (subscribe, send, typing, receipts, close, presence, page failures). */
  | { kind: 'chat.take_part'; chat: { operatorId: string; deviceId: string } }
  /** Operators, operator groups, capabilities and access rights. */
  | { kind: 'operators.manage' }
  /** Import the license, see and change the recording settings. */
  | { kind: 'settings.manage' }
  | { kind: 'audit.view' }
  /** The recordings browser at all: recordings.view (everyone's), or instant-messaging (the operator's own). */
  | { kind: 'recordings.browse' }
  /** One recorded chat: Read on its device, and recordings.view, or instant-messaging and the chat is theirs. */
  | { kind: 'recording.read'; chat: { operatorId: string; deviceId: string } }
  /** A note on a recording: recordings.view and Read on its device. */
  | { kind: 'recording.note'; chat: { operatorId: string; deviceId: string } }
  /** Lock, unlock, delete recordings at all. */
  | { kind: 'recordings.manage' }
  /** Lock, unlock or delete one: recordings.manage and Read on its device. */
  | { kind: 'recording.manage'; chat: { operatorId: string; deviceId: string } };

export type ActionKind = Action['kind'];

/** A refusal's `code` (absent: `forbidden`) tells a missing license from missing rights: routes and frames say it. */
export type Decision = { allowed: true } | { allowed: false; message: string; code?: 'license_required' };

/** Whether Direct Access (instant messaging) is licensed at this moment (license/license.ts). */
export interface DirectAccessCheck {
  directAccess(): Promise<Decision>;
}

const ALLOWED: Decision = { allowed: true };

function needs(operator: Operator, capability: Capability, what: string): Decision {
  return hasCapability(operator, capability)
    ? ALLOWED
    : { allowed: false, message: `${what} needs the ${capability} capability` };
}

export function subjectsOf(operator: Operator): Subject[] {
  return [
    { kind: 'operator', id: operator.id },
    ...operator.groups.map((group): Subject => ({ kind: 'operator_group', id: group.id })),
  ];
}

const EVERY_RIGHT: EffectiveRights = {
  read: { effect: 'allow', via: [] },
  write: { effect: 'allow', via: [] },
  assign: { effect: 'allow', via: [] },
};

/** Past this many cached device memberships the cache starts again (a fleet's worth, a few MB). */
const MAX_CACHED_DEVICES = 100_000;
/**
 * The cache is read again this often even when no `access_changed` came: one lost on the bus (a NATS outage)
 * leaves a withdrawn right standing this long at most.
 */
export const ACCESS_CACHE_MS = 30_000;

export class Policy {
  private grants: Promise<AccessGrant[]> | null = null;
  private parentOf: Promise<Map<string, string | null>> | null = null;
  private readonly deviceGroups = new Map<string, Promise<string[]>>();
  private loadedAt = 0;

  constructor(
    private readonly store: Store,
    bus: Bus,
    private readonly license: DirectAccessCheck,
    private readonly now: () => number = Date.now,
  ) {
    // Any node's change to rights, groups or memberships: read them again before the next decision.
    bus.subscribe(subjects.access, () => this.forget());
  }

  forget(): void {
    this.grants = null;
    this.parentOf = null;
    this.deviceGroups.clear();
    this.loadedAt = this.now();
  }

  private fresh(): void {
    if (this.now() - this.loadedAt >= ACCESS_CACHE_MS) this.forget();
  }

  private allGrants(): Promise<AccessGrant[]> {
    this.grants ??= this.store.rights.grants();
    return this.grants;
  }

  private groupParents(): Promise<Map<string, string | null>> {
    this.parentOf ??= this.store.rights
      .listGroups()
      .then((groups) => new Map(groups.map((group) => [group.id, group.parentId])));
    return this.parentOf;
  }

  private async tree(target: Target): Promise<GroupTree> {
    const groupsOfDevice = new Map<string, readonly string[]>();
    if (target.kind === 'device') {
      let groups = this.deviceGroups.get(target.id);
      if (!groups) {
        if (this.deviceGroups.size >= MAX_CACHED_DEVICES) this.deviceGroups.clear();
        groups = this.store.rights.groupsOfDevice(target.id);
        this.deviceGroups.set(target.id, groups);
      }
      groupsOfDevice.set(target.id, await groups);
    }
    return { parentOf: await this.groupParents(), groupsOfDevice };
  }

  /** Every device group the device is in: directly, dynamically, or below a group it is in. */
  async groupsCovering(deviceId: string): Promise<string[]> {
    this.fresh();
    const target: Target = { kind: 'device', id: deviceId };
    return targetsCovering(target, await this.tree(target)).flatMap((t) =>
      t.kind === 'device_group' ? [t.id] : [],
    );
  }

  /** The operator's rights on a device or device group; a super-administrator has every right. */
  async rightsOn(operator: Operator, target: Target): Promise<EffectiveRights> {
    if (operator.superAdmin) return EVERY_RIGHT;
    this.fresh();
    const [grants, tree] = await Promise.all([this.allGrants(), this.tree(target)]);
    return resolveRights(grants, subjectsOf(operator), target, tree);
  }

  private async hasRights(operator: Operator, target: Target, rights: readonly Right[]): Promise<Decision> {
    const effective = await this.rightsOn(operator, target);
    const missing = rights.find((right) => !isAllowed(effective, right));
    if (missing === undefined) return ALLOWED;
    // Denied or never granted, the answer is the same: it says nothing of the grants that exist.
    const what = target.kind === 'device' ? 'this device' : 'this device group';
    return { allowed: false, message: `you do not have ${missing} on ${what}` };
  }

  /** The ids of `deviceIds` the operator may read, deciding on the whole list with one read of the memberships. */
  async readable(operator: Operator, deviceIds: readonly string[]): Promise<Set<string>> {
    if (operator.superAdmin) return new Set(deviceIds);
    this.fresh();
    const [grants, parentOf, groupsOfDevice] = await Promise.all([
      this.allGrants(),
      this.groupParents(),
      this.store.rights.allMemberships(),
    ]);
    const tree: GroupTree = { parentOf, groupsOfDevice };
    const subjects = subjectsOf(operator);
    return new Set(
      deviceIds.filter((id) =>
        isAllowed(resolveRights(grants, subjects, { kind: 'device', id }, tree), 'read'),
      ),
    );
  }

  async authorize(actor: Actor, action: Action): Promise<Decision> {
    if (actor.kind === 'device') {
      // A device speaks only for itself, in chats on itself.
      return action.kind === 'chat.take_part' && action.chat.deviceId === actor.deviceId
        ? this.license.directAccess()
        : { allowed: false, message: 'a device takes part only in chats on itself' };
    }
    const { operator } = actor;
    switch (action.kind) {
      case 'session.read':
      case 'devices.list':
        return ALLOWED;
      case 'device.read':
        return this.hasRights(operator, { kind: 'device', id: action.deviceId }, ['read']);
      case 'devices.manage':
        return needs(operator, 'devices.manage', 'managing devices');
      case 'device.manage': {
        const capability = needs(operator, 'devices.manage', 'managing devices');
        if (!capability.allowed) return capability;
        return this.hasRights(operator, { kind: 'device', id: action.deviceId }, ['read', 'write']);
      }
      case 'device_group.assign': {
        const capability = needs(operator, 'devices.manage', 'managing device groups');
        if (!capability.allowed) return capability;
        return this.hasRights(operator, { kind: 'device_group', id: action.groupId }, ['read', 'assign']);
      }
      case 'device_group.read':
        return this.hasRights(operator, { kind: 'device_group', id: action.groupId }, ['read']);
      case 'device_group.create': {
        const capability = needs(operator, 'devices.manage', 'creating device groups');
        if (!capability.allowed) return capability;
        if (action.dynamic) {
          const rules = needs(operator, 'operators.manage', 'a dynamic group (it picks from every device)');
          if (!rules.allowed) return rules;
        }
        return action.parentId === null
          ? ALLOWED
          : this.hasRights(operator, { kind: 'device_group', id: action.parentId }, ['read', 'assign']);
      }
      case 'device.assign':
        return this.hasRights(operator, { kind: 'device', id: action.deviceId }, ['read', 'assign']);
      case 'chats.use':
        return needs(operator, 'instant-messaging', 'instant messaging');
      case 'chat.open':
      case 'chat.take_part': {
        if (action.kind === 'chat.take_part' && action.chat.operatorId !== operator.id) {
          return { allowed: false, message: 'this is not your chat' };
        }
        const capability = needs(operator, 'instant-messaging', 'instant messaging');
        if (!capability.allowed) return capability;
        const deviceId = action.kind === 'chat.open' ? action.deviceId : action.chat.deviceId;
        const rights = await this.hasRights(operator, { kind: 'device', id: deviceId }, ['read', 'write']);
        // Last: a refusal for the license means everything else was allowed.
        return rights.allowed ? this.license.directAccess() : rights;
      }
      case 'settings.manage':
        return needs(operator, 'settings.manage', 'managing the license and the recording settings');
      case 'operators.manage':
        return needs(operator, 'operators.manage', 'managing operators');
      case 'audit.view':
        return needs(operator, 'audit.view', 'the audit log');
      case 'recordings.browse':
        return hasCapability(operator, 'recordings.view')
          ? ALLOWED
          : needs(operator, 'instant-messaging', 'past conversations');
      case 'recording.read': {
        const own = action.chat.operatorId === operator.id && hasCapability(operator, 'instant-messaging');
        const capability = own ? ALLOWED : needs(operator, 'recordings.view', 'another operator’s recording');
        if (!capability.allowed) return capability;
        return this.hasRights(operator, { kind: 'device', id: action.chat.deviceId }, ['read']);
      }
      case 'recording.note':
      case 'recording.manage': {
        const capability =
          action.kind === 'recording.note'
            ? needs(operator, 'recordings.view', 'a note on a recording')
            : needs(operator, 'recordings.manage', 'locking and deleting recordings');
        if (!capability.allowed) return capability;
        // Only what one may read: nobody locks or deletes a recording they cannot see.
        return this.authorize({ kind: 'operator', operator }, { kind: 'recording.read', chat: action.chat });
      }
      case 'recordings.manage':
        return needs(operator, 'recordings.manage', 'locking and deleting recordings');
    }
  }

  async may(operator: Operator, action: Action): Promise<boolean> {
    return (await this.authorize({ kind: 'operator', operator }, action)).allowed;
  }
}
