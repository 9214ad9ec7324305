import {
  type AgentCredentialBody,
  CloseCode,
  type CreateEnrollmentTokenBody,
  type CredentialState,
  type DeviceChat,
  type DeviceDetails,
  type DeviceFacts,
  type DevicePage,
  type DeviceQuery,
  type DeviceSummary,
  type EnrollmentTokenCreated,
  type EnrollmentTokenState,
  type EnrollmentTokenView,
  type LoggedOnUser,
} from '@parley/protocol';
import type { Logger } from 'pino';
import { audit, type Doer } from '../audit/audit.js';
import { type Bus, type DeviceChatOf, subjects } from '../bus/bus.js';
import { deviceChatOf } from '../chats/chatStore.js';
import { hashSecret, newSecret, uuidv7 } from '../ids.js';
import type { Operator } from '../operators/operator.js';
import type { CommandResult } from '../result.js';
import type { Policy } from '../rights/policy.js';
import type { Store } from '../store/store.js';
import type { DeviceListFilter, DeviceRecord, EnrollmentTokenRecord } from './deviceStore.js';

/** How long an enrollment token is valid unless its creator says otherwise. */
export const ENROLLMENT_TOKEN_HOURS = 24;

const deviceNotFound = { ok: false, code: 'not_found', message: 'no such device' } as const;

/**
 * At most one `device.updated` about a device's logged-on users per this many ms. Trailing: a change inside the
 * window goes out at its end, with the state of that moment, so the last state always goes out.
 */
export const DEVICE_UPDATE_MS = 1000;

/** What this node knows of a device whose agent it holds. */
interface Held {
  /** The logged-on users last stored, as JSON (order counts: the first one is whom a chat is with). */
  users: string;
  /** When this device's state last went out. */
  announcedAt: number;
  /** A trailing broadcast waiting for the window to end. */
  timer: NodeJS.Timeout | null;
}

/** Rows of the device list a page holds unless `limit` says otherwise. */
const DEVICE_PAGE = 50;

/** `groupId` and the groups below it, at any depth. */
function withSubgroups(
  groups: readonly { id: string; parentId: string | null }[],
  groupId: string,
): string[] {
  const ids = [groupId];
  for (let i = 0; i < ids.length; i++) {
    for (const group of groups) if (group.parentId === ids[i] && !ids.includes(group.id)) ids.push(group.id);
  }
  return ids;
}

/** A chat open on a device as `operatorId`'s console shows it on the device's row (P-35). */
export function presentDeviceChat(chat: DeviceChatOf, operatorId: string): DeviceChat {
  return { chatId: chat.chatId, operator: chat.operatorName, mine: chat.operatorId === operatorId };
}

export function presentDevice(device: DeviceRecord): DeviceSummary {
  return {
    id: device.id,
    name: device.name,
    os: device.os,
    online: device.onlineNode !== null,
    loggedOnUsers: device.loggedOnUsers,
  };
}

function credentialState(device: DeviceRecord): CredentialState {
  if (device.credentialRevoked) return 'revoked';
  return device.pendingCredentialHash ? 'rotating' : 'active';
}

function tokenState(token: EnrollmentTokenRecord, now: Date): EnrollmentTokenState {
  if (token.revokedAt) return 'revoked';
  if (token.uses >= token.maxUses) return 'used_up';
  return token.expiresAt <= now.toISOString() ? 'expired' : 'active';
}

/** Enrollment, device credentials and presence (which node holds each agent, who is logged on). */
export class DeviceService {
  /** Presence recorded by this node before this time is from an earlier run of it. */
  private readonly startedAt: string;
  /** The devices whose agent this node holds. */
  private readonly held = new Map<string, Held>();
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    private readonly nodeId: string,
    private readonly now: () => Date = () => new Date(),
    private readonly options: {
      updateMs?: number;
      log?: Logger;
      /** Runs before a device's change is announced: its dynamic groups follow its facts (rights/rights.ts). */
      beforeAnnounce?: (device: DeviceRecord) => Promise<unknown>;
      /** Runs once a device is removed or its credential revoked: its open chats end (chats/chats.ts). */
      afterCutOff?: (deviceId: string, why: 'device_removed' | 'credential_revoked') => Promise<unknown>;
      /** Runs in the enrollment's transaction: throws when the license has no seat left (license/license.ts). */
      seatAvailable?: (tx: Store) => Promise<void>;
    } = {},
  ) {
    this.startedAt = now().toISOString();
  }

  /**
   * A token agents exchange for a device credential: valid `expiresInHours`, for `maxUses` devices, each joining
   * `deviceGroupId` (a static group the operator may assign) when given. The token itself is shown only now.
   */
  async createEnrollmentToken(
    operator: Operator,
    policy: Policy,
    body: CreateEnrollmentTokenBody,
    doer: Doer,
  ): Promise<CommandResult<EnrollmentTokenCreated>> {
    const groupId = body.deviceGroupId ?? null;
    if (groupId !== null) {
      const group = await this.store.rights.findGroup(groupId);
      if (!group || !(await policy.may(operator, { kind: 'device_group.assign', groupId })))
        return { ok: false, code: 'bad_request', message: 'no such device group you may assign' };
      if (group.rule)
        return { ok: false, code: 'bad_request', message: 'a dynamic group’s devices follow its rule' };
    }
    const token = newSecret();
    const at = this.now();
    const expiresAt = new Date(
      at.getTime() + (body.expiresInHours ?? ENROLLMENT_TOKEN_HOURS) * 3600_000,
    ).toISOString();
    const id = uuidv7();
    const maxUses = body.maxUses ?? 1;
    await this.store.transaction(async (tx) => {
      await tx.devices.createEnrollmentToken({
        id,
        tokenHash: hashSecret(token),
        label: body.label ?? '',
        createdBy: operator.id,
        createdAt: at.toISOString(),
        expiresAt,
        maxUses,
        deviceGroupId: groupId,
      });
      await audit(tx, doer, 'device.enrollment_token', `enrollment_token:${id}`, {
        expiresAt,
        maxUses,
        ...(groupId ? { deviceGroupId: groupId } : {}),
      });
    });
    return { ok: true, value: { id, token, expiresAt } };
  }

  /** Whether the operator may see (and revoke) a token: one into a group they cannot read is not there for them. */
  private async tokenVisible(
    token: EnrollmentTokenRecord,
    operator: Operator,
    policy: Policy,
  ): Promise<boolean> {
    return (
      token.deviceGroupId === null ||
      policy.may(operator, { kind: 'device_group.read', groupId: token.deviceGroupId })
    );
  }

  async listEnrollmentTokens(operator: Operator, policy: Policy): Promise<EnrollmentTokenView[]> {
    const [all, operators, groups] = await Promise.all([
      this.store.devices.listEnrollmentTokens(),
      this.store.operators.list(),
      this.store.rights.listGroups(),
    ]);
    const visible = await Promise.all(all.map((token) => this.tokenVisible(token, operator, policy)));
    const tokens = all.filter((_, i) => visible[i]);
    const usernames = new Map(operators.map((o) => [o.id, o.username]));
    const groupNames = new Map(groups.map((g) => [g.id, g.name]));
    const now = this.now();
    return tokens.map((token) => ({
      id: token.id,
      label: token.label,
      createdBy: usernames.get(token.createdBy) ?? null,
      createdAt: token.createdAt,
      expiresAt: token.expiresAt,
      maxUses: token.maxUses,
      uses: token.uses,
      deviceGroup:
        token.deviceGroupId && groupNames.has(token.deviceGroupId)
          ? { id: token.deviceGroupId, name: groupNames.get(token.deviceGroupId) ?? '' }
          : null,
      state: tokenState(token, now),
    }));
  }

  /** The token stops working at once; devices enrolled with it stay. */
  async revokeEnrollmentToken(
    id: string,
    doer: Doer,
    operator: Operator,
    policy: Policy,
  ): Promise<CommandResult<null>> {
    const token = (await this.store.devices.listEnrollmentTokens()).find((t) => t.id === id);
    const visible = token !== undefined && (await this.tokenVisible(token, operator, policy));
    const revoked =
      visible &&
      (await this.store.transaction(async (tx) => {
        if (!(await tx.devices.revokeEnrollmentToken(id, this.now().toISOString()))) return false;
        await audit(tx, doer, 'device.enrollment_token_revoke', `enrollment_token:${id}`);
        return true;
      }));
    return revoked
      ? { ok: true, value: null }
      : { ok: false, code: 'not_found', message: 'no such enrollment token, or it was revoked already' };
  }

  /** Exchanges an enrollment token for a device id and credential; null when the token is not valid. */
  async enroll(
    token: string,
    name: string,
    os: string,
    address: string | null = null,
  ): Promise<{ deviceId: string; credential: string } | null> {
    const at = this.now().toISOString();
    const deviceId = uuidv7();
    const credential = newSecret();
    // The token's use is counted exactly when the device exists: one transaction.
    const enrolled = await this.store.transaction(async (store) => {
      const used = await store.devices.consumeEnrollmentToken(hashSecret(token), at);
      if (!used) return false;
      await this.options.seatAvailable?.(store);
      await store.devices.create(
        {
          id: deviceId,
          name,
          os,
          credentialHash: hashSecret(credential),
          enrolledBy: used.createdBy,
          address,
        },
        at,
      );
      if (used.deviceGroupId) await store.rights.setMembership(used.deviceGroupId, deviceId, true);
      await audit(store, { name: `device:${deviceId}`, address }, 'device.enroll', `device:${name}`, {
        os,
        enrollmentToken: used.id,
      });
      return true;
    });
    if (!enrolled) return null;
    const device = await this.store.devices.find(deviceId);
    if (device) this.announce(device);
    return { deviceId, credential };
  }

  /**
   * The device whose credential this is: the current one, or the rotated one the agent now proves (which then
   * becomes the only one, P-30). Null for a wrong credential, a revoked one, or a removed device.
   */
  async authenticate(deviceId: string, credential: string): Promise<DeviceRecord | null> {
    const device = await this.store.devices.find(deviceId);
    if (!device || device.credentialRevoked) return null;
    const hash = hashSecret(credential);
    if (device.credentialHash === hash) return device;
    if (device.pendingCredentialHash !== hash) return null;
    if (!(await this.store.devices.promotePendingCredential(deviceId, hash))) return null;
    await this.store.transaction((tx) =>
      audit(
        tx,
        { name: `device:${deviceId}`, address: null },
        'device.credential_rotate',
        `device:${device.name}`,
      ),
    );
    return { ...device, credentialHash: hash, pendingCredentialHash: null };
  }

  /** P-30 step one: the agent, with its current credential, gets a new one to save and then prove. */
  async issueCredential(body: AgentCredentialBody): Promise<{ credential: string } | null> {
    const device = await this.authenticate(body.deviceId, body.credential);
    if (!device) return null;
    const credential = newSecret();
    if (!(await this.store.devices.setPendingCredential(device.id, hashSecret(credential)))) return null;
    return { credential };
  }

  /** P-30 step two: the agent proves the new credential; the old one stops working. */
  async confirmCredential(body: AgentCredentialBody): Promise<boolean> {
    return (await this.authenticate(body.deviceId, body.credential)) !== null;
  }

  /** Asks the device's agent to rotate its credential (P-30); it must be online to hear it. */
  async requestRotation(deviceId: string, doer: Doer): Promise<CommandResult<null>> {
    const device = await this.store.devices.find(deviceId);
    if (!device) return deviceNotFound;
    if (device.credentialRevoked)
      return { ok: false, code: 'conflict', message: 'the credential is revoked: enroll the agent again' };
    if (device.onlineNode === null)
      return { ok: false, code: 'conflict', message: 'the device is offline: it rotates when asked online' };
    await this.store.transaction((tx) =>
      audit(tx, doer, 'device.credential_rotate_request', `device:${device.name}`),
    );
    this.bus.publish(subjects.device(deviceId), {
      type: 'to_agent',
      frame: { type: 'agent.rotate_credential' },
    });
    return { ok: true, value: null };
  }

  /**
   * A change of the device and its audit row, in one transaction. False when there is no such device, or `change`
   * found nothing to change (removed, revoked meanwhile).
   */
  private async changeDevice(
    deviceId: string,
    doer: Doer,
    action: string,
    change: (tx: Store, at: string) => Promise<boolean>,
    details: Record<string, unknown> = {},
  ): Promise<boolean> {
    const device = await this.store.devices.find(deviceId);
    if (!device) return false;
    return this.store.transaction(async (tx) => {
      if (!(await change(tx, this.now().toISOString()))) return false;
      await audit(tx, doer, action, `device:${device.name}`, { deviceId, ...details });
      return true;
    });
  }

  /** An operator's name for the device; the agent's host name no longer changes it. */
  async rename(deviceId: string, name: string, doer: Doer): Promise<CommandResult<DeviceSummary>> {
    const renamed = await this.changeDevice(
      deviceId,
      doer,
      'device.rename',
      (tx, at) => tx.devices.rename(deviceId, name, at),
      { name },
    );
    const device = renamed ? await this.store.devices.find(deviceId) : undefined;
    if (!device) return deviceNotFound;
    this.announce(device);
    return { ok: true, value: presentDevice(device) };
  }

  /**
   * Removes the device (P-29): its credential stops working, its agent is cut off on whichever node holds it, its
   * license seat is free, its open chats end; its recorded history stays.
   */
  async remove(deviceId: string, doer: Doer): Promise<CommandResult<null>> {
    const removed = await this.changeDevice(deviceId, doer, 'device.remove', (tx, at) =>
      tx.devices.remove(deviceId, at),
    );
    if (!removed) return deviceNotFound;
    this.cutOff(deviceId, 'device removed');
    if (!this.stopped) this.bus.publish(subjects.devices, { type: 'device_removed', deviceId });
    await this.options.afterCutOff?.(deviceId, 'device_removed');
    return { ok: true, value: null };
  }

  /** The device's credential stops working and its agent is cut off; the device stays, to be removed or kept. */
  async revokeCredential(deviceId: string, doer: Doer): Promise<CommandResult<null>> {
    if (!(await this.store.devices.find(deviceId))) return deviceNotFound;
    const revoked = await this.changeDevice(deviceId, doer, 'device.credential_revoke', (tx, at) =>
      tx.devices.revokeCredential(deviceId, at),
    );
    if (!revoked) return { ok: false, code: 'conflict', message: 'the credential is revoked already' };
    this.cutOff(deviceId, 'device credential revoked');
    await this.announceById(deviceId);
    await this.options.afterCutOff?.(deviceId, 'credential_revoked');
    return { ok: true, value: null };
  }

  /** The device page: its facts, enrollment, groups and credential. */
  async details(deviceId: string): Promise<DeviceDetails | null> {
    const device = await this.store.devices.find(deviceId);
    if (!device) return null;
    const [groupIds, groups, enrolledBy] = await Promise.all([
      this.store.rights.groupsOfDevice(deviceId),
      this.store.rights.listGroups(),
      device.enrolledBy ? this.store.operators.findById(device.enrolledBy) : undefined,
    ]);
    const member = new Set(groupIds);
    return {
      ...presentDevice(device),
      hostName: device.hostName,
      agentVersion: device.agentVersion,
      lastSeenAt: device.lastSeenAt,
      address: device.address,
      enrolledAt: device.enrolledAt,
      enrolledBy: enrolledBy?.username ?? null,
      groups: groups.filter((g) => member.has(g.id)).map((g) => ({ id: g.id, name: g.name })),
      credential: credentialState(device),
    };
  }

  /** Cuts the device's agent off on whichever node holds it (P-29). */
  private cutOff(deviceId: string, reason: string): void {
    this.forget(deviceId);
    if (this.stopped) return;
    this.bus.publish(subjects.device(deviceId), { type: 'cut_off', code: CloseCode.deviceRemoved, reason });
  }

  async list(): Promise<DeviceSummary[]> {
    return (await this.store.devices.list()).map(presentDevice);
  }

  /**
   * A page of the devices `operator` may read that `query` matches, filtered, sorted and paged in the database, with
   * the chats open on each (issue 11).
   */
  async page(operator: Operator, policy: Policy, query: DeviceQuery): Promise<DevicePage> {
    const readable = operator.superAdmin
      ? 'all'
      : [...(await policy.readable(operator, await this.store.devices.ids()))];
    const filter: DeviceListFilter = {
      readable,
      words: query.q?.match(/\S+/g) ?? [],
      sort: query.sort ?? 'status',
    };
    if (query.online !== undefined) filter.online = query.online === 'true';
    if (query.loggedOn !== undefined) filter.loggedOn = query.loggedOn === 'true';
    if (query.hasChat !== undefined) filter.hasChat = query.hasChat === 'true';
    if (query.os !== undefined) filter.os = query.os;
    if (query.group !== undefined)
      filter.groupIds = withSubgroups(await this.store.rights.listGroups(), query.group);
    const limit = query.limit ?? DEVICE_PAGE;
    const offset = Number(query.cursor ?? 0) || 0;
    const [page, oses] = await Promise.all([
      this.store.devices.page(filter, limit, offset),
      this.store.devices.oses(readable),
    ]);
    const chats = await this.store.chats.listOpenOn(page.devices.map((device) => device.id));
    return {
      devices: page.devices.map((device) => ({
        ...presentDevice(device),
        lastSeenAt: device.lastSeenAt,
        agentVersion: device.agentVersion,
        chats: chats
          .filter((chat) => chat.deviceId === device.id)
          .map((chat) => presentDeviceChat(deviceChatOf(chat), operator.id)),
      })),
      nextCursor: offset + limit < page.total ? String(offset + limit) : null,
      total: page.total,
      online: page.online,
      oses,
    };
  }

  /**
   * The devices of `deviceIds` (a console's shown rows, at most MAX_WATCHED_DEVICES) that `operator` may read, as they
   * are now (P-37): one read of those rows, whatever the size of the fleet. Unknown and unreadable ids are left out
   * alike.
   */
  async shown(operator: Operator, policy: Policy, deviceIds: readonly string[]): Promise<DeviceSummary[]> {
    const readable = [...(await policy.readable(operator, deviceIds))];
    if (readable.length === 0) return [];
    const found = await this.store.devices.page({ readable, words: [], sort: 'name' }, readable.length, 0);
    return found.devices.map(presentDevice);
  }

  /** The devices `operator` may read: the others do not exist for them. */
  async listFor(operator: Operator, policy: Policy): Promise<DeviceSummary[]> {
    const devices = await this.list();
    const readable = await policy.readable(
      operator,
      devices.map((device) => device.id),
    );
    return devices.filter((device) => readable.has(device.id));
  }

  async find(deviceId: string): Promise<DeviceRecord | undefined> {
    return this.store.devices.find(deviceId);
  }

  async connected(
    deviceId: string,
    facts: DeviceFacts,
    users: LoggedOnUser[],
    address: string | null,
  ): Promise<boolean> {
    const at = this.now();
    const online = await this.store.devices.setOnline(
      deviceId,
      this.nodeId,
      { ...facts, loggedOnUsers: users },
      address,
      at.toISOString(),
    );
    if (!online) return false;
    // A new connection of a device held here already: its state is announced now, nothing is left pending.
    this.forget(deviceId);
    const held: Held = { users: JSON.stringify(users), announcedAt: at.getTime(), timer: null };
    this.held.set(deviceId, held);
    await this.announceHeld(deviceId, held);
    return true;
  }

  /**
   * The agent reports who is logged on. Only a change is stored and announced, and announcements of a device are
   * coalesced to one per window (a flood of reports costs consoles one frame a second, the last one included).
   */
  async usersChanged(deviceId: string, users: LoggedOnUser[]): Promise<void> {
    const json = JSON.stringify(users);
    const held = this.held.get(deviceId);
    if (held?.users === json) return;
    await this.store.devices.setLoggedOnUsers(deviceId, users, this.now().toISOString());
    if (!held) {
      // Not held here (any more): a report that raced the disconnect.
      await this.announceById(deviceId);
      return;
    }
    held.users = json;
    // A broadcast already waiting reads the state when it goes: it carries this change too.
    if (held.timer) return;
    const wait = held.announcedAt + (this.options.updateMs ?? DEVICE_UPDATE_MS) - this.now().getTime();
    if (wait <= 0) {
      held.announcedAt = this.now().getTime();
      await this.announceHeld(deviceId, held);
      return;
    }
    held.timer = setTimeout(() => {
      held.timer = null;
      held.announcedAt = this.now().getTime();
      this.announceHeld(deviceId, held).catch((error: unknown) =>
        this.options.log?.warn({ err: error, deviceId }, 'device update not announced'),
      );
    }, wait);
    held.timer.unref();
  }

  /** False when the device is held by another node by now (its agent reconnected there): nothing changes. */
  async disconnected(deviceId: string): Promise<boolean> {
    // What was pending goes out with the offline state below (it reads the stored users), or not at all.
    this.forget(deviceId);
    if (!(await this.store.devices.setOffline(deviceId, this.nodeId, this.now().toISOString()))) return false;
    await this.announceById(deviceId);
    return true;
  }

  /** At shutdown: no broadcast is left waiting. */
  stop(): void {
    this.stopped = true;
    for (const deviceId of [...this.held.keys()]) this.forget(deviceId);
  }

  /** At start: whatever this node held before it stopped is offline now. */
  async forgetStaleConnections(): Promise<void> {
    for (const id of await this.store.devices.clearNode(this.nodeId, this.startedAt)) {
      await this.announceById(id);
    }
  }

  /**
   * The presence lease, run every `intervalMs` by each node: it renews the devices it holds, and takes offline those
   * of a node that missed three renewals (it crashed for good, and its agents have not reconnected elsewhere).
   */
  async renewPresence(intervalMs: number): Promise<void> {
    const now = this.now();
    await this.store.devices.touchNode(this.nodeId, now.toISOString());
    const before = new Date(now.getTime() - 3 * intervalMs).toISOString();
    for (const id of await this.store.devices.expireStale(before, now.toISOString()))
      await this.announceById(id);
  }

  private forget(deviceId: string): void {
    const held = this.held.get(deviceId);
    if (held?.timer) clearTimeout(held.timer);
    this.held.delete(deviceId);
  }

  /**
   * Announces a held device's stored state, unless it stopped being held the same way meanwhile (disconnected, or
   * connected anew): then the announcement that did that is the newer one, and this one would undo it.
   */
  private async announceHeld(deviceId: string, held: Held): Promise<void> {
    const device = await this.store.devices.find(deviceId);
    if (device && this.held.get(deviceId) === held) this.announce(device);
  }

  private async announceById(deviceId: string): Promise<void> {
    const device = await this.store.devices.find(deviceId);
    if (device) this.announce(device);
  }

  private announce(device: DeviceRecord): void {
    const publish = () => {
      // A change that finished after shutdown began goes nowhere: the bus may be closed.
      if (!this.stopped)
        this.bus.publish(subjects.devices, { type: 'device_changed', device: presentDevice(device) });
    };
    const before = this.options.beforeAnnounce;
    if (!before) {
      publish();
      return;
    }
    before(device)
      .catch((error: unknown) =>
        this.options.log?.warn({ err: error, deviceId: device.id }, 'dynamic groups not updated'),
      )
      .then(publish)
      .catch((error: unknown) =>
        this.options.log?.warn({ err: error, deviceId: device.id }, 'device change not announced'),
      );
  }
}
