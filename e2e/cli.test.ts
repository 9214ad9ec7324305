import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, startTestServer, type TestServer } from '../packages/server/test/support/server.js';

const run = promisify(execFile);
const parleyCli = fileURLToPath(new URL('../packages/server/dist/cli.js', import.meta.url));
const agentCli = fileURLToPath(new URL('../packages/agent/dist/cli.js', import.meta.url));

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

  it('enrolls with a token kept off the command line (standard input, a file, the environment), and rotates', async () => {
    if (server.database.location.kind !== 'sqlite') throw new Error('this test needs the SQLite default');
    const env = { ...process.env, PARLEY_DATA_DIR: dirname(server.database.location.file) };
    const created = await run(process.execPath, [parleyCli, 'enrollment-token', 'create', '--uses', '3'], {
      env,
    });
    const token = created.stdout.trim();
    const dir = mkdtempSync(join(tmpdir(), 'parley-cli-enroll-'));
    const enroll = (name: string, args: string[], extra: { env?: NodeJS.ProcessEnv; input?: string } = {}) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(
          process.execPath,
          [
            agentCli,
            'enroll',
            '--server',
            server.url,
            '--name',
            name,
            '--config',
            join(dir, `${name}.json`),
            ...args,
          ],
          { env: extra.env ?? process.env },
        );
        let stderr = '';
        child.stderr.on('data', (chunk) => {
          stderr += String(chunk);
        });
        child.stdin.end(extra.input ?? '');
        child.on('exit', (code) => resolve({ code, stderr }));
      });
    const tokenFile = join(dir, 'token.txt');
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    expect(await enroll('PC-STDIN', ['--token', '-'], { input: `${token}\n` })).toMatchObject({ code: 0 });
    expect(await enroll('PC-FILE', ['--token-file', tokenFile])).toMatchObject({ code: 0 });
    expect(await enroll('PC-ENV', [], { env: { ...process.env, PARLEY_ENROLL_TOKEN: token } })).toMatchObject(
      {
        code: 0,
      },
    );
    // Three uses: a fourth is refused, and no token at all says how to give one.
    expect((await enroll('PC-FOURTH', ['--token-file', tokenFile])).stderr).toContain(
      'enrollment refused (401)',
    );
    expect((await enroll('PC-NONE', [])).stderr).toContain('no enrollment token: give it as `--token -`');

    const config = join(dir, 'PC-FILE.json');
    const before = JSON.parse(readFileSync(config, 'utf8')) as { credential: string; deviceId: string };
    await run(process.execPath, [agentCli, 'rotate', '--config', config]);
    const after = JSON.parse(readFileSync(config, 'utf8')) as { credential: string };
    expect(after.credential).not.toBe(before.credential);
    expect(statSync(config).mode & 0o777).toBe(0o600);
    expect(await server.services.devices.authenticate(before.deviceId, before.credential)).toBeNull();
    expect(await server.services.devices.authenticate(before.deviceId, after.credential)).not.toBeNull();
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
