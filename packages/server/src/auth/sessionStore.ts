import type { Db } from '../store/db.js';
import { type OperatorRecord, toOperator } from './operatorStore.js';

/** The sessions table: a signed-in operator's token (its hash) until it expires. Contract: sessionStore.contract.ts. */
export interface SessionStore {
  create(tokenHash: string, operatorId: string, at: string, expiresAt: string): Promise<void>;
  /** The operator whose session this is, while it has not expired. */
  findOperator(tokenHash: string, now: string): Promise<OperatorRecord | undefined>;
  delete(tokenHash: string): Promise<void>;
  /** Deletes the sessions that expired by `now`. */
  deleteExpired(now: string): Promise<void>;
}

export class SqlSessionStore implements SessionStore {
  constructor(private readonly db: Db) {}

  async create(tokenHash: string, operatorId: string, at: string, expiresAt: string): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({ token_hash: tokenHash, operator_id: operatorId, created_at: at, expires_at: expiresAt })
      .execute();
  }

  async findOperator(tokenHash: string, now: string): Promise<OperatorRecord | undefined> {
    const row = await this.db
      .selectFrom('sessions')
      .innerJoin('operators', 'operators.id', 'sessions.operator_id')
      .selectAll('operators')
      .where('sessions.token_hash', '=', tokenHash)
      .where('sessions.expires_at', '>', now)
      .executeTakeFirst();
    return row && toOperator(row);
  }

  async delete(tokenHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
  }

  async deleteExpired(now: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('expires_at', '<=', now).execute();
  }
}
