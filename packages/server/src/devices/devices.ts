import type { DeviceFacts, DeviceSummary, LoggedOnUser } from '@parley/protocol';
import type { Logger } from 'pino';
import { audit, type Doer } from '../audit/audit.js';
import { type Bus, subjects } from '../bus/bus.js';
import { hashSecret, newSecret, uuidv7 } from '../ids.js';
import type { Operator } from '../operators/operator.js';
import type { Policy } from '../rights/policy.js';
import type { Store } from '../store/store.js';
import type { DeviceRecord } from './deviceStore.js';

export const ENROLLMENT_TOKEN_HOURS = 24;

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

export function presentDevice(device: DeviceRecord): DeviceSummary {
  return {
    id: device.id,
    name: device.name,
    os: device.os,
    online: device.onlineNode !== null,
    loggedOnUsers: device.loggedOnUsers,
  };
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
    } = {},
  ) {
    this.startedAt = now().toISOString();
  }

  async createEnrollmentToken(createdBy: string, doer: Doer): Promise<{ token: string; expiresAt: string }> {
    const token = newSecret();
    const at = this.now();
    const expiresAt = new Date(at.getTime() + ENROLLMENT_TOKEN_HOURS * 3600_000).toISOString();
    await this.store.transaction(async (tx) => {
      await tx.devices.createEnrollmentToken(hashSecret(token), createdBy, at.toISOString(), expiresAt);
      await audit(tx, doer, 'device.enrollment_token', null, { expiresAt });
    });
    return { token, expiresAt };
  }

  /** Exchanges a one-time enrollment token for a device id and credential; null when the token is not valid. */
  async enroll(
    token: string,
    name: string,
    os: string,
    address: string | null = null,
  ): Promise<{ deviceId: string; credential: string } | null> {
    const at = this.now().toISOString();
    const deviceId = uuidv7();
    const credential = newSecret();
    // The token is used up exactly when the device exists: one transaction.
    const enrolled = await this.store.transaction(async (store) => {
      if (!(await store.devices.consumeEnrollmentToken(hashSecret(token), at))) return false;
      await store.devices.create({ id: deviceId, name, os, credentialHash: hashSecret(credential) }, at);
      await audit(store, { name: `device:${deviceId}`, address }, 'device.enroll', `device:${name}`, { os });
      return true;
    });
    if (!enrolled) return null;
    const device = await this.store.devices.find(deviceId);
    if (device) this.announce(device);
    return { deviceId, credential };
  }

  async authenticate(deviceId: string, credential: string): Promise<DeviceRecord | null> {
    const device = await this.store.devices.find(deviceId);
    if (!device || device.credentialHash !== hashSecret(credential)) return null;
    return device;
  }

  async list(): Promise<DeviceSummary[]> {
    return (await this.store.devices.list()).map(presentDevice);
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

  async connected(deviceId: string, facts: DeviceFacts, users: LoggedOnUser[]): Promise<void> {
    const at = this.now();
    await this.store.devices.setOnline(
      deviceId,
      this.nodeId,
      { ...facts, loggedOnUsers: users },
      at.toISOString(),
    );
    // A new connection of a device held here already: its state is announced now, nothing is left pending.
    this.forget(deviceId);
    const held: Held = { users: JSON.stringify(users), announcedAt: at.getTime(), timer: null };
    this.held.set(deviceId, held);
    await this.announceHeld(deviceId, held);
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
