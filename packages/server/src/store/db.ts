import { type Kysely, PostgresAdapter, type RawBuilder, sql } from 'kysely';
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

/** Which database `db` runs on, for the few queries that differ (full-text search). */
export function dialectOf(db: Pick<Kysely<unknown>, 'getExecutor'>): 'sqlite' | 'postgres' {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/** The UTF-8 bytes of the text column `column` (0 when null): what a size limit counts, on either database. */
export function utf8Bytes(db: Pick<Kysely<unknown>, 'getExecutor'>, column: string): RawBuilder<number> {
  return dialectOf(db) === 'postgres'
    ? sql<number>`octet_length(coalesce(${sql.ref(column)}, ''))`
    : sql<number>`length(cast(coalesce(${sql.ref(column)}, '') as blob))`;
}

/**
 * Whether `column` is one of `ids`, bound as one value (a JSON array on SQLite, an array on PostgreSQL): an operator
 * may read 100,000 devices, past both databases' limits on bound values.
 */
export function oneOf(
  db: Pick<Kysely<unknown>, 'getExecutor'>,
  column: string,
  ids: readonly string[],
): RawBuilder<boolean> {
  if (ids.length === 0) return sql<boolean>`1 = 0`;
  if (dialectOf(db) === 'postgres') return sql<boolean>`${sql.ref(column)} = any(${[...ids]}::text[])`;
  return sql<boolean>`${sql.ref(column)} in (select value from json_each(${JSON.stringify(ids)}))`;
}

/**
 * `rows` as a table bound as one JSON value (give it a name with `.as(…)`), to join a batch of keys in one statement
 * on either database: json_each on SQLite, jsonb_to_recordset on PostgreSQL.
 */
export function jsonTable<R extends Record<string, string | number>>(
  db: Pick<Kysely<unknown>, 'getExecutor'>,
  columns: { readonly [K in keyof R & string]: R[K] extends number ? 'integer' : 'text' },
  rows: readonly R[],
): RawBuilder<R> {
  const names = Object.keys(columns) as (keyof R & string)[];
  const json = JSON.stringify(rows);
  if (dialectOf(db) === 'postgres') {
    const types = sql.raw(names.map((name) => `${name} ${columns[name]}`).join(', '));
    return sql<R>`(select * from jsonb_to_recordset(${json}::jsonb) as x(${types}))`;
  }
  const picks = sql.join(
    names.map((name) => sql`json_extract(value, ${`$.${name}`}) as ${sql.id(name)}`),
    sql`, `,
  );
  return sql<R>`(select ${picks} from json_each(${json}))`;
}
