import type { OperatorDetails, OperatorGroupDetails } from '@parley/protocol';
import { audit, type Doer } from '../audit/audit.js';
import { hashPassword, verifyPassword } from '../auth/passwords.js';
import type { Bus } from '../bus/bus.js';
import { subjects } from '../bus/bus.js';
import { uuidv7 } from '../ids.js';
import type { CommandResult } from '../result.js';
import { CAPABILITIES, type Capability } from '../rights/capabilities.js';
import type { Store } from '../store/store.js';
import { capabilitySources, type Operator, withGroups } from './operator.js';
import type { OperatorRecord } from './operatorStore.js';

const notFound = { ok: false, code: 'not_found', message: 'no such operator' } as const;
const groupNotFound = { ok: false, code: 'not_found', message: 'no such operator group' } as const;
const onlySuperAdmin = {
  ok: false,
  code: 'forbidden',
  message: 'only admin itself (or `parley operator passwd` on the server) may change admin',
} as const;
const superAdminFixed = {
  ok: false,
  code: 'forbidden',
  message: 'admin is the super-administrator: it cannot be disabled, deleted, or given or denied anything',
} as const;

/**
 * Operators and operator groups (issue 8): each change and its audit row in one transaction, then an
 * `access_changed` on the bus so every node reads the operators' rights again (and ends what they lost).
 */
export class OperatorService {
  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private changed(operatorIds: readonly string[] | 'all'): void {
    this.bus.publish(subjects.access, { type: 'access_changed', operatorIds });
  }

  async present(record: OperatorRecord): Promise<OperatorDetails> {
    const operator = await withGroups(this.store, record);
    return presentDetails(operator);
  }

  async list(): Promise<OperatorDetails[]> {
    const [records, groups] = await Promise.all([
      this.store.operators.list(),
      this.store.operators.listGroups(),
    ]);
    return records.map((record) =>
      presentDetails({
        ...record,
        groups: groups.filter((group) => group.memberIds.includes(record.id)),
      }),
    );
  }

  async find(id: string): Promise<CommandResult<OperatorDetails>> {
    const record = await this.store.operators.findById(id);
    return record ? { ok: true, value: await this.present(record) } : notFound;
  }

  async create(
    input: { username: string; password: string; displayName?: string; capabilities?: readonly Capability[] },
    doer: Doer,
  ): Promise<CommandResult<OperatorRecord>> {
    const record: OperatorRecord = {
      id: uuidv7(),
      username: input.username,
      displayName: input.displayName ?? input.username,
      passwordHash: await hashPassword(input.password),
      capabilities: [...(input.capabilities ?? [])],
      disabled: false,
      superAdmin: false,
    };
    const created = await this.store.transaction(async (tx) => {
      if (!(await tx.operators.create(record, this.now().toISOString()))) return false;
      await audit(tx, doer, 'operator.create', `operator:${record.username}`, {
        capabilities: record.capabilities,
      });
      return true;
    });
    return created
      ? { ok: true, value: record }
      : { ok: false, code: 'conflict', message: `the username ${input.username} is taken` };
  }

  /** Display name and disabled; disabling ends the operator's sessions and sockets at once. */
  async update(
    id: string,
    changes: { displayName?: string; disabled?: boolean },
    doer: Doer,
  ): Promise<CommandResult<null>> {
    const record = await this.store.operators.findById(id);
    if (!record) return notFound;
    if (record.superAdmin && changes.disabled === true) return superAdminFixed;
    if (record.superAdmin && !doer.superAdmin) return onlySuperAdmin;
    await this.store.transaction(async (tx) => {
      await tx.operators.update(id, {
        ...(changes.displayName === undefined ? {} : { displayName: changes.displayName }),
        ...(changes.disabled === undefined
          ? {}
          : { disabledAt: changes.disabled ? this.now().toISOString() : null }),
      });
      if (changes.disabled === true) await tx.sessions.deleteOf(id);
      const action =
        changes.disabled === true
          ? 'operator.disable'
          : changes.disabled === false
            ? 'operator.enable'
            : 'operator.update';
      await audit(tx, doer, action, `operator:${record.username}`, { ...changes });
    });
    this.changed([id]);
    return { ok: true, value: null };
  }

  async setCapabilities(
    id: string,
    capabilities: readonly Capability[],
    doer: Doer,
  ): Promise<CommandResult<null>> {
    const record = await this.store.operators.findById(id);
    if (!record) return notFound;
    if (record.superAdmin) return superAdminFixed;
    const unique = [...new Set(capabilities)];
    await this.store.transaction(async (tx) => {
      await tx.operators.update(id, { capabilities: unique });
      await audit(tx, doer, 'operator.capabilities', `operator:${record.username}`, {
        before: record.capabilities,
        after: unique,
      });
    });
    this.changed([id]);
    return { ok: true, value: null };
  }

  /** An administrator's reset: the operator's sessions end. */
  async resetPassword(id: string, password: string, doer: Doer): Promise<CommandResult<null>> {
    const record = await this.store.operators.findById(id);
    if (!record) return notFound;
    // Else anyone with operators.manage could take admin over by setting its password.
    if (record.superAdmin && !doer.superAdmin) return onlySuperAdmin;
    const passwordHash = await hashPassword(password);
    await this.store.transaction(async (tx) => {
      await tx.operators.update(id, { passwordHash });
      await tx.sessions.deleteOf(id);
      await audit(tx, doer, 'operator.password_reset', `operator:${record.username}`);
    });
    this.changed([id]);
    return { ok: true, value: null };
  }

  /** An operator's change of their own password; their other sessions end, `keepSession` stays. */
  /** The operator's own display name: what the people they chat with see, from their next chat on. */
  async changeOwnDisplayName(
    operator: Operator,
    displayName: string,
    doer: Doer,
  ): Promise<CommandResult<null>> {
    const record = await this.store.operators.findById(operator.id);
    if (!record) return notFound;
    await this.store.transaction(async (tx) => {
      await tx.operators.update(operator.id, { displayName });
      await audit(tx, doer, 'operator.update', `operator:${record.username}`, { displayName });
    });
    this.changed([operator.id]);
    return { ok: true, value: null };
  }

  async changeOwnPassword(
    operator: Operator,
    currentPassword: string,
    newPassword: string,
    keepSession: string,
    doer: Doer,
  ): Promise<CommandResult<null>> {
    const record = await this.store.operators.findById(operator.id);
    if (!record) return notFound;
    if (!(await verifyPassword(record.passwordHash, currentPassword))) {
      return { ok: false, code: 'bad_request', message: 'the current password is not right' };
    }
    const passwordHash = await hashPassword(newPassword);
    await this.store.transaction(async (tx) => {
      await tx.operators.update(operator.id, { passwordHash });
      await tx.sessions.deleteOf(operator.id, keepSession);
      await audit(tx, doer, 'operator.password_change', `operator:${record.username}`);
    });
    this.changed([operator.id]);
    return { ok: true, value: null };
  }

  async delete(id: string, doer: Doer & { operatorId?: string }): Promise<CommandResult<null>> {
    const record = await this.store.operators.findById(id);
    if (!record) return notFound;
    if (record.superAdmin) return superAdminFixed;
    if (doer.operatorId === id)
      return { ok: false, code: 'forbidden', message: 'you cannot delete yourself' };
    await this.store.transaction(async (tx) => {
      await tx.operators.delete(id);
      await tx.rights.deleteGrantsOf({ kind: 'operator', id });
      await audit(tx, doer, 'operator.delete', `operator:${record.username}`);
    });
    this.changed([id]);
    return { ok: true, value: null };
  }

  async listGroups(): Promise<OperatorGroupDetails[]> {
    return (await this.store.operators.listGroups()).map(presentGroup);
  }

  async createGroup(name: string, doer: Doer): Promise<CommandResult<{ id: string }>> {
    const id = uuidv7();
    const created = await this.store.transaction(async (tx) => {
      if (!(await tx.operators.createGroup({ id, name, capabilities: [] }, this.now().toISOString())))
        return false;
      await audit(tx, doer, 'operator_group.create', `operator_group:${name}`);
      return true;
    });
    return created
      ? { ok: true, value: { id } }
      : { ok: false, code: 'conflict', message: `an operator group named ${name} exists` };
  }

  async setGroupCapabilities(
    id: string,
    capabilities: readonly Capability[],
    doer: Doer,
  ): Promise<CommandResult<null>> {
    const group = await this.store.operators.findGroup(id);
    if (!group) return groupNotFound;
    const unique = [...new Set(capabilities)];
    await this.store.transaction(async (tx) => {
      await tx.operators.updateGroup(id, { capabilities: unique });
      await audit(tx, doer, 'operator_group.capabilities', `operator_group:${group.name}`, {
        before: group.capabilities,
        after: unique,
      });
    });
    this.changed(group.memberIds);
    return { ok: true, value: null };
  }

  async setGroupMembers(
    id: string,
    operatorIds: readonly string[],
    doer: Doer,
  ): Promise<CommandResult<null>> {
    const group = await this.store.operators.findGroup(id);
    if (!group) return groupNotFound;
    const known = new Set((await this.store.operators.list()).map((operator) => operator.id));
    const unknown = operatorIds.filter((operatorId) => !known.has(operatorId));
    if (unknown.length > 0)
      return { ok: false, code: 'bad_request', message: `no such operator: ${unknown.join(', ')}` };
    await this.store.transaction(async (tx) => {
      await tx.operators.setGroupMembers(id, operatorIds);
      await audit(tx, doer, 'operator_group.members', `operator_group:${group.name}`, {
        before: group.memberIds,
        after: [...new Set(operatorIds)],
      });
    });
    this.changed([...new Set([...group.memberIds, ...operatorIds])]);
    return { ok: true, value: null };
  }

  async deleteGroup(id: string, doer: Doer): Promise<CommandResult<null>> {
    const group = await this.store.operators.findGroup(id);
    if (!group) return groupNotFound;
    await this.store.transaction(async (tx) => {
      await tx.operators.deleteGroup(id);
      await tx.rights.deleteGrantsOf({ kind: 'operator_group', id });
      await audit(tx, doer, 'operator_group.delete', `operator_group:${group.name}`);
    });
    this.changed(group.memberIds);
    return { ok: true, value: null };
  }
}

function isCapability(name: string): name is Capability {
  return (CAPABILITIES as readonly string[]).includes(name);
}

export function presentDetails(operator: Operator): OperatorDetails {
  return {
    id: operator.id,
    username: operator.username,
    displayName: operator.displayName,
    capabilities: operator.capabilities.filter(isCapability),
    effectiveCapabilities: capabilitySources(operator),
    groups: operator.groups.map(({ id, name }) => ({ id, name })),
    disabled: operator.disabled,
    superAdministrator: operator.superAdmin,
  };
}

function presentGroup(group: { id: string; name: string; capabilities: string[]; memberIds: string[] }) {
  return { ...group, capabilities: group.capabilities.filter(isCapability) };
}
