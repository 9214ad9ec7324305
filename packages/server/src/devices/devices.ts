import type { DeviceFacts, DeviceSummary, LoggedOnUser } from '@parley/protocol';
import { type Bus, subjects } from '../bus/bus.js';
import { hashSecret, newSecret, uuidv7 } from '../ids.js';
import type { DeviceRecord, Store } from '../store/store.js';

export const ENROLLMENT_TOKEN_HOURS = 24;

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

  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    private readonly nodeId: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.startedAt = now().toISOString();
  }

  async createEnrollmentToken(createdBy: string): Promise<{ token: string; expiresAt: string }> {
    const token = newSecret();
    const at = this.now();
    const expiresAt = new Date(at.getTime() + ENROLLMENT_TOKEN_HOURS * 3600_000).toISOString();
    await this.store.createEnrollmentToken(hashSecret(token), createdBy, at.toISOString(), expiresAt);
    return { token, expiresAt };
  }

  /** Exchanges a one-time enrollment token for a device id and credential; null when the token is not valid. */
  async enroll(
    token: string,
    name: string,
    os: string,
  ): Promise<{ deviceId: string; credential: string } | null> {
    const at = this.now().toISOString();
    if (!(await this.store.consumeEnrollmentToken(hashSecret(token), at))) return null;
    const deviceId = uuidv7();
    const credential = newSecret();
    await this.store.createDevice({ id: deviceId, name, os, credentialHash: hashSecret(credential) }, at);
    const device = await this.store.findDevice(deviceId);
    if (device) this.announce(device);
    return { deviceId, credential };
  }

  async authenticate(deviceId: string, credential: string): Promise<DeviceRecord | null> {
    const device = await this.store.findDevice(deviceId);
    if (!device || device.credentialHash !== hashSecret(credential)) return null;
    return device;
  }

  async list(): Promise<DeviceSummary[]> {
    return (await this.store.listDevices()).map(presentDevice);
  }

  async find(deviceId: string): Promise<DeviceRecord | undefined> {
    return this.store.findDevice(deviceId);
  }

  async connected(deviceId: string, facts: DeviceFacts, users: LoggedOnUser[]): Promise<void> {
    const at = this.now().toISOString();
    await this.store.setDeviceOnline(deviceId, this.nodeId, { ...facts, loggedOnUsers: users }, at);
    await this.announceById(deviceId);
  }

  async usersChanged(deviceId: string, users: LoggedOnUser[]): Promise<void> {
    await this.store.setLoggedOnUsers(deviceId, users, this.now().toISOString());
    await this.announceById(deviceId);
  }

  /** False when the device is held by another node by now (its agent reconnected there): nothing changes. */
  async disconnected(deviceId: string): Promise<boolean> {
    if (!(await this.store.setDeviceOffline(deviceId, this.nodeId, this.now().toISOString()))) return false;
    await this.announceById(deviceId);
    return true;
  }

  /** At start: whatever this node held before it stopped is offline now. */
  async forgetStaleConnections(): Promise<void> {
    for (const id of await this.store.clearNodeDevices(this.nodeId, this.startedAt)) {
      await this.announceById(id);
    }
  }

  /**
   * The presence lease, run every `intervalMs` by each node: it renews the devices it holds, and takes offline those
   * of a node that missed three renewals (it crashed for good, and its agents have not reconnected elsewhere).
   */
  async renewPresence(intervalMs: number): Promise<void> {
    const now = this.now();
    await this.store.touchNodeDevices(this.nodeId, now.toISOString());
    const before = new Date(now.getTime() - 3 * intervalMs).toISOString();
    for (const id of await this.store.expireStaleDevices(before, now.toISOString()))
      await this.announceById(id);
  }

  private async announceById(deviceId: string): Promise<void> {
    const device = await this.store.findDevice(deviceId);
    if (device) this.announce(device);
  }

  private announce(device: DeviceRecord): void {
    this.bus.publish(subjects.devices, { type: 'device_changed', device: presentDevice(device) });
  }
}
