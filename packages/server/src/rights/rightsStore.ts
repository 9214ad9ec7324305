import type { Db } from '../store/db.js';
import type { AccessRightsTable, DeviceGroupsTable } from '../store/schema.js';
import type { AccessGrant, DynamicRule, Effect, Right, Subject, Target } from './accessRights.js';

export interface DeviceGroupRecord {
  id: string;
  name: string;
  parentId: string | null;
  /** A dynamic group's rule; null for a static one. */
  rule: DynamicRule | null;
  deviceCount: number;
}

export type GrantChanges = Partial<Record<Right, Effect | null>>;

/**
 * Access rights and the device groups they are granted on (tables access_rights, device_groups,
 * device_group_members). Contract: rightsStore.contract.ts.
 */
export interface RightsStore {
  /** Sets the rights given (null unsets one), keeps the others; a grant left with none set is removed. */
  setGrant(subject: Subject, target: Target, changes: GrantChanges): Promise<void>;
  /** Every grant: rights are few next to devices, and every decision needs the ones of one operator. */
  grants(): Promise<AccessGrant[]>;
  deleteGrantsOf(subject: Subject): Promise<void>;
  deleteGrantsOn(target: Target): Promise<void>;

  /** False when the name is taken. */
  createGroup(group: Omit<DeviceGroupRecord, 'deviceCount'>, at: string): Promise<boolean>;
  findGroup(id: string): Promise<DeviceGroupRecord | undefined>;
  listGroups(): Promise<DeviceGroupRecord[]>;
  /** The group's child groups go up to its parent; its memberships go. */
  deleteGroup(id: string): Promise<boolean>;
  /** Replaces the group's members (the caller checks the devices exist). */
  setGroupDevices(id: string, deviceIds: readonly string[]): Promise<void>;
  /** Adds or removes one device in a group; answers whether that changed anything. */
  setMembership(groupId: string, deviceId: string, member: boolean): Promise<boolean>;
  groupsOfDevice(deviceId: string): Promise<string[]>;
  devicesInGroup(groupId: string): Promise<string[]>;
  /** Every device's groups, in one read (for deciding on a whole device list). */
  allMemberships(): Promise<Map<string, string[]>>;
}

function toGrant(row: AccessRightsTable): AccessGrant {
  const rights: Partial<Record<Right, Effect>> = {};
  if (row.read) rights.read = row.read;
  if (row.write) rights.write = row.write;
  if (row.assign) rights.assign = row.assign;
  return {
    subject: { kind: row.subject_kind, id: row.subject_id },
    target: { kind: row.target_kind, id: row.target_id },
    rights,
  };
}

function toGroup(row: DeviceGroupsTable & { device_count: number | string | bigint }): DeviceGroupRecord {
  return {
    id: row.id,
    name: row.name,
    parentId: row.parent_id,
    rule: row.rule === null ? null : (JSON.parse(row.rule) as DynamicRule),
    deviceCount: Number(row.device_count),
  };
}

export class SqlRightsStore implements RightsStore {
  constructor(private readonly db: Db) {}

  async setGrant(subject: Subject, target: Target, changes: GrantChanges): Promise<void> {
    const key = {
      subject_kind: subject.kind,
      subject_id: subject.id,
      target_kind: target.kind,
      target_id: target.id,
    };
    const current = await this.db
      .selectFrom('access_rights')
      .selectAll()
      .where('subject_kind', '=', key.subject_kind)
      .where('subject_id', '=', key.subject_id)
      .where('target_kind', '=', key.target_kind)
      .where('target_id', '=', key.target_id)
      .executeTakeFirst();
    const next = {
      read: changes.read === undefined ? (current?.read ?? null) : changes.read,
      write: changes.write === undefined ? (current?.write ?? null) : changes.write,
      assign: changes.assign === undefined ? (current?.assign ?? null) : changes.assign,
    };
    const where = this.db
      .deleteFrom('access_rights')
      .where('subject_kind', '=', key.subject_kind)
      .where('subject_id', '=', key.subject_id)
      .where('target_kind', '=', key.target_kind)
      .where('target_id', '=', key.target_id);
    await where.execute();
    if (next.read === null && next.write === null && next.assign === null) return;
    await this.db
      .insertInto('access_rights')
      .values({ ...key, ...next })
      .execute();
  }

  async grants(): Promise<AccessGrant[]> {
    const rows = await this.db.selectFrom('access_rights').selectAll().execute();
    return rows.map(toGrant);
  }

  async deleteGrantsOf(subject: Subject): Promise<void> {
    await this.db
      .deleteFrom('access_rights')
      .where('subject_kind', '=', subject.kind)
      .where('subject_id', '=', subject.id)
      .execute();
  }

  async deleteGrantsOn(target: Target): Promise<void> {
    await this.db
      .deleteFrom('access_rights')
      .where('target_kind', '=', target.kind)
      .where('target_id', '=', target.id)
      .execute();
  }

  async createGroup(group: Omit<DeviceGroupRecord, 'deviceCount'>, at: string): Promise<boolean> {
    const inserted = await this.db
      .insertInto('device_groups')
      .values({
        id: group.id,
        name: group.name,
        parent_id: group.parentId,
        rule: group.rule === null ? null : JSON.stringify(group.rule),
        created_at: at,
      })
      .onConflict((conflict) => conflict.column('name').doNothing())
      .executeTakeFirst();
    return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  private groupsQuery() {
    return this.db
      .selectFrom('device_groups')
      .selectAll('device_groups')
      .select((eb) =>
        eb
          .selectFrom('device_group_members')
          .innerJoin('devices', 'devices.id', 'device_group_members.device_id')
          .select(eb.fn.countAll().as('n'))
          .whereRef('device_group_members.group_id', '=', 'device_groups.id')
          .where('devices.removed_at', 'is', null)
          .as('device_count'),
      );
  }

  async findGroup(id: string): Promise<DeviceGroupRecord | undefined> {
    const row = await this.groupsQuery().where('device_groups.id', '=', id).executeTakeFirst();
    return row && toGroup({ ...row, device_count: row.device_count ?? 0 });
  }

  async listGroups(): Promise<DeviceGroupRecord[]> {
    const rows = await this.groupsQuery().orderBy('device_groups.name').execute();
    return rows.map((row) => toGroup({ ...row, device_count: row.device_count ?? 0 }));
  }

  async deleteGroup(id: string): Promise<boolean> {
    const group = await this.db
      .selectFrom('device_groups')
      .select('parent_id')
      .where('id', '=', id)
      .executeTakeFirst();
    if (!group) return false;
    await this.db
      .updateTable('device_groups')
      .set({ parent_id: group.parent_id })
      .where('parent_id', '=', id)
      .execute();
    await this.db.deleteFrom('device_groups').where('id', '=', id).execute();
    return true;
  }

  async setGroupDevices(id: string, deviceIds: readonly string[]): Promise<void> {
    await this.db.deleteFrom('device_group_members').where('group_id', '=', id).execute();
    const unique = [...new Set(deviceIds)];
    // In slices: SQLite takes a bounded number of parameters per statement.
    for (let i = 0; i < unique.length; i += 5000) {
      await this.db
        .insertInto('device_group_members')
        .values(unique.slice(i, i + 5000).map((deviceId) => ({ group_id: id, device_id: deviceId })))
        .execute();
    }
  }

  async setMembership(groupId: string, deviceId: string, member: boolean): Promise<boolean> {
    if (!member) {
      const result = await this.db
        .deleteFrom('device_group_members')
        .where('group_id', '=', groupId)
        .where('device_id', '=', deviceId)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    }
    const inserted = await this.db
      .insertInto('device_group_members')
      .values({ group_id: groupId, device_id: deviceId })
      .onConflict((conflict) => conflict.columns(['group_id', 'device_id']).doNothing())
      .executeTakeFirst();
    return Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async allMemberships(): Promise<Map<string, string[]>> {
    const rows = await this.db.selectFrom('device_group_members').selectAll().orderBy('group_id').execute();
    const memberships = new Map<string, string[]>();
    for (const row of rows) {
      const groups = memberships.get(row.device_id);
      if (groups) groups.push(row.group_id);
      else memberships.set(row.device_id, [row.group_id]);
    }
    return memberships;
  }

  async devicesInGroup(groupId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('device_group_members')
      .select('device_id')
      .where('group_id', '=', groupId)
      .orderBy('device_id')
      .execute();
    return rows.map((row) => row.device_id);
  }

  async groupsOfDevice(deviceId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('device_group_members')
      .select('group_id')
      .where('device_id', '=', deviceId)
      .orderBy('group_id')
      .execute();
    return rows.map((row) => row.group_id);
  }
}
