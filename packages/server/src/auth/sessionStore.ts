import { type OperatorRecord, toOperator } from '../operators/operatorStore.js';
import type { Db } from '../store/db.js';

export interface NewSession {
  tokenHash: string;
  operatorId: string;
  at: string;
  /** The absolute end, however active the session is. */
  expiresAt: string;
  address: string | null;
  userAgent: string | null;
}

export interface SessionRecord {
  /** The hash of the cookie's token: safe to show, useless to present. */
  id: string;
  operatorId: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  address: string | null;
  userAgent: string | null;
}

/**
 * The sessions table: a signed-in operator's token (its hash) until it expires, absolutely or after being idle.
 * Contract: sessionStore.contract.ts.
 */
export interface SessionStore {
  create(session: NewSession): Promise<void>;
  /** The session and its operator, while it has not expired by `now` nor been idle since before `idleSince`. */
  find(
    tokenHash: string,
    now: string,
    idleSince: string,
  ): Promise<{ session: SessionRecord; operator: OperatorRecord } | undefined>;
  /** Records use of the session at `at`. */
  touch(tokenHash: string, at: string): Promise<void>;
  /** The operator's live sessions, the latest used first. */
  listOf(operatorId: string, now: string, idleSince: string): Promise<SessionRecord[]>;
  delete(tokenHash: string): Promise<void>;
  /** Ends every session of the operator but `except`; answers how many it ended. */
  deleteOf(operatorId: string, except?: string): Promise<number>;
  /** Deletes the sessions that expired by `now` or were idle since before `idleSince`. */
  deleteExpired(now: string, idleSince: string): Promise<void>;
}

export class SqlSessionStore implements SessionStore {
  constructor(private readonly db: Db) {}

  async create(session: NewSession): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({
        token_hash: session.tokenHash,
        operator_id: session.operatorId,
        created_at: session.at,
        last_seen_at: session.at,
        expires_at: session.expiresAt,
        address: session.address,
        user_agent: session.userAgent,
      })
      .execute();
  }

  async find(tokenHash: string, now: string, idleSince: string) {
    const row = await this.db
      .selectFrom('sessions')
      .innerJoin('operators', 'operators.id', 'sessions.operator_id')
      .selectAll('operators')
      .select([
        'sessions.token_hash',
        'sessions.created_at as session_created_at',
        'sessions.last_seen_at',
        'sessions.expires_at',
        'sessions.address',
        'sessions.user_agent',
      ])
      .where('sessions.token_hash', '=', tokenHash)
      .where('sessions.expires_at', '>', now)
      .where('sessions.last_seen_at', '>', idleSince)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      operator: toOperator(row),
      session: {
        id: row.token_hash,
        operatorId: row.id,
        createdAt: row.session_created_at,
        lastSeenAt: row.last_seen_at,
        expiresAt: row.expires_at,
        address: row.address,
        userAgent: row.user_agent,
      },
    };
  }

  async touch(tokenHash: string, at: string): Promise<void> {
    await this.db
      .updateTable('sessions')
      .set({ last_seen_at: at })
      .where('token_hash', '=', tokenHash)
      .execute();
  }

  async listOf(operatorId: string, now: string, idleSince: string): Promise<SessionRecord[]> {
    const rows = await this.db
      .selectFrom('sessions')
      .selectAll()
      .where('operator_id', '=', operatorId)
      .where('expires_at', '>', now)
      .where('last_seen_at', '>', idleSince)
      .orderBy('last_seen_at', 'desc')
      .execute();
    return rows.map((row) => ({
      id: row.token_hash,
      operatorId: row.operator_id,
      createdAt: row.created_at,
      lastSeenAt: row.last_seen_at,
      expiresAt: row.expires_at,
      address: row.address,
      userAgent: row.user_agent,
    }));
  }

  async delete(tokenHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
  }

  async deleteOf(operatorId: string, except?: string): Promise<number> {
    let query = this.db.deleteFrom('sessions').where('operator_id', '=', operatorId);
    if (except !== undefined) query = query.where('token_hash', '!=', except);
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async deleteExpired(now: string, idleSince: string): Promise<void> {
    await this.db
      .deleteFrom('sessions')
      .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<=', idleSince)]))
      .execute();
  }
}
