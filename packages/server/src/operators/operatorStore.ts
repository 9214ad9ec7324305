import type { Db } from '../store/db.js';
import type { OperatorGroupsTable, OperatorsTable } from '../store/schema.js';

export interface OperatorRecord {
  id: string;
  username: string;
  displayName: string;
  passwordHash: string;
  /** Granted to the operator directly (their groups may grant more). */
  capabilities: string[];
  disabled: boolean;
  /** `admin`: every capability and every right; never disabled, deleted or denied anything. */
  superAdmin: boolean;
}

export type NewOperator = Omit<OperatorRecord, 'disabled' | 'superAdmin'> & { superAdmin?: boolean };

export interface OperatorGroupRecord {
  id: string;
  name: string;
  capabilities: string[];
  memberIds: string[];
}

/** A key left out stays as it was. */
export interface OperatorChanges {
  displayName?: string;
  /** When the operator was disabled, or null to enable them again. */
  disabledAt?: string | null;
  capabilities?: readonly string[];
  passwordHash?: string;
}

/**
 * The operators, operator groups and group membership tables. Contract: operatorStore.contract.ts. Writes that can
 * meet a unique index answer false instead of failing, so they can run inside a larger transaction on PostgreSQL.
 */
export interface OperatorStore {
  /** False when the username is taken. */
  create(op: NewOperator, at: string): Promise<boolean>;
  findByUsername(username: string): Promise<OperatorRecord | undefined>;
  findById(id: string): Promise<OperatorRecord | undefined>;
  list(): Promise<OperatorRecord[]>;
  /** False when there is no such operator. */
  update(id: string, changes: OperatorChanges): Promise<boolean>;
  /** Deletes the operator, their sessions and memberships; false when there is no such operator. */
  delete(id: string): Promise<boolean>;

  /** False when the name is taken. */
  createGroup(
    group: { id: string; name: string; capabilities: readonly string[] },
    at: string,
  ): Promise<boolean>;
  findGroup(id: string): Promise<OperatorGroupRecord | undefined>;
  listGroups(): Promise<OperatorGroupRecord[]>;
  /** False when there is no such group, or (for a rename) the name is taken. */
  updateGroup(id: string, changes: { name?: string; capabilities?: readonly string[] }): Promise<boolean>;
  /** Replaces the group's members; false when there is no such group. Unknown operator ids are refused (throws). */
  setGroupMembers(id: string, operatorIds: readonly string[]): Promise<boolean>;
  deleteGroup(id: string): Promise<boolean>;
  /** The groups an operator is in. */
  groupsOf(operatorId: string): Promise<Omit<OperatorGroupRecord, 'memberIds'>[]>;
}

export function toOperator(row: OperatorsTable): OperatorRecord {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    passwordHash: row.password_hash,
    capabilities: JSON.parse(row.capabilities) as string[],
    disabled: row.disabled_at !== null,
    superAdmin: row.super_admin === 1,
  };
}

function toGroup(row: OperatorGroupsTable, memberIds: string[]): OperatorGroupRecord {
  return { id: row.id, name: row.name, capabilities: JSON.parse(row.capabilities) as string[], memberIds };
}

export class SqlOperatorStore implements OperatorStore {
  constructor(private readonly db: Db) {}

  async create(op: NewOperator, at: string): Promise<boolean> {
    const inserted = await this.db
      .insertInto('operators')
      .values({
        id: op.id,
        username: op.username,
        display_name: op.displayName,
        password_hash: op.passwordHash,
        capabilities: JSON.stringify(op.capabilities),
        created_at: at,
        disabled_at: null,
        super_admin: op.superAdmin ? 1 : 0,
      })
      .onConflict((conflict) => conflict.column('username').doNothing())
      .executeTakeFirst();
    return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async findByUsername(username: string): Promise<OperatorRecord | undefined> {
    const row = await this.db
      .selectFrom('operators')
      .selectAll()
      .where('username', '=', username)
      .executeTakeFirst();
    return row && toOperator(row);
  }

  async findById(id: string): Promise<OperatorRecord | undefined> {
    const row = await this.db.selectFrom('operators').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toOperator(row);
  }

  async list(): Promise<OperatorRecord[]> {
    const rows = await this.db.selectFrom('operators').selectAll().orderBy('username').execute();
    return rows.map(toOperator);
  }

  async update(id: string, changes: OperatorChanges): Promise<boolean> {
    const values = {
      ...(changes.displayName === undefined ? {} : { display_name: changes.displayName }),
      ...(changes.disabledAt === undefined ? {} : { disabled_at: changes.disabledAt }),
      ...(changes.capabilities === undefined ? {} : { capabilities: JSON.stringify(changes.capabilities) }),
      ...(changes.passwordHash === undefined ? {} : { password_hash: changes.passwordHash }),
    };
    if (Object.keys(values).length === 0) return (await this.findById(id)) !== undefined;
    const result = await this.db.updateTable('operators').set(values).where('id', '=', id).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('operators').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async createGroup(
    group: { id: string; name: string; capabilities: readonly string[] },
    at: string,
  ): Promise<boolean> {
    const inserted = await this.db
      .insertInto('operator_groups')
      .values({
        id: group.id,
        name: group.name,
        capabilities: JSON.stringify(group.capabilities),
        created_at: at,
      })
      .onConflict((conflict) => conflict.column('name').doNothing())
      .executeTakeFirst();
    return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async findGroup(id: string): Promise<OperatorGroupRecord | undefined> {
    const row = await this.db
      .selectFrom('operator_groups')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    const members = await this.db
      .selectFrom('operator_group_members')
      .select('operator_id')
      .where('group_id', '=', id)
      .orderBy('operator_id')
      .execute();
    return toGroup(
      row,
      members.map((member) => member.operator_id),
    );
  }

  async listGroups(): Promise<OperatorGroupRecord[]> {
    const rows = await this.db.selectFrom('operator_groups').selectAll().orderBy('name').execute();
    const members = await this.db
      .selectFrom('operator_group_members')
      .selectAll()
      .orderBy('operator_id')
      .execute();
    return rows.map((row) =>
      toGroup(
        row,
        members.filter((member) => member.group_id === row.id).map((member) => member.operator_id),
      ),
    );
  }

  async updateGroup(
    id: string,
    changes: { name?: string; capabilities?: readonly string[] },
  ): Promise<boolean> {
    if (changes.name !== undefined) {
      const taken = await this.db
        .selectFrom('operator_groups')
        .select('id')
        .where('name', '=', changes.name)
        .where('id', '!=', id)
        .executeTakeFirst();
      if (taken) return false;
    }
    const values = {
      ...(changes.name === undefined ? {} : { name: changes.name }),
      ...(changes.capabilities === undefined ? {} : { capabilities: JSON.stringify(changes.capabilities) }),
    };
    if (Object.keys(values).length === 0) return (await this.findGroup(id)) !== undefined;
    const result = await this.db
      .updateTable('operator_groups')
      .set(values)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async setGroupMembers(id: string, operatorIds: readonly string[]): Promise<boolean> {
    if (!(await this.findGroup(id))) return false;
    await this.db.deleteFrom('operator_group_members').where('group_id', '=', id).execute();
    const unique = [...new Set(operatorIds)];
    if (unique.length > 0) {
      await this.db
        .insertInto('operator_group_members')
        .values(unique.map((operatorId) => ({ group_id: id, operator_id: operatorId })))
        .execute();
    }
    return true;
  }

  async deleteGroup(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('operator_groups').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async groupsOf(operatorId: string): Promise<Omit<OperatorGroupRecord, 'memberIds'>[]> {
    const rows = await this.db
      .selectFrom('operator_group_members')
      .innerJoin('operator_groups', 'operator_groups.id', 'operator_group_members.group_id')
      .selectAll('operator_groups')
      .where('operator_group_members.operator_id', '=', operatorId)
      .orderBy('operator_groups.name')
      .execute();
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      capabilities: JSON.parse(row.capabilities) as string[],
    }));
  }
}
