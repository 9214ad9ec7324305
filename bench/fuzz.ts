/**
 * The long fuzzing run (issue 12): the short one is packages/server/test/fuzz.test.ts, in `npm test`. The real
 * server runs as a child (`node packages/server/dist/main.js`, a fresh data dir), and round after round, until the
 * time is up, every console and agent frame type (after the handshake and as the first frame), and every REST body
 * of the OpenAPI document, is fuzzed with fast-check; after each round a real conversation must still go through.
 * Its RSS is read, after a full GC (bench/settle.ts), once the first round warmed it up and at the end.
 *
 *   npm run build && node --import tsx bench/fuzz.ts [--minutes 5] [--seed N] [--max-growth-mb 64] [--json FILE]
 *
 * Exits 1 on a broken rule (a frame without its answer, an undocumented close, a 5xx, a hang), a crash, an error
 * the server logged, or RSS grown past the bound; 2 when the run itself could not start.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { PROTOCOL_VERSION } from '@parley/protocol';
import fc from 'fast-check';
import {
  bodyRoutes,
  checkHandshake,
  checkRequest,
  createRestTargets,
  expectChatWorks,
  expectStateReadable,
  FrameFuzzer,
  type FrameStats,
  fuzzFrame,
  fuzzRequest,
  newFrameStats,
  newRestStats,
  type SocketKind,
} from '../packages/server/test/support/fuzzing.js';
import {
  ApiClient,
  agentHello,
  connectConsole,
  connectRawAgent,
  TestSocket,
  wsUrl,
} from '../packages/server/test/support/server.js';
import { BENCH_JS, buildBenchScripts, freePort, ROOT } from './parley.js';
import { readRss, SETTLED_PREFIX, sleep } from './util.js';

const SERVER_MAIN = join(ROOT, 'packages/server/dist/main.js');
const ADMIN_PASSWORD = 'bench-admin-password';
/** Runs of each property per round: a round takes some seconds, so a failure is never far from its seed. */
const FRAME_RUNS = 300;
const HANDSHAKE_RUNS = 50;
const RUNS_PER_ROUTE = 10;
/** The long run waits longer than the tests for an answer: the machine is shared, a stall is not a hang. */
const ANSWER_TIMEOUT_MS = 15_000;

const log = (line: string) => process.stderr.write(`${line}\n`);
const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

interface Settled {
  rss: number;
  heapUsed: number;
}

/** Parley as a child process: its exit, the error lines it logged, its settled memory on request. */
class ParleyChild {
  readonly errors: string[] = [];
  readonly tail: string[] = [];
  readonly exited: Promise<number | null>;
  private settledWaiters: ((heapUsed: number) => void)[] = [];

  constructor(readonly process: ChildProcess) {
    this.exited = new Promise((done) => process.once('exit', (code) => done(code)));
    for (const stream of [process.stdout, process.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', (line) => this.line(line));
    }
  }

  get pid(): number {
    if (this.process.pid === undefined) throw new Error('parley has no pid');
    return this.process.pid;
  }

  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  private line(line: string): void {
    if (line.startsWith(SETTLED_PREFIX)) {
      const usage = JSON.parse(line.slice(SETTLED_PREFIX.length)) as { heapUsed: number };
      for (const waiter of this.settledWaiters.splice(0)) waiter(usage.heapUsed);
      return;
    }
    this.tail.push(line);
    if (this.tail.length > 40) this.tail.shift();
    try {
      const entry = JSON.parse(line) as { level?: number };
      if ((entry.level ?? 0) >= 50) this.errors.push(line);
    } catch {
      // not a log line
    }
  }

  /** A full GC in the child, then its RSS. */
  async settle(): Promise<Settled> {
    const heap = new Promise<number>((done) => this.settledWaiters.push(done));
    this.process.kill('SIGUSR2');
    const heapUsed = await heap;
    const rss = await readRss(this.pid);
    if (rss === null) throw new Error('parley is gone');
    return { rss, heapUsed };
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.process.kill('SIGTERM');
    if ((await Promise.race([this.exited, sleep(10_000).then(() => 'timeout' as const)])) === 'timeout') {
      this.process.kill('SIGKILL');
      await this.exited;
    }
  }
}

async function startParley(): Promise<{ child: ParleyChild; url: string; dataDir: string }> {
  if (!existsSync(SERVER_MAIN)) {
    throw new Error(`${SERVER_MAIN} is missing: run \`npm run build\` (or build protocol and server) first`);
  }
  await buildBenchScripts();
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-fuzz-'));
  const child = new ParleyChild(
    spawn(process.execPath, ['--expose-gc', '--import', pathToFileURL(BENCH_JS.settle).href, SERVER_MAIN], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        HOST: '127.0.0.1',
        PORT: String(port),
        PARLEY_DATA_DIR: dataDir,
        PARLEY_ADMIN_PASSWORD: ADMIN_PASSWORD,
        PARLEY_DEMO_AGENT: '0',
        PARLEY_LOG_LEVEL: 'warn',
        PARLEY_LOGIN_ATTEMPTS_PER_MINUTE: '100000',
      },
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (!child.running) throw new Error(`parley exited:\n${child.tail.join('\n')}`);
    try {
      if ((await fetch(`${url}/healthz`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await child.stop();
      throw new Error(`parley did not answer /healthz within 30 s:\n${child.tail.join('\n')}`);
    }
    await sleep(100);
  }
  return { child, url, dataDir };
}

function counts<K extends string | number>(map: Map<K, number>): string {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([key, n]) => `${key} ${n}`)
    .join(', ');
}

/** fast-check's report (seed, counterexample) and the broken rule under it, cut to a readable length. */
function failure(error: unknown): string {
  const cut = (text: string) =>
    text.length > 2000 ? `${text.slice(0, 2000)}… (${text.length} chars)` : text;
  if (!(error instanceof Error)) return cut(String(error));
  const cause = error.cause instanceof Error ? `\n  caused by: ${cut(error.cause.message)}` : '';
  return `${cut(error.message)}${cause}`;
}

function merged<K>(a: Map<K, number>, b: Map<K, number>): Map<K, number> {
  const sum = new Map(a);
  for (const [key, n] of b) sum.set(key, (sum.get(key) ?? 0) + n);
  return sum;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '5' },
      seed: { type: 'string' },
      'max-growth-mb': { type: 'string', default: '64' },
      json: { type: 'string' },
    },
  });
  const minutes = Number(values.minutes);
  const maxGrowthMb = Number(values['max-growth-mb']);
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
  if (!(minutes > 0) || !(maxGrowthMb > 0) || !Number.isInteger(seed)) {
    throw new Error('--minutes and --max-growth-mb must be positive, --seed an integer');
  }
  const machine = `${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown cpu'}), node ${process.version}`;
  log(`node --import tsx bench/fuzz.ts --minutes ${minutes} --seed ${seed} --max-growth-mb ${maxGrowthMb}`);
  log(machine);

  const { child, url, dataDir } = await startParley();
  const server = { url };
  const started = Date.now();
  const problems: string[] = [];
  const frameStats: Record<SocketKind, FrameStats> = { console: newFrameStats(), agent: newFrameStats() };
  const handshakeStats = newFrameStats();
  const restStats = newRestStats();
  let rounds = 0;
  let settledStart: Settled | null = null;
  let settledEnd: Settled | null = null;
  let consoleFuzzer: FrameFuzzer | null = null;
  let agentFuzzer: FrameFuzzer | null = null;
  try {
    const api = new ApiClient(url);
    await api.login('admin', ADMIN_PASSWORD);
    // The end user must know who writes to them: a chat needs the operator's display name.
    await api.request('PUT', '/api/auth/display-name', { displayName: 'Administrator' });
    const device = await connectRawAgent(server, api, ['bob'], 'PC-fuzz');
    const opened = await api.request('POST', `/api/devices/${device.deviceId}/chats`);
    if (opened.status !== 201)
      throw new Error(`opening the fuzzed chat: ${opened.status} ${JSON.stringify(opened.body)}`);
    device.socket.close();
    const handshakeDevice = await connectRawAgent(server, api, ['carol'], 'PC-handshake');
    handshakeDevice.socket.close();
    const targets = {
      chatId: String(opened.body.chatId),
      deviceId: device.deviceId,
      credential: device.credential,
    };
    const handshakeTargets = {
      ...targets,
      deviceId: handshakeDevice.deviceId,
      credential: handshakeDevice.credential,
    };
    const agentSocket = async () => {
      const socket = await TestSocket.connect(wsUrl(server, '/ws/agent'));
      socket.send(agentHello(device.deviceId, device.credential, 'PC-fuzz', ['bob']));
      await socket.next((f) => f.type === 'agent.open_chats' && f.more === false, ANSWER_TIMEOUT_MS);
      return socket;
    };
    consoleFuzzer = new FrameFuzzer(
      'console',
      () => connectConsole(server, api),
      targets.chatId,
      frameStats.console,
      ANSWER_TIMEOUT_MS,
    );
    agentFuzzer = new FrameFuzzer('agent', agentSocket, targets.chatId, frameStats.agent, ANSWER_TIMEOUT_MS);
    const fuzzers = { console: consoleFuzzer, agent: agentFuzzer };
    const hellos = {
      console: { type: 'hello', protocolVersion: PROTOCOL_VERSION },
      agent: agentHello(handshakeDevice.deviceId, handshakeDevice.credential, 'PC-handshake', ['carol']),
    };
    const routes = bodyRoutes((await api.request('GET', '/api/openapi.json')).body);
    const restTargets = await createRestTargets(api, targets.deviceId, targets.chatId);
    // A session of its own: the fuzzed chat opens use up that session's budget (30 a minute), not the one that
    // proves after each round that a chat still opens.
    const restApi = new ApiClient(url);
    await restApi.login('admin', ADMIN_PASSWORD);

    const deadline = started + minutes * 60_000;
    while (Date.now() < deadline || rounds < 2) {
      const roundSeed = seed + rounds * 1000;
      const options = { numRuns: FRAME_RUNS, endOnFailure: true };
      for (const kind of ['console', 'agent'] as const) {
        const fuzzer = fuzzers[kind];
        await fc.assert(
          fc.asyncProperty(fuzzFrame(kind, targets), (payload) => fuzzer.check(payload)),
          { ...options, seed: roundSeed + (kind === 'console' ? 1 : 2) },
        );
        await fc.assert(
          fc.asyncProperty(fuzzFrame(kind, handshakeTargets), async (payload) => {
            const socket =
              kind === 'console'
                ? await TestSocket.connect(wsUrl(server, '/ws/console'), { origin: url, cookie: api.cookie })
                : await TestSocket.connect(wsUrl(server, '/ws/agent'));
            await checkHandshake(
              kind,
              socket,
              payload,
              handshakeTargets,
              hellos[kind],
              handshakeStats,
              ANSWER_TIMEOUT_MS,
            );
          }),
          { ...options, numRuns: HANDSHAKE_RUNS, seed: roundSeed + (kind === 'console' ? 3 : 4) },
        );
      }
      for (const [i, route] of routes.entries()) {
        await fc.assert(
          fc.asyncProperty(fuzzRequest(route, restTargets), (request) =>
            checkRequest(restApi, request, restStats, ANSWER_TIMEOUT_MS),
          ),
          { ...options, numRuns: RUNS_PER_ROUTE, seed: roundSeed + 10 + i },
        );
      }
      await expectStateReadable(restApi);
      await expectChatWorks(api, targets.deviceId, consoleFuzzer, agentFuzzer, ANSWER_TIMEOUT_MS);
      rounds++;
      if (!child.running) throw new Error('parley exited');
      // After the first round every code path has run once: what grows from here on is what would leak.
      if (rounds === 1) settledStart = await child.settle();
      log(
        `round ${rounds} (seed ${roundSeed}): ${frameStats.console.frames + frameStats.agent.frames + handshakeStats.frames} frames, ${restStats.requests} requests, ${Math.round((Date.now() - started) / 1000)} s`,
      );
    }
    consoleFuzzer.close();
    agentFuzzer.close();
    settledEnd = await child.settle();
  } catch (error) {
    problems.push(failure(error));
  } finally {
    consoleFuzzer?.close();
    agentFuzzer?.close();
    if (!child.running)
      problems.push(
        `parley exited (${child.process.exitCode ?? child.process.signalCode}):\n${child.tail.join('\n')}`,
      );
    await child.stop();
    await rm(dataDir, { recursive: true, force: true });
  }

  const seconds = Math.round((Date.now() - started) / 1000);
  const growth = settledStart && settledEnd ? settledEnd.rss - settledStart.rss : null;
  if (growth !== null && growth > maxGrowthMb * 2 ** 20) {
    problems.push(`RSS grew by ${mb(growth)} MB after GC, past the bound of ${maxGrowthMb} MB`);
  }
  for (const line of child.errors.slice(0, 10)) problems.push(`parley logged an error: ${line}`);
  const frames = frameStats.console.frames + frameStats.agent.frames;
  const out = [
    '',
    `${rounds} rounds in ${seconds} s (seed ${seed}); ${machine}`,
    `frames after the handshake: ${frames} (console ${frameStats.console.frames} on ${frameStats.console.sockets} sockets, agent ${frameStats.agent.frames} on ${frameStats.agent.sockets})`,
    `  errors: ${counts(merged(frameStats.console.errors, frameStats.agent.errors))}`,
    `  closes: ${counts(merged(frameStats.console.closes, frameStats.agent.closes))}`,
    `first frames of a socket: ${handshakeStats.frames}; closes: ${counts(handshakeStats.closes)}`,
    `REST requests: ${restStats.requests} over ${RUNS_PER_ROUTE * rounds} per route; statuses: ${counts(restStats.statuses)}`,
    settledStart && settledEnd
      ? `RSS after GC: ${mb(settledStart.rss)} MB after round 1 → ${mb(settledEnd.rss)} MB at the end (${growth !== null && growth >= 0 ? '+' : ''}${mb(growth ?? 0)} MB, bound ${maxGrowthMb} MB); heap ${mb(settledStart.heapUsed)} → ${mb(settledEnd.heapUsed)} MB`
      : 'RSS: not measured (the run stopped before)',
    ...problems.map((problem) => `!!! FAIL: ${problem}`),
    ...(problems.length === 0
      ? ['No crash, no hang, no 5xx, every frame answered; memory within the bound.']
      : []),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  if (values.json) {
    await writeFile(
      values.json,
      `${JSON.stringify(
        {
          date: new Date().toISOString(),
          machine,
          seed,
          minutes,
          rounds,
          seconds,
          frames,
          handshakeFrames: handshakeStats.frames,
          requests: restStats.requests,
          statuses: Object.fromEntries(restStats.statuses),
          rss: { start: settledStart?.rss ?? null, end: settledEnd?.rss ?? null },
          heapUsed: { start: settledStart?.heapUsed ?? null, end: settledEnd?.heapUsed ?? null },
          problems,
        },
        null,
        2,
      )}\n`,
    );
  }
  return problems.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`fuzz: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(2);
  },
);
