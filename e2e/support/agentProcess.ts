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

/** What the stand-in opener does after it recorded the URL: exit, fail, or stay a while like a real launcher. */
export type Opener = 'records' | 'fails' | 'lingers';
const OPENER_FLAGS: Record<Opener, string> = { records: '', fails: ' --fail', lingers: ' --linger' };

/** A real `parley-agent` process, enrolled and running, whose opener writes page URLs to a file. */
export class AgentProcess {
  private constructor(
    public child: ChildProcess,
    private readonly runArgs: string[],
    private readonly urlFile: string,
    /** The agent's own directory (credential, saved page state), readable by root only. */
    readonly dir: string,
  ) {}

  static async start(
    server: string,
    token: string,
    name: string,
    /** Who is logged on (`--user` for each), or nobody (`--no-user`). */
    user: string | readonly string[] | null,
    opener: Opener = 'records',
  ): Promise<AgentProcess> {
    const dir = mkdtempSync(join(tmpdir(), 'parley-agent-'));
    const config = join(dir, 'agent.json');
    const urlFile = join(dir, 'opened-urls.txt');
    await runToEnd(['enroll', '--server', server, '--token', token, '--name', name, '--config', config]);
    const userArgs = user === null ? ['--no-user'] : [user].flat().flatMap((name) => ['--user', name]);
    const runArgs = [
      agentCli,
      'run',
      '--config',
      config,
      ...userArgs,
      '--open-with',
      `${process.execPath} ${recordUrl}${OPENER_FLAGS[opener]} ${urlFile}`,
    ];
    return new AgentProcess(AgentProcess.spawnRun(runArgs), runArgs, urlFile, dir);
  }

  private static spawnRun(runArgs: string[]): ChildProcess {
    return spawn(process.execPath, runArgs, {
      stdio: ['ignore', 'ignore', process.env.PARLEY_TEST_LOG ? 'inherit' : 'ignore'],
    });
  }

  /** The URLs the agent asked the OS to open so far. */
  openedUrls(): string[] {
    return existsSync(this.urlFile) ? readFileSync(this.urlFile, 'utf8').split('\n').filter(Boolean) : [];
  }

  /** Kills the agent at once (SIGKILL: no goodbye to the server or its pages), as a crash would. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
  }

  /** Runs the agent again with the same credential and saved state (after `kill` or `stop`). */
  restart(): void {
    if (this.child.exitCode === null && this.child.signalCode === null)
      throw new Error('the agent is running');
    this.child = AgentProcess.spawnRun(this.runArgs);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}
