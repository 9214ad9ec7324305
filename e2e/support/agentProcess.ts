import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const agentCli = join(root, 'packages/agent/dist/cli.js');
const recordUrl = join(root, 'e2e/support/record-url.mjs');

function runToEnd(args: string[]): Promise<void> {
  const child = spawn(process.execPath, [agentCli, ...args], { stdio: ['ignore', 'inherit', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve, reject) =>
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`parley-agent ${args[0]} failed: ${stderr}`)),
    ),
  );
}

/** A real `parley-agent` process, enrolled and running, whose opener writes page URLs to a file. */
export class AgentProcess {
  private constructor(
    readonly child: ChildProcess,
    private readonly urlFile: string,
  ) {}

  static async start(
    server: string,
    token: string,
    name: string,
    user: string | null,
  ): Promise<AgentProcess> {
    const dir = mkdtempSync(join(tmpdir(), 'parley-agent-'));
    const config = join(dir, 'agent.json');
    const urlFile = join(dir, 'opened-urls.txt');
    await runToEnd(['enroll', '--server', server, '--token', token, '--name', name, '--config', config]);
    const userArgs = user === null ? ['--no-user'] : ['--user', user];
    const child = spawn(
      process.execPath,
      [
        agentCli,
        'run',
        '--config',
        config,
        ...userArgs,
        '--open-with',
        `${process.execPath} ${recordUrl} ${urlFile}`,
      ],
      { stdio: ['ignore', 'ignore', process.env.PARLEY_TEST_LOG ? 'inherit' : 'ignore'] },
    );
    return new AgentProcess(child, urlFile);
  }

  /** The URLs the agent asked the OS to open so far. */
  openedUrls(): string[] {
    return existsSync(this.urlFile) ? readFileSync(this.urlFile, 'utf8').split('\n').filter(Boolean) : [];
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}
