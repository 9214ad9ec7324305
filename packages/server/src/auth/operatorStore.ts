import type { Db } from '../store/db.js';
import type { OperatorsTable } from '../store/schema.js';

export interface OperatorRecord {
  id: string;
  username: string;
  displayName: string;
  passwordHash: string;
  capabilities: string[];
}

/** The operators table. Contract: operatorStore.contract.ts. */
export interface OperatorStore {
  /** Rejects a username that is taken (a unique index). */
  create(op: OperatorRecord, at: string): Promise<void>;
  findByUsername(username: string): Promise<OperatorRecord | undefined>;
  findById(id: string): Promise<OperatorRecord | undefined>;
}

export function toOperator(row: OperatorsTable): OperatorRecord {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    passwordHash: row.password_hash,
    capabilities: JSON.parse(row.capabilities) as string[],
  };
}

export class SqlOperatorStore implements OperatorStore {
  constructor(private readonly db: Db) {}

  async create(op: OperatorRecord, at: string): Promise<void> {
    await this.db
      .insertInto('operators')
      .values({
        id: op.id,
        username: op.username,
        display_name: op.displayName,
        password_hash: op.passwordHash,
        capabilities: JSON.stringify(op.capabilities),
        created_at: at,
      })
      .execute();
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
}
