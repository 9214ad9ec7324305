import type {
  AccessRightBody,
  AccessRightView,
  DeviceGroupDetails,
  DynamicRuleBody,
  EffectiveRightsView,
} from '@parley/protocol';
import { audit, type Doer } from '../audit/audit.js';
import { type Bus, subjects } from '../bus/bus.js';
import type { DeviceRecord } from '../devices/deviceStore.js';
import { uuidv7 } from '../ids.js';
import type { Operator } from '../operators/operator.js';
import type { CommandResult } from '../result.js';
import type { Store } from '../store/store.js';
import { type DynamicRule, matchesRule, type Source, type Subject, type Target } from './accessRights.js';
import type { Policy } from './policy.js';

const groupNotFound = { ok: false, code: 'not_found', message: 'no such device group' } as const;

function ruleOf(body: DynamicRuleBody | undefined): DynamicRule | null {
  if (!body) return null;
  const rule: DynamicRule = {};
  if (body.namePattern !== undefined) rule.namePattern = body.namePattern;
  if (body.os !== undefined) rule.os = body.os;
  if (body.onlineNode !== undefined) rule.onlineNode = body.onlineNode;
  return rule;
}

/**
 * Device groups (static and dynamic, nested) and access rights (issue 8): each change with its audit row in one
 * transaction, then `access_changed` on the bus so every node's policy reads them again and live chats that lost
 * their right end.
 */
export class RightsService {
  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    private readonly policy: Policy,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private changed(): void {
    this.policy.forget();
    this.bus.publish(subjects.access, { type: 'access_changed', operatorIds: 'all' });
  }

  async listGroups(): Promise<DeviceGroupDetails[]> {
    return this.store.rights.listGroups();
  }

  async createGroup(
    input: { name: string; parentId?: string; rule?: DynamicRuleBody },
    doer: Doer,
    operator: Operator,
  ): Promise<CommandResult<{ id: string }>> {
    const parentId = input.parentId ?? null;
    const visible =
      parentId === null ||
      (await this.policy.may(operator, { kind: 'device_group.read', groupId: parentId }));
    if (parentId !== null && (!visible || !(await this.store.rights.findGroup(parentId)))) {
      return { ok: false, code: 'bad_request', message: 'no such parent group' };
    }
    const decision = await this.policy.authorize(
      { kind: 'operator', operator },
      { kind: 'device_group.create', parentId, dynamic: input.rule !== undefined },
    );
    if (!decision.allowed) return { ok: false, code: 'forbidden', message: decision.message };
    const group = {
      id: uuidv7(),
      name: input.name,
      parentId: input.parentId ?? null,
      rule: ruleOf(input.rule),
    };
    const created = await this.store.transaction(async (tx) => {
      if (!(await tx.rights.createGroup(group, this.now().toISOString()))) return false;
      if (group.rule) {
        const rule = group.rule;
        const members = (await tx.devices.list()).filter((device) => matchesRule(rule, factsOf(device)));
        await tx.rights.setGroupDevices(
          group.id,
          members.map((device) => device.id),
        );
      }
      await audit(tx, doer, 'device_group.create', `device_group:${group.name}`, {
        parentId: group.parentId,
        rule: group.rule,
      });
      return true;
    });
    if (!created)
      return { ok: false, code: 'conflict', message: `a device group named ${input.name} exists` };
    this.changed();
    return { ok: true, value: { id: group.id } };
  }

  /** Sets a static group's devices by hand (a dynamic group's follow its rule). */
  async readableDevicesIn(groupId: string, operator: Operator): Promise<string[]> {
    const ids = await this.store.rights.devicesInGroup(groupId);
    const readable = await this.policy.readable(operator, ids);
    return ids.filter((id) => readable.has(id));
  }

  /**
   * Sets a static group's devices (those the operator can read: the others stay). Each device moved in or out needs
   * Read and Assign on it: unknown and unreadable ids get the same answer, so nobody learns which ids exist.
   */
  async setGroupDevices(
    id: string,
    deviceIds: readonly string[],
    doer: Doer,
    operator: Operator,
  ): Promise<CommandResult<null>> {
    const group = await this.store.rights.findGroup(id);
    if (!group) return groupNotFound;
    if (group.rule)
      return { ok: false, code: 'conflict', message: 'a dynamic group’s devices follow its rule' };
    const current = new Set(await this.store.rights.devicesInGroup(id));
    // Members the operator cannot read do not exist for them: they stay as they are.
    const readable = await this.policy.readable(operator, [...current]);
    const requested = new Set([...deviceIds, ...[...current].filter((d) => !readable.has(d))]);
    const moved = [...requested]
      .filter((d) => !current.has(d))
      .concat([...current].filter((d) => !requested.has(d)));
    const known = new Set((await this.store.devices.list()).map((device) => device.id));
    const refused: string[] = [];
    for (const deviceId of moved) {
      const allowed =
        known.has(deviceId) && (await this.policy.may(operator, { kind: 'device.assign', deviceId }));
      if (!allowed) refused.push(deviceId);
    }
    if (refused.length > 0) {
      return {
        ok: false,
        code: 'bad_request',
        message: `no such device you may assign: ${refused.slice(0, 5).join(', ')}`,
      };
    }
    await this.store.transaction(async (tx) => {
      await tx.rights.setGroupDevices(id, [...requested]);
      await audit(tx, doer, 'device_group.devices', `device_group:${group.name}`, {
        count: requested.size,
      });
    });
    this.changed();
    return { ok: true, value: null };
  }

  /** Deleting a group drops the rights granted on it: when there are any, that is managing rights. */
  async deleteGroup(id: string, doer: Doer, operator: Operator): Promise<CommandResult<null>> {
    const group = await this.store.rights.findGroup(id);
    if (!group) return groupNotFound;
    const granted = (await this.store.rights.grants()).some(
      (grant) => grant.target.kind === 'device_group' && grant.target.id === id,
    );
    if (granted && !(await this.policy.may(operator, { kind: 'operators.manage' }))) {
      return {
        ok: false,
        code: 'forbidden',
        message: 'rights are granted on this group: deleting it needs the operators.manage capability',
      };
    }
    await this.store.transaction(async (tx) => {
      await tx.rights.deleteGroup(id);
      await tx.rights.deleteGrantsOn({ kind: 'device_group', id });
      await audit(tx, doer, 'device_group.delete', `device_group:${group.name}`);
    });
    this.changed();
    return { ok: true, value: null };
  }

  /**
   * A device's facts changed (enrolled, renamed, came online on a node, went offline): its dynamic groups follow.
   * Answers whether any membership changed (then every node reads the rights again).
   */
  async deviceChanged(device: DeviceRecord): Promise<boolean> {
    const dynamic = (await this.store.rights.listGroups()).filter((group) => group.rule !== null);
    let changed = false;
    for (const group of dynamic) {
      if (!group.rule) continue;
      changed =
        (await this.store.rights.setMembership(
          group.id,
          device.id,
          matchesRule(group.rule, factsOf(device)),
        )) || changed;
    }
    if (changed) this.changed();
    return changed;
  }

  async setAccessRight(body: AccessRightBody, doer: Doer): Promise<CommandResult<null>> {
    const subject: Subject = body.operatorId
      ? { kind: 'operator', id: body.operatorId }
      : { kind: 'operator_group', id: body.operatorGroupId ?? '' };
    const target: Target = body.deviceId
      ? { kind: 'device', id: body.deviceId }
      : { kind: 'device_group', id: body.deviceGroupId ?? '' };
    const names = await this.names();
    const subjectName = names.get(`${subject.kind}:${subject.id}`);
    const targetName = names.get(`${target.kind}:${target.id}`);
    if (subjectName === undefined)
      return { ok: false, code: 'bad_request', message: `no such ${subject.kind.replace('_', ' ')}` };
    if (targetName === undefined)
      return { ok: false, code: 'bad_request', message: `no such ${target.kind.replace('_', ' ')}` };
    if (subject.kind === 'operator' && (await this.store.operators.findById(subject.id))?.superAdmin) {
      return { ok: false, code: 'conflict', message: 'admin is the super-administrator: it has every right' };
    }
    const changes = {
      ...(body.read === undefined ? {} : { read: body.read }),
      ...(body.write === undefined ? {} : { write: body.write }),
      ...(body.assign === undefined ? {} : { assign: body.assign }),
    };
    await this.store.transaction(async (tx) => {
      await tx.rights.setGrant(subject, target, changes);
      await audit(tx, doer, 'access_right.set', `${target.kind}:${targetName}`, {
        subject: `${subject.kind}:${subjectName}`,
        ...changes,
      });
    });
    this.changed();
    return { ok: true, value: null };
  }

  async listAccessRights(): Promise<AccessRightView[]> {
    const [grants, names] = await Promise.all([this.store.rights.grants(), this.names()]);
    return grants.map((grant) => ({
      ...this.named({ subject: grant.subject, target: grant.target }, names),
      read: grant.rights.read ?? null,
      write: grant.rights.write ?? null,
      assign: grant.rights.assign ?? null,
    }));
  }

  /** What `operator` may do on the device, each right with the grants that decided it. */
  async effectiveRights(operator: Operator, deviceId: string): Promise<EffectiveRightsView> {
    const [rights, names] = await Promise.all([
      this.policy.rightsOn(operator, { kind: 'device', id: deviceId }),
      this.names(),
    ]);
    const present = (right: 'read' | 'write' | 'assign') => ({
      effect: rights[right].effect,
      via: rights[right].via.map((source) => this.named(source, names)),
    });
    return {
      operatorId: operator.id,
      deviceId,
      superAdministrator: operator.superAdmin,
      read: present('read'),
      write: present('write'),
      assign: present('assign'),
    };
  }

  private async names(): Promise<Map<string, string>> {
    const [operators, operatorGroups, devices, deviceGroups] = await Promise.all([
      this.store.operators.list(),
      this.store.operators.listGroups(),
      this.store.devices.list(),
      this.store.rights.listGroups(),
    ]);
    return new Map([
      ...operators.map((o): [string, string] => [`operator:${o.id}`, o.username]),
      ...operatorGroups.map((g): [string, string] => [`operator_group:${g.id}`, g.name]),
      ...devices.map((d): [string, string] => [`device:${d.id}`, d.name]),
      ...deviceGroups.map((g): [string, string] => [`device_group:${g.id}`, g.name]),
    ]);
  }

  private named(source: Source, names: Map<string, string>) {
    const name = (kind: string, id: string) => names.get(`${kind}:${id}`) ?? id;
    return {
      subject: { ...source.subject, name: name(source.subject.kind, source.subject.id) },
      target: { ...source.target, name: name(source.target.kind, source.target.id) },
    };
  }
}

function factsOf(device: DeviceRecord) {
  return { name: device.name, os: device.os, onlineNode: device.onlineNode };
}
