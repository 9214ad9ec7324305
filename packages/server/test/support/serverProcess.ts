/**
 * One server node as a process of its own (`node --import tsx`), for tests that kill it: its store from
 * DATABASE_URL (PostgreSQL) or PARLEY_SQLITE_FILE, operator `admin` with PARLEY_ADMIN_PASSWORD (named "Administrator"). Prints
 * `{"port":N}` on a line once it listens.
 */
import pino from 'pino';
import { startServer } from '../../src/server.js';
import { nameAdmin } from './admin.js';

const url = process.env.DATABASE_URL;
const file = process.env.PARLEY_SQLITE_FILE ?? '';
const server = await startServer({
  host: '127.0.0.1',
  port: 0,
  store: url ? { kind: 'postgres', url } : { kind: 'sqlite', file },
  nodeId: 'process-node',
  loginAttemptsPerMinute: 1000,
  logger: pino({ level: process.env.PARLEY_TEST_LOG ?? 'silent' }),
  adminPassword: process.env.PARLEY_ADMIN_PASSWORD ?? null,
});
await nameAdmin(server);
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
