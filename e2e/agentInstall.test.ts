import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AgentPackage, EnrollmentTokenCreated } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { installCommand } from '../packages/console/src/devices/installCommands.js';
import { ApiClient, useTestServer } from '../packages/server/test/support/server.js';
import { Harness } from './support/harness.js';

const run = promisify(execFile);

/** The agent package the server serves (npm run build packs it), installed on a "device" with the dialog's command. */
describe('the agent package (npm run build first)', () => {
  const suite = useTestServer();

  it('is served with its SHA-256 to operators who add devices, and the file to anyone', async () => {
    expect((await new ApiClient(suite.server.url).request('GET', '/api/agent-package')).status).toBe(401);
    const info = AgentPackage.parse((await suite.api.request('GET', '/api/agent-package')).body);
    expect(info.url).toBe('/downloads/parley-agent.tgz');
    const download = await fetch(new URL(info.url, suite.server.url));
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/gzip');
    const body = Buffer.from(await download.arrayBuffer());
    expect(body.length).toBe(info.bytes);
    expect(createHash('sha256').update(body).digest('hex')).toBe(info.sha256);
  });

  it('the Linux command installs it without the registry and enrolls the device, the token off every command line', async () => {
    const agentPackage = AgentPackage.parse((await suite.api.request('GET', '/api/agent-package')).body);
    const { token } = EnrollmentTokenCreated.parse(
      (await suite.api.request('POST', '/api/enrollment-tokens')).body,
    );
    const device = mkdtempSync(join(tmpdir(), 'parley-device-'));
    const config = join(device, 'agent.json');
    const command = installCommand('linux', { origin: suite.server.url, token, agentPackage, config });
    // The token is in the command only as what the shell's echo writes to the agent's standard input.
    expect(command.split(token)).toHaveLength(2);
    expect(command).toContain(
      `echo '${token}' | sudo parley-agent enroll --server '${suite.server.url}' --token -`,
    );

    // The edge of the world: this test runs as root with no sudo to ask, and npm installs "globally" into the
    // device's folder, offline (everything the agent loads is inside the package).
    const bin = join(device, 'bin');
    const prefix = join(device, 'prefix');
    await run('mkdir', ['-p', bin]);
    writeFileSync(join(bin, 'sudo'), '#!/bin/sh\nexec "$@"\n');
    chmodSync(join(bin, 'sudo'), 0o755);
    const env = {
      ...process.env,
      PATH: `${bin}:${join(prefix, 'bin')}:${process.env.PATH ?? ''}`,
      npm_config_prefix: prefix,
      npm_config_offline: 'true',
      npm_config_cache: join(device, 'npm-cache'),
    };
    await run('bash', ['-c', command], { env, timeout: 60_000 });

    const { deviceId } = JSON.parse(readFileSync(config, 'utf8')) as { deviceId: string };
    expect((await suite.api.request('GET', `/api/devices/${deviceId}`)).status).toBe(200);
    const installed = join(prefix, 'lib', 'node_modules', '@parley', 'agent', 'package.json');
    expect((JSON.parse(readFileSync(installed, 'utf8')) as { version: string }).version).toBe(
      agentPackage.version,
    );
    const { stdout } = await run(join(prefix, 'bin', 'parley-agent'), ['--help'], { env });
    expect(stdout).toContain('Usage: parley-agent');
  });

  it('the Add device dialog shows the one line for Linux, macOS and Windows, with its token filled in', async () => {
    const h = await Harness.start();
    try {
      const page = await h.signIn();
      await page.getByRole('button', { name: 'Add device' }).click();
      const dialog = page.getByRole('dialog', { name: 'Add a device' });
      const info = AgentPackage.parse((await suite.api.request('GET', '/api/agent-package')).body);
      for (const system of ['Linux', 'macOS', 'Windows']) {
        await dialog.getByRole('button', { name: `Copy ${system} install command` }).waitFor();
      }
      const codes = await dialog.locator('code').allInnerTexts();
      const token = codes[0] ?? '';
      expect(token.length).toBeGreaterThan(20);
      const origin = new URL(page.url()).origin;
      for (const os of ['linux', 'macos', 'windows'] as const) {
        expect(codes).toContain(installCommand(os, { origin, token, agentPackage: info }));
      }
      expect(codes).toContain(info.sha256);
    } finally {
      await h.stop();
    }
  });

  it('the macOS and Windows commands check the same SHA-256 and give the token on standard input', async () => {
    const agentPackage = AgentPackage.parse((await suite.api.request('GET', '/api/agent-package')).body);
    const facts = { origin: 'https://help.example.com', token: 'tok-123', agentPackage };
    const mac = installCommand('macos', facts);
    expect(mac).toContain(`echo '${agentPackage.sha256}  '"$d/parley-agent.tgz" | shasum -a 256 -c -`);
    expect(mac).toContain(
      "echo 'tok-123' | sudo parley-agent enroll --server 'https://help.example.com' --token -",
    );
    const windows = installCommand('windows', facts);
    expect(windows).toContain(
      "Invoke-WebRequest 'https://help.example.com/downloads/parley-agent.tgz' -OutFile $f",
    );
    expect(windows).toContain(`(Get-FileHash $f -Algorithm SHA256).Hash -ne '${agentPackage.sha256}'`);
    expect(windows).toContain(
      "'tok-123' | parley-agent enroll --server 'https://help.example.com' --token -",
    );
  });
});
