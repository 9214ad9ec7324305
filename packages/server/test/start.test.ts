import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TEST_NATS_URL } from './support/server.js';

const serverDir = fileURLToPath(new URL('..', import.meta.url));

/**
 * `npm start`'s program (src/main.ts) in a process of its own on a port of its choosing, without the demo agent:
 * what it printed once its banner is out, and what it printed on standard error meanwhile. Stopped after.
 */
async function startOnce(
  dataDir: string,
  env: Record<string, string> = {},
  signals: NodeJS.Signals[] = ['SIGTERM'],
): Promise<{ out: string; err: string; code: number | null }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: serverDir,
    env: { ...process.env, PORT: '0', PARLEY_DATA_DIR: dataDir, PARLEY_DEMO_AGENT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (data: Buffer) => {
    err += data.toString();
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (data: Buffer) => {
      out += data.toString();
      // Every banner ends with where the logs go, or (logs on standard output) with the admin's sign-in line.
      if (
        /Logs \(JSON\): .+\n\n$/.test(out) ||
        (env.PARLEY_LOG_FORMAT === 'json' && /passwd admin\n\n/.test(out))
      )
        resolve();
    });
    child.once('exit', (code) => reject(new Error(`exited (${code}) before its banner: ${out}${err}`)));
  });
  const exited = once(child, 'exit') as Promise<[number | null]>;
  for (const signal of signals) child.kill(signal);
  const [code] = await exited;
  return { out, err, code };
}

describe('npm start', () => {
  it('prints for people: the URL, a generated password once, then how to reset it; JSON logs go to a file', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-start-'));
    const first = await startOnce(dataDir);
    expect(first.out).toMatch(/Parley is running: http:\/\/localhost:\d+\n/);
    const password = /Sign in as admin with password: (\S+)\n/.exec(first.out)?.[1];
    expect(password?.length).toBe(20);
    expect(first.out).toContain('To set another one later: npx parley operator passwd admin');
    expect(first.out).not.toMatch(/^\{/m);
    const logFile = join(dataDir, 'parley.log');
    expect(first.out).toContain(`Logs (JSON): ${logFile}`);
    const logged = readFileSync(logFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { msg: string });
    expect(logged.map((line) => line.msg)).toContain('evaluation license created');

    const again = await startOnce(dataDir);
    expect(again.out).not.toContain(password);
    expect(again.out).not.toContain('you chose');
    expect(again.out).toContain('Lost it? Set a new one (it asks for it): npx parley operator passwd admin');
    expect(readFileSync(logFile, 'utf8')).not.toContain(password);
  });

  it('Ctrl-C in a terminal beside a SIGTERM (a process group stopped): one clean shutdown, the NATS bus closed once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-start-'));
    const stopped = await startOnce(dataDir, { NATS_URL: TEST_NATS_URL }, ['SIGINT', 'SIGTERM']);
    expect(stopped.err).not.toContain('DrainingConnectionError');
    expect(stopped.code).toBe(0);
  });

  it('PARLEY_LOG_FORMAT=json prints the JSON log lines on standard output, as before', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-start-'));
    const { out } = await startOnce(dataDir, { PARLEY_LOG_FORMAT: 'json' });
    const json = out.split('\n').filter((line) => line.startsWith('{'));
    expect(json.map((line) => (JSON.parse(line) as { msg: string }).msg)).toContain(
      'evaluation license created',
    );
    expect(out).toContain('Sign in as admin with password: ');
    expect(out).not.toContain('Logs (JSON)');
  });
});
