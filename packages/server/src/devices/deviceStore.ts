import type { LoggedOnUser } from '@parley/protocol';
import type { Db } from '../store/db.js';
import type { DevicesTable } from '../store/schema.js';

export interface DeviceRecord {
  id: string;
  name: string;
  os: string;
  credentialHash: string;
  onlineNode: string | null;
  loggedOnUsers: LoggedOnUser[];
}

export interface NewDevice {
  id: string;
  name: string;
  os: string;
  credentialHash: string;
}

/**
 * The enrollment_tokens and devices tables: enrollment, device credentials and presence (which node holds each
 * agent, who is logged on). Contract: deviceStore.contract.ts.
 */
export interface DeviceStore {
  createEnrollmentToken(tokenHash: string, createdBy: string, at: string, expiresAt: string): Promise<void>;
  /** Marks the token used; false when it is unknown, used or expired. */
  consumeEnrollmentToken(tokenHash: string, now: string): Promise<boolean>;
  /** Deletes the enrollment tokens that expired by `now`. */
  deleteExpiredEnrollmentTokens(now: string): Promise<void>;

  create(device: NewDevice, at: string): Promise<void>;
  /** A device that is not removed. */
  find(id: string): Promise<DeviceRecord | undefined>;
  /** The devices that are not removed, by name. */
  list(): Promise<DeviceRecord[]>;

  setOnline(
    id: string,
    node: string,
    facts: { name: string; os: string; loggedOnUsers: LoggedOnUser[] },
    at: string,
  ): Promise<void>;
  setLoggedOnUsers(id: string, users: LoggedOnUser[], at: string): Promise<void>;
  /** Only the node that holds the connection may mark it offline (a newer connection may be elsewhere). */
  setOffline(id: string, node: string, at: string): Promise<boolean>;
  /** A node's lease on the devices it holds: their last_seen_at moves to `at`. */
  touchNode(node: string, at: string): Promise<void>;
  /** Devices whose node has not renewed its lease since `before` (that node is gone) go offline. Returns their ids. */
  expireStale(before: string, at: string): Promise<string[]>;
  /** At a node's start: devices it held before a crash (seen before `startedAt`) are offline. Returns their ids. */
  clearNode(node: string, startedAt: string): Promise<string[]>;
}

function toDevice(row: DevicesTable): DeviceRecord {
  return {
    id: row.id,
    name: row.name,
    os: row.os,
    credentialHash: row.credential_hash,
    onlineNode: row.online_node,
    loggedOnUsers: JSON.parse(row.logged_on_users) as LoggedOnUser[],
  };
}

export class SqlDeviceStore implements DeviceStore {
  constructor(private readonly db: Db) {}

  async createEnrollmentToken(
    tokenHash: string,
    createdBy: string,
    at: string,
    expiresAt: string,
  ): Promise<void> {
    await this.db
      .insertInto('enrollment_tokens')
      .values({
        token_hash: tokenHash,
        created_by: createdBy,
        created_at: at,
        expires_at: expiresAt,
        used_at: null,
      })
      .execute();
  }

  async consumeEnrollmentToken(tokenHash: string, now: string): Promise<boolean> {
    const result = await this.db
      .updateTable('enrollment_tokens')
      .set({ used_at: now })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async deleteExpiredEnrollmentTokens(now: string): Promise<void> {
    await this.db.deleteFrom('enrollment_tokens').where('expires_at', '<=', now).execute();
  }

  async create(device: NewDevice, at: string): Promise<void> {
    await this.db
      .insertInto('devices')
      .values({
        id: device.id,
        name: device.name,
        os: device.os,
        credential_hash: device.credentialHash,
        enrolled_at: at,
        last_seen_at: null,
        online_node: null,
        logged_on_users: '[]',
        removed_at: null,
      })
      .execute();
  }

  async find(id: string): Promise<DeviceRecord | undefined> {
    const row = await this.db
      .selectFrom('devices')
      .selectAll()
      .where('id', '=', id)
      .where('removed_at', 'is', null)
      .executeTakeFirst();
    return row && toDevice(row);
  }

  async list(): Promise<DeviceRecord[]> {
    const rows = await this.db
      .selectFrom('devices')
      .selectAll()
      .where('removed_at', 'is', null)
      .orderBy('name')
      .orderBy('id')
      .execute();
    return rows.map(toDevice);
  }

  async setOnline(
    id: string,
    node: string,
    facts: { name: string; os: string; loggedOnUsers: LoggedOnUser[] },
    at: string,
  ): Promise<void> {
    await this.db
      .updateTable('devices')
      .set({
        name: facts.name,
        os: facts.os,
        online_node: node,
        last_seen_at: at,
        logged_on_users: JSON.stringify(facts.loggedOnUsers),
      })
      .where('id', '=', id)
      .execute();
  }

  async setLoggedOnUsers(id: string, users: LoggedOnUser[], at: string): Promise<void> {
    await this.db
      .updateTable('devices')
      .set({ logged_on_users: JSON.stringify(users), last_seen_at: at })
      .where('id', '=', id)
      .execute();
  }

  async setOffline(id: string, node: string, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('devices')
      .set({ online_node: null, last_seen_at: at })
      .where('id', '=', id)
      .where('online_node', '=', node)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async touchNode(node: string, at: string): Promise<void> {
    await this.db.updateTable('devices').set({ last_seen_at: at }).where('online_node', '=', node).execute();
  }

  async expireStale(before: string, at: string): Promise<string[]> {
    // One statement: a device renewed between a read and the update cannot be reported offline.
    const rows = await this.db
      .updateTable('devices')
      .set({ online_node: null, last_seen_at: at })
      .where('online_node', 'is not', null)
      .where('last_seen_at', '<', before)
      .returning('id')
      .execute();
    return rows.map((r) => r.id);
  }

  async clearNode(node: string, startedAt: string): Promise<string[]> {
    // Only what was seen before the start: an agent that connected to the starting node since is really there.
    const rows = await this.db
      .updateTable('devices')
      .set({ online_node: null, last_seen_at: startedAt })
      .where('online_node', '=', node)
      .where('last_seen_at', '<', startedAt)
      .returning('id')
      .execute();
    return rows.map((r) => r.id);
  }
}
