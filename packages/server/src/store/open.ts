import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import {
  Kysely,
  Migrator,
  PostgresDialect,
  type SqliteDatabase,
  SqliteDialect,
  type SqliteStatement,
} from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import { Checkpointer } from './checkpointer.js';
import { migrationProvider } from './migrations.js';
import type { Database } from './schema.js';
import { type Store, sqlStore } from './store.js';

/** Statements kept prepared: the queries are a fixed, small set, so this holds all of them. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every query anew, which was a fifth of the server's busy time under load (bench/RESULTS.md).
 * Kysely runs one query at a time on this connection and never streams here, so a statement can be reused.
 */
function withStatementCache(database: SQLite.Database): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => database.close(),
    prepare(query: string): SqliteStatement {
      let statement = statements.get(query);
      if (!statement) {
        statement = database.prepare(query);
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.clear();
        statements.set(query, statement);
      }
      return statement;
    },
  };
}

export type StoreLocation = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

function connect(location: StoreLocation, log?: Logger): Kysely<Database> {
  if (location.kind === 'postgres') {
    const pool = new pg.Pool({ connectionString: location.url, max: 10 });
    // An idle connection the server ended (restart, failover) is only logged: the pool opens a new one when needed.
    pool.on('error', (error) => log?.warn({ err: error }, 'database connection lost'));
    return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }
  // Password and session hashes and every open chat live here: readable by the server's account only (SQLite
  // gives the -wal and -shm files the database file's mode).
  mkdirSync(dirname(location.file), { recursive: true, mode: 0o700 });
  const database = new SQLite(location.file);
  chmodSync(location.file, 0o600);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  // The checkpointer's thread checkpoints every second; this (40 MB of log) is only the net should it fall behind.
  database.pragma('wal_autocheckpoint = 10000');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  // SQLite's own lower() folds ASCII only ("ÅSA" stays "Åsa"), so searches in other scripts would miss their case;
  // PostgreSQL's folds every script. No index is built on lower(), so replacing it changes no stored order.
  database.function('lower', { deterministic: true }, (value: unknown) =>
    typeof value === 'string' ? value.toLowerCase() : value,
  );
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
}

/** Opens the database and brings its schema up to date. */
export async function openStore(location: StoreLocation, log?: Logger): Promise<Store> {
  const db = connect(location, log);
  const { error, results } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    await db.destroy();
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${String(error)}`);
  }
  const store = sqlStore(db);
  if (location.kind === 'postgres') return store;
  const checkpointer = new Checkpointer(location.file, log);
  return {
    ...store,
    close: async () => {
      await checkpointer.stop();
      await store.close();
    },
  };
}
