import { execFile, spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { verifyPassword } from '../src/auth/passwords.js';
import { LICENSE_CACHE_MS } from '../src/license/license.js';
import { openStore } from '../src/store/open.js';
import { TestClock } from './support/licenses.js';
import { ApiClient, startTestServer } from './support/server.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../..', import.meta.url));

interface PackageJson {
  name: string;
  bin?: Record<string, string>;
  workspaces?: string[];
}

function packageJson(dir: string): PackageJson {
  return JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as PackageJson;
}

/** Every `bin` of every workspace, as npm links it into node_modules/.bin at install time. */
const bins = (packageJson('.').workspaces ?? []).flatMap((dir) =>
  Object.entries(packageJson(dir).bin ?? {}).map(([name, target]) => ({ name, file: join(dir, target) })),
);

describe('the README’s commands, as npm links them', () => {
  it('finds the parley and parley-agent bins', () => {
    expect(bins.map((bin) => bin.name).sort()).toEqual(['parley', 'parley-agent']);
  });

  describe.each(bins)('$name ($file)', ({ name, file }) => {
    it('is a committed, executable file with a node shebang, so a fresh `npm ci` links it', async () => {
      const { stdout } = await run('git', ['ls-files', '--stage', '--error-unmatch', file], { cwd: root });
      expect(stdout.split(/\s/)[0]).toBe('100755');
      accessSync(join(root, file), constants.X_OK);
      expect(readFileSync(join(root, file), 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    });

    it('runs from node_modules/.bin and prints its usage', async () => {
      const { stdout } = await run(join(root, 'node_modules/.bin', name), ['--help'], { cwd: root });
      expect(stdout).toContain(`Usage: ${name} [options] [command]`);
    });

    it('says to build first when there is no build, and exits 1', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'parley-bin-'));
      try {
        mkdirSync(join(dir, 'bin'));
        writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
        const copy = join(dir, 'bin', `${name}.js`);
        copyFileSync(join(root, file), copy);
        await expect(run(process.execPath, [copy, '--help'])).rejects.toMatchObject({
          code: 1,
          stdout: '',
          stderr: `${name}: not built yet; run \`npm run build\` (or \`npm start\`) in the repository first\n`,
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});

const parley = join(root, 'node_modules/.bin/parley');

/** Runs the built `parley` on the SQLite database of `dataDir`. */
function runParley(
  args: string[],
  dataDir: string,
  input = '',
  extraEnv: Record<string, string> = {},
): { status: number | null; stdout: string; stderr: string } {
  const { DATABASE_URL: _postgres, ...env } = process.env;
  const result = spawnSync(parley, args, {
    cwd: root,
    input,
    encoding: 'utf8',
    env: { ...env, PARLEY_DATA_DIR: dataDir, ...extraEnv },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('parley operator (issue 8)', () => {
  const run = runParley;

  it('creates, lists, resets and disables operators, the password read from standard input only', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-cli-'));
    try {
      const created = run(
        [
          'operator',
          'create',
          'maria',
          '--display-name',
          'Maria Jensen',
          '--capabilities',
          'instant-messaging',
        ],
        dataDir,
        'maria password 1\n',
      );
      expect(created).toMatchObject({ status: 0, stdout: 'created operator maria\n' });
      expect(run(['operator', 'create', 'maria'], dataDir, 'maria password 2\n')).toMatchObject({
        status: 1,
        stderr: 'parley: the username maria is taken\n',
      });
      expect(run(['operator', 'create', 'short'], dataDir, 'too short\n')).toMatchObject({
        status: 1,
        stderr: 'parley: password: at least 12 characters\n',
      });
      expect(
        run(['operator', 'create', 'x', '--capabilities', 'root'], dataDir, 'long enough pass\n').stderr,
      ).toBe('parley: no such capability: root\n');
      expect(run(['operator', 'list'], dataDir).stdout).toBe(
        'maria\tMaria Jensen\tactive\tinstant-messaging\n',
      );

      const store = await openStore({ kind: 'sqlite', file: join(dataDir, 'parley.db') });
      try {
        const before = await store.operators.findByUsername('maria');
        expect(run(['operator', 'passwd', 'maria'], dataDir, 'a new password 9\n')).toMatchObject({
          status: 0,
        });
        const after = await store.operators.findByUsername('maria');
        expect(after?.passwordHash).not.toBe(before?.passwordHash);
        expect(await verifyPassword(after?.passwordHash, 'a new password 9')).toBe(true);
        expect(run(['operator', 'disable', 'maria'], dataDir)).toMatchObject({
          status: 0,
          stdout: 'maria disabled\n',
        });
        expect((await store.operators.findByUsername('maria'))?.disabled).toBe(true);
        expect(run(['operator', 'list'], dataDir).stdout).toContain('\tdisabled\t');
        expect(run(['operator', 'disable', 'nobody'], dataDir).stderr).toBe(
          'parley: no operator named nobody\n',
        );
        const actions = (await store.audit.page({ actor: 'cli' }, 10)).map((entry) => entry.action);
        expect(actions).toEqual(['operator.disable', 'operator.password_reset', 'operator.create']);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('parley license (issue 9)', () => {
  it('keygen → issue → import: a key pair, a signed license, installed on the database a running server reads again', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-cli-license-'));
    const keys = join(dataDir, 'keys');
    const privateFile = join(keys, 'license-private.pem');
    const publicFile = join(keys, 'license-public.pem');
    const clock = new TestClock();
    const server = await startTestServer({
      database: { location: { kind: 'sqlite', file: join(dataDir, 'parley.db') }, drop: async () => {} },
      license: { licenseKeyFiles: [], licenseClock: clock.now },
    });
    try {
      expect(runParley(['license', 'keygen', '--out', keys], dataDir)).toMatchObject({
        status: 0,
        stdout: `${privateFile}\n${publicFile}\n`,
      });
      expect(statSync(privateFile).mode & 0o777).toBe(0o600);
      expect(readFileSync(publicFile, 'utf8')).toContain('BEGIN PUBLIC KEY');
      expect(runParley(['license', 'keygen', '--out', keys], dataDir)).toMatchObject({
        status: 1,
        stderr: expect.stringContaining('EEXIST'),
      });

      const issued = runParley(
        [
          'license',
          'issue',
          '--key',
          privateFile,
          '--licensee',
          'Acme Ltd',
          '--devices',
          '50',
          '--days',
          '90',
        ],
        dataDir,
      );
      expect(issued.status).toBe(0);
      const file = JSON.parse(issued.stdout) as { license: Record<string, unknown> };
      expect(file.license).toMatchObject({
        licensee: 'Acme Ltd',
        deviceLimit: 50,
        features: ['direct-access'],
      });
      const licenseFile = join(dataDir, 'acme.license');
      writeFileSync(licenseFile, issued.stdout);
      const tampered = join(dataDir, 'tampered.license');
      writeFileSync(tampered, issued.stdout.replace('"deviceLimit": 50', '"deviceLimit": 5000'));

      const trusting = { PARLEY_LICENSE_KEYS: publicFile };
      expect(runParley(['license', 'import', tampered], dataDir, '', trusting)).toMatchObject({
        status: 1,
        stderr:
          'parley: license refused: the signature does not match: the license was changed after it was signed\n',
      });
      expect(runParley(['license', 'import', licenseFile], dataDir).stderr).toContain(
        'signed by a key this server does not trust',
      );
      expect(runParley(['license', 'import', licenseFile], dataDir, '', trusting)).toMatchObject({
        status: 0,
        stdout: expect.stringMatching(
          /^license of Acme Ltd installed: 50 devices until \d{4}-\d\d-\d\d \(Valid\)\n$/,
        ),
      });

      // The running server trusts the evaluation key only, and reads the database again within LICENSE_CACHE_MS.
      const api = new ApiClient(server.url);
      await api.login();
      clock.advanceMs(LICENSE_CACHE_MS);
      expect((await api.request('GET', '/api/license')).body).toMatchObject({
        status: 'Invalid',
        reason: expect.stringMatching(/does not trust/),
      });
      const actions = (await server.store.audit.page({ actor: 'cli' }, 10)).map((entry) => entry.action);
      expect(actions).toEqual(['license.import']);
      // A node started with PARLEY_LICENSE_KEYS naming the public key takes it.
      const trusted = await startTestServer({
        database: server.database,
        nodeId: 'trusting-node',
        license: { licenseKeyFiles: [publicFile] },
      });
      try {
        const trustedApi = new ApiClient(trusted.url);
        await trustedApi.login();
        expect((await trustedApi.request('GET', '/api/license')).body).toMatchObject({
          status: 'Valid',
          directAccess: true,
          licensee: 'Acme Ltd',
          deviceLimit: 50,
        });
      } finally {
        await trusted.close();
      }
    } finally {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
