import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * What a feature store runs its queries on: the database, or a transaction the composed store opened (a Kysely
 * transaction is a `Kysely<Database>` too, with `isTransaction` set).
 */
export type Db = Kysely<Database>;

/** Runs `work` in one transaction, or inside the one `db` already is (nested work joins the outer transaction). */
export function atomically<T>(db: Db, work: (trx: Db) => Promise<T>): Promise<T> {
  if (db.isTransaction) return work(db);
  return db.transaction().execute(work);
}
