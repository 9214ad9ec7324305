import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestJson, type ServerLink, serverLink } from '../packages/agent/src/serverLink.js';
import { signInOverTls, tlsFixture } from '../packages/server/test/support/certificates.js';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../packages/server/test/support/server.js';

const run = promisify(execFile);
const agentCli = fileURLToPath(new URL('../packages/agent/dist/cli.js', import.meta.url));

/** `parley-agent ARGS` to its end: its exit code and what it printed on stderr. */
async function agent(args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await run(process.execPath, [agentCli, ...args]);
    return { code: 0, stderr };
  } catch (error) {
    const failed = error as { code?: number; stderr?: string };
    return { code: failed.code ?? -1, stderr: failed.stderr ?? '' };
  }
}

/** The real CLI and the real console over https and wss, with a private CA made here (issue 9). */
describe('parley-agent and the console over TLS', () => {
  let server: TestServer;
  let dir: string;
  let caFile: string;
  let otherCaFile: string;
  let link: ServerLink;
  let cookie: string;
  let spki: string;
  let running: ChildProcess | null = null;
  let browser: Browser | null = null;

  beforeAll(async () => {
    const fixture = tlsFixture('parley-e2e-tls-');
    ({ dir, caFile, otherCaFile } = fixture);
    const tls = fixture.tls;
    // Chromium gets no CA on its command line; it is told to accept this one server key, nothing else.
    spki = createHash('sha256')
      .update(createPublicKey(tls.cert).export({ type: 'spki', format: 'der' }))
      .digest('base64');
    server = await startTestServer({ tls });
    link = serverLink(server.url, { ca: caFile });
    cookie = (await signInOverTls(link)).cookie;
  });
  afterAll(async () => {
    running?.kill('SIGTERM');
    await browser?.close();
    await server?.stop();
  });

  async function token(): Promise<string> {
    return (
      (await requestJson(link, 'POST', '/api/enrollment-tokens', {}, { cookie })).body as { token: string }
    ).token;
  }

  it('enrolls with --ca, then `run` with no flags connects over wss and the device is online', async () => {
    const config = join(dir, 'agent.json');
    const enrolled = await agent([
      'enroll',
      '--server',
      server.url,
      '--token',
      await token(),
      '--name',
      'PC-TLS-CLI',
      '--config',
      config,
      '--ca',
      caFile,
    ]);
    expect(enrolled).toMatchObject({ code: 0 });
    expect(JSON.parse(readFileSync(config, 'utf8'))).toMatchObject({ server: server.url, ca: caFile });
    running = spawn(process.execPath, [agentCli, 'run', '--config', config, '--no-user'], {
      stdio: 'ignore',
    });
    await expect
      .poll(
        async () => {
          const devices = (await requestJson(link, 'GET', '/api/devices', undefined, { cookie })).body as {
            name: string;
            online: boolean;
          }[];
          return devices.find((d) => d.name === 'PC-TLS-CLI')?.online;
        },
        { timeout: 20_000 },
      )
      .toBe(true);
  });

  it('refuses a server certificate of another CA, and plain http to another computer, in one line each', async () => {
    const wrong = await agent([
      'enroll',
      '--server',
      server.url,
      '--token',
      await token(),
      '--ca',
      otherCaFile,
    ]);
    expect(wrong).toEqual({
      code: 1,
      stderr: `parley-agent: cannot reach ${server.url}: its certificate is not issued by the CA in ${otherCaFile} (UNABLE_TO_VERIFY_LEAF_SIGNATURE); give --ca the PEM file of the CA that issued it\n`,
    });
    const plain = await agent([
      'enroll',
      '--server',
      'http://parley.invalid:8080',
      '--token',
      'x',
      '--config',
      join(dir, 'no.json'),
    ]);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(
      /^parley-agent: refusing plain http:\/\/parley\.invalid:8080: .*unencrypted.*use https:\/\/ .*or add --insecure to allow it anyway\n$/,
    );
  });

  it('the console signs in over https and sees the device over wss', async () => {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        `--ignore-certificate-errors-spki-list=${spki}`,
      ],
    });
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('PC-TLS-CLI').first().waitFor();
    const session = (await page.context().cookies()).find((c) => c.secure);
    expect(session?.httpOnly).toBe(true);
  });
});
