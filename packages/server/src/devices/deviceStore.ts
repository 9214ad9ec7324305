import type { LoggedOnUser } from '@parley/protocol';
import { type Expression, type SqlBool, sql } from 'kysely';
import { type Db, dialectOf, oneOf } from '../store/db.js';
import type { DevicesTable, EnrollmentTokensTable } from '../store/schema.js';

export interface DeviceRecord {
  id: string;
  /** What operators see: the host name the agent reports, unless an operator renamed the device. */
  name: string;
  hostName: string;
  renamed: boolean;
  os: string;
  agentVersion: string;
  credentialHash: string;
  /** A rotated credential the agent has not proven yet (P-30). */
  pendingCredentialHash: string | null;
  credentialRevoked: boolean;
  onlineNode: string | null;
  loggedOnUsers: LoggedOnUser[];
  lastSeenAt: string | null;
  address: string | null;
  enrolledAt: string;
  enrolledBy: string | null;
}

export interface NewDevice {
  id: string;
  name: string;
  os: string;
  credentialHash: string;
  /** The operator whose enrollment token it used. */
  enrolledBy?: string | null;
  address?: string | null;
}

/** What an agent's hello says of its device. */
export interface ReportedFacts {
  name: string;
  os: string;
  agentVersion: string;
  loggedOnUsers: LoggedOnUser[];
}

/** What the device list filters on (issue 11); every part narrows it. */
export interface DeviceListFilter {
  /** The devices the operator may read; `all` for a super-administrator. */
  readable: readonly string[] | 'all';
  /** Each must be part of the device's name or of a logged-on user's name (case ignored). */
  words: readonly string[];
  online?: boolean;
  loggedOn?: boolean;
  os?: string;
  /** Member of one of these device groups. */
  groupIds?: readonly string[];
  /** A chat is open on it. */
  hasChat?: boolean;
  /** `status`: online first, then by name; `lastSeen`: online first, then the most recently seen. */
  sort: 'status' | 'name' | 'lastSeen';
}

/** `%text%` for LIKE, its own % _ and \ taken literally (`escape '\'`). */
function containing(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export interface NewEnrollmentToken {
  id: string;
  tokenHash: string;
  label: string;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  maxUses: number;
  deviceGroupId: string | null;
}

export interface EnrollmentTokenRecord extends Omit<NewEnrollmentToken, 'tokenHash'> {
  uses: number;
  revokedAt: string | null;
}

/**
 * The enrollment_tokens and devices tables: enrollment, device credentials, presence (which node holds each agent,
 * who is logged on) and removal. Contract: deviceStore.contract.ts.
 */
export interface DeviceStore {
  createEnrollmentToken(token: NewEnrollmentToken): Promise<void>;
  /** Counts one use; null when the token is unknown, used up, revoked or expired. */
  consumeEnrollmentToken(tokenHash: string, now: string): Promise<EnrollmentTokenRecord | null>;
  /** Every token not yet deleted, newest first. */
  listEnrollmentTokens(): Promise<EnrollmentTokenRecord[]>;
  /** False when there is no such token or it was revoked already. */
  revokeEnrollmentToken(id: string, at: string): Promise<boolean>;
  /** Deletes the enrollment tokens that expired by `now`. */
  deleteExpiredEnrollmentTokens(now: string): Promise<void>;

  create(device: NewDevice, at: string): Promise<void>;
  /** A device that is not removed. */
  find(id: string): Promise<DeviceRecord | undefined>;
  /** The devices that are not removed, by name. */
  list(): Promise<DeviceRecord[]>;
  /** A page of the devices `filter` matches, in its order, `offset` rows in; with how many match and are online. */
  page(
    filter: DeviceListFilter,
    limit: number,
    offset: number,
  ): Promise<{ devices: DeviceRecord[]; total: number; online: number }>;
  /** The operating systems among the devices `readable` covers, in order. */
  oses(readable: readonly string[] | 'all'): Promise<string[]>;
  /** The ids of the devices that are not removed (what the policy narrows to an operator's). */
  ids(): Promise<string[]>;
  /** Enrolled devices that are not removed: the license's seats in use. */
  countEnrolled(): Promise<number>;
  /** An operator's name for the device: the agent's reports no longer change it. False when there is no device. */
  rename(id: string, name: string, at: string): Promise<boolean>;
  /**
   * Removes the device: it leaves every list and group, its credentials stop working, it is offline. Its chats stay
   * (recording rules decide). False when there is no such device (or it was removed already).
   */
  remove(id: string, at: string): Promise<boolean>;
  /** Its credentials stop working; the device stays listed. False when there is no device or it was revoked. */
  revokeCredential(id: string, at: string): Promise<boolean>;
  /** A new credential beside the current one, until the agent proves it (P-30). */
  setPendingCredential(id: string, hash: string): Promise<boolean>;
  /** The pending credential becomes the only one. False unless `hash` is the pending one. */
  promotePendingCredential(id: string, hash: string): Promise<boolean>;

  /** False when the device is removed or its credential revoked (a hello that raced that): it stays offline. */
  setOnline(
    id: string,
    node: string,
    facts: ReportedFacts,
    address: string | null,
    at: string,
  ): Promise<boolean>;
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

/** What a removed device, or one whose credential is revoked, keeps: no credential (nothing hashes to ''), no presence. */
const CUT_OFF = {
  credential_hash: '',
  pending_credential_hash: null,
  online_node: null,
  logged_on_users: '[]',
} as const;

function changedOne(result: { numUpdatedRows: bigint }): boolean {
  return Number(result.numUpdatedRows) === 1;
}

function toDevice(row: DevicesTable): DeviceRecord {
  return {
    id: row.id,
    name: row.name,
    hostName: row.host_name,
    renamed: row.renamed_at !== null,
    os: row.os,
    agentVersion: row.agent_version,
    credentialHash: row.credential_hash,
    pendingCredentialHash: row.pending_credential_hash,
    credentialRevoked: row.credential_revoked_at !== null,
    onlineNode: row.online_node,
    loggedOnUsers: JSON.parse(row.logged_on_users) as LoggedOnUser[],
    lastSeenAt: row.last_seen_at,
    address: row.address,
    enrolledAt: row.enrolled_at,
    enrolledBy: row.enrolled_by,
  };
}

function toToken(row: EnrollmentTokensTable): EnrollmentTokenRecord {
  return {
    id: row.id,
    label: row.label,
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    maxUses: row.max_uses,
    uses: row.uses,
    deviceGroupId: row.device_group_id,
    revokedAt: row.revoked_at,
  };
}

export class SqlDeviceStore implements DeviceStore {
  constructor(private readonly db: Db) {}

  async createEnrollmentToken(token: NewEnrollmentToken): Promise<void> {
    await this.db
      .insertInto('enrollment_tokens')
      .values({
        id: token.id,
        token_hash: token.tokenHash,
        label: token.label,
        created_by: token.createdBy,
        created_at: token.createdAt,
        expires_at: token.expiresAt,
        max_uses: token.maxUses,
        uses: 0,
        device_group_id: token.deviceGroupId,
        revoked_at: null,
        used_at: null,
      })
      .execute();
  }

  async consumeEnrollmentToken(tokenHash: string, now: string): Promise<EnrollmentTokenRecord | null> {
    // One statement: two agents enrolling at once with a token's last use cannot both get it.
    const row = await this.db
      .updateTable('enrollment_tokens')
      .set((eb) => ({ uses: eb('uses', '+', 1), used_at: now }))
      .where('token_hash', '=', tokenHash)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .whereRef('uses', '<', 'max_uses')
      .returningAll()
      .executeTakeFirst();
    return row ? toToken(row) : null;
  }

  async listEnrollmentTokens(): Promise<EnrollmentTokenRecord[]> {
    const rows = await this.db
      .selectFrom('enrollment_tokens')
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return rows.map(toToken);
  }

  async revokeEnrollmentToken(id: string, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('enrollment_tokens')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
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
        host_name: device.name,
        renamed_at: null,
        os: device.os,
        agent_version: '',
        credential_hash: device.credentialHash,
        pending_credential_hash: null,
        credential_revoked_at: null,
        enrolled_at: at,
        enrolled_by: device.enrolledBy ?? null,
        address: device.address ?? null,
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

  async page(
    filter: DeviceListFilter,
    limit: number,
    offset: number,
  ): Promise<{ devices: DeviceRecord[]; total: number; online: number }> {
    const matching = this.db
      .selectFrom('devices')
      .where('devices.removed_at', 'is', null)
      .where((eb) => {
        const conditions: Expression<SqlBool>[] = [];
        if (filter.readable !== 'all') conditions.push(oneOf(this.db, 'devices.id', filter.readable));
        for (const word of filter.words) {
          conditions.push(
            eb.or([
              sql<boolean>`lower(devices.name) like ${containing(word)} escape '\\'`,
              this.aUserNamed(containing(word)),
            ]),
          );
        }
        if (filter.online !== undefined)
          conditions.push(eb('devices.online_node', filter.online ? 'is not' : 'is', null));
        if (filter.loggedOn !== undefined)
          conditions.push(eb('devices.logged_on_users', filter.loggedOn ? '<>' : '=', '[]'));
        if (filter.os !== undefined) conditions.push(eb('devices.os', '=', filter.os));
        if (filter.groupIds !== undefined) {
          const groupIds = filter.groupIds;
          conditions.push(
            eb.exists(
              eb
                .selectFrom('device_group_members')
                .select('device_group_members.device_id')
                .whereRef('device_group_members.device_id', '=', 'devices.id')
                .where(() => oneOf(this.db, 'device_group_members.group_id', groupIds)),
            ),
          );
        }
        if (filter.hasChat !== undefined) {
          const open = eb.exists(
            eb
              .selectFrom('chats')
              .select('chats.id')
              .whereRef('chats.device_id', '=', 'devices.id')
              .where('chats.status', '=', 'open'),
          );
          conditions.push(filter.hasChat ? open : eb.not(open));
        }
        return eb.and(conditions);
      });
    const counted = await matching
      .select((eb) => [
        eb.fn.countAll<number>().as('total'),
        eb.fn.count<number>('devices.online_node').as('online'),
      ])
      .executeTakeFirstOrThrow();
    let ordered = matching.selectAll('devices');
    if (filter.sort !== 'name')
      ordered = ordered.orderBy(sql`case when devices.online_node is null then 1 else 0 end`);
    if (filter.sort === 'lastSeen')
      ordered = ordered.orderBy(sql`coalesce(devices.last_seen_at, '')`, 'desc');
    const rows = await ordered
      .orderBy(sql`lower(devices.name)`)
      .orderBy('devices.id')
      .limit(limit)
      .offset(offset)
      .execute();
    return { devices: rows.map(toDevice), total: Number(counted.total), online: Number(counted.online) };
  }

  /** Whether a logged-on user's name (the users are a JSON array of {name}) is like `pattern`. */
  private aUserNamed(pattern: string) {
    return dialectOf(this.db) === 'postgres'
      ? sql<boolean>`exists (select 1 from json_array_elements(devices.logged_on_users::json) as u
          where lower(u->>'name') like ${pattern} escape '\\')`
      : sql<boolean>`exists (select 1 from json_each(devices.logged_on_users)
          where lower(json_extract(value, '$.name')) like ${pattern} escape '\\')`;
  }

  async oses(readable: readonly string[] | 'all'): Promise<string[]> {
    let query = this.db
      .selectFrom('devices')
      .select('os')
      .distinct()
      .where('removed_at', 'is', null)
      .where('os', '<>', '');
    if (readable !== 'all') query = query.where(() => oneOf(this.db, 'devices.id', readable));
    return (await query.orderBy('os').execute()).map((row) => row.os);
  }

  async ids(): Promise<string[]> {
    const rows = await this.db.selectFrom('devices').select('id').where('removed_at', 'is', null).execute();
    return rows.map((row) => row.id);
  }

  async countEnrolled(): Promise<number> {
    const row = await this.db
      .selectFrom('devices')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('removed_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** An update of the device, if it is not removed. */
  private present(id: string) {
    return this.db.updateTable('devices').where('id', '=', id).where('removed_at', 'is', null);
  }

  /** An update of the device, if it is not removed and its credential not revoked. */
  private credentialed(id: string) {
    return this.present(id).where('credential_revoked_at', 'is', null);
  }

  async rename(id: string, name: string, at: string): Promise<boolean> {
    return changedOne(await this.present(id).set({ name, renamed_at: at }).executeTakeFirst());
  }

  async remove(id: string, at: string): Promise<boolean> {
    if (
      !changedOne(
        await this.present(id)
          .set({ ...CUT_OFF, removed_at: at })
          .executeTakeFirst(),
      )
    )
      return false;
    await this.db.deleteFrom('device_group_members').where('device_id', '=', id).execute();
    return true;
  }

  async revokeCredential(id: string, at: string): Promise<boolean> {
    return changedOne(
      await this.credentialed(id)
        .set({ ...CUT_OFF, credential_revoked_at: at })
        .executeTakeFirst(),
    );
  }

  async setPendingCredential(id: string, hash: string): Promise<boolean> {
    return changedOne(await this.credentialed(id).set({ pending_credential_hash: hash }).executeTakeFirst());
  }

  async promotePendingCredential(id: string, hash: string): Promise<boolean> {
    return changedOne(
      await this.credentialed(id)
        .where('pending_credential_hash', '=', hash)
        .set({ credential_hash: hash, pending_credential_hash: null })
        .executeTakeFirst(),
    );
  }

  async setOnline(
    id: string,
    node: string,
    facts: ReportedFacts,
    address: string | null,
    at: string,
  ): Promise<boolean> {
    const result = await this.credentialed(id)
      .set((eb) => ({
        // An operator's name stays; the agent's goes on record beside it.
        name: eb.case().when('renamed_at', 'is', null).then(facts.name).else(eb.ref('name')).end(),
        host_name: facts.name,
        os: facts.os,
        agent_version: facts.agentVersion,
        address,
        online_node: node,
        last_seen_at: at,
        logged_on_users: JSON.stringify(facts.loggedOnUsers),
      }))
      .executeTakeFirst();
    return changedOne(result);
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
