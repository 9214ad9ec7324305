import type { Db } from '../store/db.js';
import type { AuditLogTable } from '../store/schema.js';

/** An audit row as the log keeps it (schema.ts says what each column holds), its details parsed. */
export type AuditRecord = Omit<AuditLogTable, 'details'> & { details: Record<string, unknown> };

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
