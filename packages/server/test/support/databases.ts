import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import type { StoreLocation } from '../../src/store/open.js';

/** The PostgreSQL server the tests use; the machine and CI run one with trust auth. */
export const TEST_POSTGRES_URL =
  process.env.PARLEY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TempDatabase {
  location: StoreLocation;
  drop(): Promise<void>;
}

/** A fresh SQLite file in a temp folder. */
export function tempSqlite(): TempDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'parley-test-'));
  return {
    location: { kind: 'sqlite', file: join(dir, 'parley.db') },
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A fresh PostgreSQL database, created beside `test` and dropped afterwards. */
export async function tempPostgres(): Promise<TempDatabase> {
  const name = `parley_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    location: { kind: 'postgres', url: url.toString() },
    drop: async () => {
      const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

/** Runs SQL on the database behind a location, outside the store (what an older version left behind). */
export async function rawSql(location: StoreLocation, statements: string[]): Promise<void> {
  if (location.kind === 'sqlite') {
    const db = new SQLite(location.file);
    try {
      for (const statement of statements) db.exec(statement);
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: location.url });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}
