/**
 * The Parley server as a child process of a bench: its data dir and license, starting it, waiting for /healthz,
 * and keeping its output (the last lines, and a count of its warn/error log lines).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import type { ProbeSample } from './probe.js';
import { PROBE_PREFIX, readRss, SETTLED_PREFIX, sleep } from './util.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The bench's scripts that run in a target's process: the relay, and the probe and settle preloads. */
export const BENCH_JS = {
  relay: join(ROOT, 'bench/dist/relay.mjs'),
  probe: join(ROOT, 'bench/dist/probe.mjs'),
  settle: join(ROOT, 'bench/dist/settle.mjs'),
} as const;

/**
 * Transpiles them to plain JavaScript, run with bare `node`: run through `--import tsx` the relay would carry tsx's
 * loader thread (~27 MB RSS here), while Parley runs from its tsc output.
 */
export async function buildBenchScripts(): Promise<void> {
  await build({
    entryPoints: Object.fromEntries(
      Object.keys(BENCH_JS).map((name) => [name, join(ROOT, `bench/${name}.ts`)]),
    ),
    outdir: dirname(BENCH_JS.relay),
    outExtension: { '.js': '.mjs' },
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
}
const SERVER_MAIN = join(ROOT, 'packages/server/dist/main.js');
const SERVER_CLI = join(ROOT, 'packages/server/dist/cli.js');
export const ADMIN_PASSWORD = 'bench-admin-password';

/**
 * The commit the server was built from, `+dirty` when packages/server or packages/protocol have uncommitted
 * changes: others commit while benchmarks run, and figures only compare on the same code.
 */
export function codeVersion(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = git('status', '--porcelain', '--', 'packages/server', 'packages/protocol') !== '';
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? '+dirty' : ''}`;
  } catch {
    return 'unknown';
  }
}

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => done(port));
    });
  });
}

/** What bench/settle.ts writes once the heap settled (process.memoryUsage(), and whether a GC ran). */
interface SettledUsage {
  gc: boolean;
  heapUsed: number;
}

/** A child's memory after a full GC: RSS (from /proc) and V8's used heap, bytes. */
export interface Settled {
  rss: number;
  heapUsed: number;
}

/** A child process whose output is kept (the last lines, and a count of the server's warn/error log lines). */
export class Child {
  readonly tail: string[] = [];
  readonly problems = new Map<string, number>();
  /** What bench/probe.ts reported, one sample a second. */
  readonly probe: ProbeSample[] = [];
  readonly exited: Promise<number | null>;
  /** The first line it printed (probe lines aside); rejects if it exits first. */
  readonly firstLine: Promise<string>;
  private gotFirstLine: (line: string) => void = () => {};
  private settledWaiters: ((usage: SettledUsage) => void)[] = [];

  constructor(readonly process: ChildProcess) {
    this.exited = new Promise((done) => process.once('exit', (code) => done(code)));
    this.firstLine = new Promise((done, fail) => {
      this.gotFirstLine = done;
      this.exited.then((code) => fail(new Error(`exited with ${code}:\n${this.tail.join('\n')}`)));
    });
    this.firstLine.catch(() => {});
    for (const stream of [process.stdout, process.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => this.line(line));
    }
  }

  get pid(): number {
    if (this.process.pid === undefined) throw new Error('child has no pid');
    return this.process.pid;
  }

  private line(line: string): void {
    if (line.startsWith(PROBE_PREFIX)) {
      this.probe.push(JSON.parse(line.slice(PROBE_PREFIX.length)) as ProbeSample);
      return;
    }
    if (line.startsWith(SETTLED_PREFIX)) {
      const usage = JSON.parse(line.slice(SETTLED_PREFIX.length)) as SettledUsage;
      for (const waiter of this.settledWaiters.splice(0)) waiter(usage);
      return;
    }
    this.gotFirstLine(line);
    this.tail.push(line);
    if (this.tail.length > 40) this.tail.shift();
    if (!line.startsWith('{')) return;
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string };
      if ((entry.level ?? 0) >= 40) {
        const key = `${(entry.level ?? 0) >= 50 ? 'error' : 'warn'}: ${entry.msg ?? line.slice(0, 120)}`;
        this.problems.set(key, (this.problems.get(key) ?? 0) + 1);
      }
    } catch {
      // not a log line
    }
  }

  /**
   * A full GC in the child, then its RSS: the child must run with `--expose-gc` and bench/dist/settle.mjs
   * preloaded (which answers SIGUSR2).
   */
  async settle(): Promise<Settled> {
    const usage = new Promise<SettledUsage>((done) => this.settledWaiters.push(done));
    this.process.kill('SIGUSR2');
    const { gc, heapUsed } = await usage;
    if (!gc) throw new Error('the child runs without --expose-gc: no full GC before the reading');
    const rss = await readRss(this.pid);
    if (rss === null) throw new Error('the child is gone');
    return { rss, heapUsed };
  }

  /** SIGTERM, then SIGKILL if it has not exited within 10 s. */
  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    this.process.kill('SIGTERM');
    const timeout = sleep(10_000).then(() => 'timeout' as const);
    if ((await Promise.race([this.exited, timeout])) === 'timeout') {
      this.process.kill('SIGKILL');
      await this.exited;
    }
  }
}

/**
 * The evaluation license covers 20 devices: the bench's fleet gets a license of its own, made and imported with
 * `parley license` into the data dir before the server starts. Returns the environment that trusts its key.
 */
export async function licenseFleet(dataDir: string, database: DatabaseEnv): Promise<Record<string, string>> {
  const env = {
    ...process.env,
    ...database,
    PARLEY_DATA_DIR: dataDir,
    PARLEY_LICENSE_KEYS: join(dataDir, 'keys/license-public.pem'),
  };
  const parley = (...args: string[]) =>
    execFileSync(process.execPath, [SERVER_CLI, 'license', ...args], {
      env,
      encoding: 'utf8',
      stdio: 'pipe',
    });
  parley('keygen', '--out', join(dataDir, 'keys'));
  const file = join(dataDir, 'bench.license');
  await writeFile(
    file,
    parley(
      'issue',
      '--key',
      join(dataDir, 'keys/license-private.pem'),
      '--licensee',
      'Bench',
      '--devices',
      '1000000',
      '--days',
      '30',
    ),
  );
  parley('import', file);
  return { PARLEY_LICENSE_KEYS: env.PARLEY_LICENSE_KEYS };
}

/** `DATABASE_URL` of a fresh PostgreSQL database with `--postgres`; nothing (SQLite in the data dir) without. */
export type DatabaseEnv = { DATABASE_URL?: string };

export interface ParleyPlace {
  port: number;
  dataDir: string;
  database: DatabaseEnv;
  /** What licenseFleet answered: the environment that trusts the fleet's license key. */
  licensed: Record<string, string>;
  /** Modules preloaded with `node --import` (bench/dist/probe.mjs). */
  preload?: readonly string[];
  /** PARLEY_LOG_LEVEL; warn unless told. */
  logLevel?: string;
  /** Node's own flags before the script (`--cpu-prof …`). */
  nodeFlags?: readonly string[];
}

/** Starts `node packages/server/dist/main.js` on the place's port, data dir and database; does not wait. */
export function spawnParley(place: ParleyPlace): Child {
  if (!existsSync(SERVER_MAIN)) {
    throw new Error(`${SERVER_MAIN} is missing: run \`npm run build\` (or build protocol and server) first`);
  }
  const imports = (place.preload ?? []).flatMap((file) => ['--import', pathToFileURL(file).href]);
  return new Child(
    spawn(process.execPath, [...(place.nodeFlags ?? []), ...imports, SERVER_MAIN], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        HOST: '127.0.0.1',
        PORT: String(place.port),
        ...place.database,
        PARLEY_DATA_DIR: place.dataDir,
        PARLEY_ADMIN_PASSWORD: ADMIN_PASSWORD,
        PARLEY_DEMO_AGENT: '0',
        PARLEY_LOG_LEVEL: place.logLevel ?? 'warn',
        PARLEY_LOGIN_ATTEMPTS_PER_MINUTE: '10000',
        ...place.licensed,
      },
    }),
  );
}

/** Polls `/healthz` (every `pollMs`) until it answers 200; throws (and stops the child) when it exits or the time runs out. */
export async function waitHealthy(child: Child, url: string, timeoutMs: number, pollMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.process.exitCode !== null) {
      throw new Error(`parley exited with ${child.process.exitCode}:\n${child.tail.join('\n')}`);
    }
    try {
      if ((await fetch(`${url}/healthz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await child.stop();
      throw new Error(
        `parley did not answer /healthz within ${timeoutMs / 1000} s:\n${child.tail.join('\n')}`,
      );
    }
    await sleep(pollMs);
  }
}
