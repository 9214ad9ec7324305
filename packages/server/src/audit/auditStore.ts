import type { Db } from '../store/db.js';
import type { AuditLogTable } from '../store/schema.js';

export interface AuditRecord {
  /** UUIDv7: ordered by time, the cursor of the pages. */
  id: string;
  at: string;
  /** An operator's username, `device:<id>`, or `system`; for a failed sign-in, the username tried. */
  actor: string;
  /** `<feature>.<verb>`: `auth.sign_in`, `operator.create`, `access_right.set`, … */
  action: string;
  target: string | null;
  address: string | null;
  details: Record<string, unknown>;
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  /** ISO times, inclusive. */
  from?: string;
  to?: string;
}

/** The audit log: appended to in the transaction of the change it records, read newest first. */
export interface AuditStore {
  append(entry: AuditRecord): Promise<void>;
  /** Up to `limit` entries matching `filter`, newest first, older than the entry `before` (a cursor) when given. */
  page(filter: AuditFilter, limit: number, before?: string): Promise<AuditRecord[]>;
}

function toRecord(row: AuditLogTable): AuditRecord {
  return { ...row, details: JSON.parse(row.details) as Record<string, unknown> };
}

export class SqlAuditStore implements AuditStore {
  constructor(private readonly db: Db) {}

  async append(entry: AuditRecord): Promise<void> {
    await this.db
      .insertInto('audit_log')
      .values({ ...entry, details: JSON.stringify(entry.details) })
      .execute();
  }

  async page(filter: AuditFilter, limit: number, before?: string): Promise<AuditRecord[]> {
    let query = this.db.selectFrom('audit_log').selectAll();
    if (filter.actor !== undefined) query = query.where('actor', '=', filter.actor);
    if (filter.action !== undefined) query = query.where('action', '=', filter.action);
    if (filter.from !== undefined) query = query.where('at', '>=', filter.from);
    if (filter.to !== undefined) query = query.where('at', '<=', filter.to);
    if (before !== undefined) query = query.where('id', '<', before);
    const rows = await query.orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toRecord);
  }
}
