import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, startTestServer, type TestServer } from '../packages/server/test/support/server.js';

const run = promisify(execFile);
const parleyCli = fileURLToPath(new URL('../packages/server/dist/cli.js', import.meta.url));

describe('the parley command line', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.stop());

  it('creates an enrollment token an agent can exchange once', async () => {
    if (server.database.location.kind !== 'sqlite') throw new Error('this test needs the SQLite default');
    const dataDir = dirname(server.database.location.file);
    const { stdout, stderr } = await run(process.execPath, [parleyCli, 'enrollment-token', 'create'], {
      env: { ...process.env, PARLEY_DATA_DIR: dataDir },
    });
    const token = stdout.trim();
    expect(token).toMatch(/^[\w-]{43}$/);
    expect(stderr).toContain('parley-agent enroll --server URL --token');

    const api = new ApiClient(server.url);
    const body = { token, name: 'PC-CLI', os: 'linux' };
    expect((await api.request('POST', '/api/agents/enroll', body)).status).toBe(201);
    expect((await api.request('POST', '/api/agents/enroll', body)).status).toBe(401);
  });

  it('explains a bad configuration and exits non-zero', async () => {
    const failed = run(process.execPath, [parleyCli, 'enrollment-token', 'create'], {
      env: {
        ...process.env,
        DATABASE_URL: 'mysql://nope',
        PARLEY_DATA_DIR: join(dirname(parleyCli), 'nowhere'),
      },
    });
    await expect(failed).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('DATABASE_URL must be a postgres:// URL'),
    });
  });
});
