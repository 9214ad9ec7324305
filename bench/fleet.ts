/**
 * The fleet bench (issue 12, "Fleet"): many idle authenticated agents on one node. It seeds N devices with
 * credentials into a fresh database through the server's own store code, starts the built server as a child, and
 * connects N agents from several generator processes (this file again, `--generator`), each agent on the protocol's
 * reconnect loop with the agent's own backoff (packages/agent/src/connection.ts). It measures, for Parley and then
 * for the bare relay (bench/relay.ts) with N plain sockets:
 *
 * - RSS and V8 heap after a full GC (bench/settle.ts) with 0 agents and with N → bytes per agent;
 * - the server's CPU over an idle window with N agents (the heartbeat pings them every HEARTBEAT_MS) → CPU µs per
 *   agent per heartbeat interval;
 * - a mass reconnect: all N dropped at once (`--reconnect close`: every generator cuts its sockets; `restart`: the
 *   server is stopped and started again on the same port and database), then the time until every agent is
 *   authenticated again, the kernel's listen-queue overflows meanwhile (/proc/net/netstat), and `/healthz`, probed
 *   every 500 ms, answering meanwhile (its worst latency).
 *
 *   npm run build && node --import tsx bench/fleet.ts [--agents 10000] [--generators 5] [--reconnect close|restart]
 *     [--idle-seconds 30] [--targets parley,relay] [--json FILE]
 *
 * Exits 1 when an agent did not come back or a figure missed its target (≤ 8 KB per agent after GC, all back
 * within 60 s); 2 when the bench could not run (the file-descriptor limit too low for N among them).
 */
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { HEARTBEAT_MS, MAX_SERVER_FRAME_BYTES, ReconnectLoop } from '@parley/protocol';
import WebSocket from 'ws';
import { AGENT_BACKOFF } from '../packages/agent/src/connection.js';
import { wsSocketHandle } from '../packages/agent/src/wsSocket.js';
import { hashSecret, newSecret, uuidv7 } from '../packages/server/src/ids.js';
import { openStore } from '../packages/server/src/store/open.js';
import { agentHello, http, pool } from './client.js';
import {
  BENCH_JS,
  buildBenchScripts,
  Child,
  codeVersion,
  freePort,
  licenseFleet,
  ROOT,
  type Settled,
  spawnParley,
  waitHealthy,
} from './parley.js';
import { isEntryPoint, readCpuMs, readMachineCpuMs, sleep } from './util.js';

const SELF = fileURLToPath(import.meta.url);
/** File descriptors a server needs beside its sockets (database, log, listening socket, node's own). */
const FD_MARGIN = 512;
const TARGET_BYTES_PER_AGENT = 8 * 1024;
const TARGET_RECONNECT_MS = 60_000;
const HEALTH_PROBE_MS = 500;

const log = (line: string) => process.stderr.write(`${line}\n`);

export type TargetKind = 'parley' | 'relay';

/** What an agent of the fleet needs to connect: its device id and credential. */
export interface FleetDevice {
  deviceId: string;
  credential: string;
  name: string;
}

// ---------------------------------------------------------------------------------------------------------------
// The generator: a child process holding its share of the fleet.

type ToGenerator =
  | {
      type: 'start';
      url: string;
      kind: TargetKind;
      localAddress: string;
      devices: FleetDevice[];
      concurrency: number;
    }
  /** From now on, count each agent back once it closed and is authenticated again; `cut` closes every socket. */
  | { type: 'mark'; cut: boolean }
  | { type: 'summary' }
  | { type: 'stop' };

interface GeneratorReport {
  type: 'report';
  /** Agents authenticated now. */
  ready: number;
  /** Agents authenticated again since the last mark (after a close). */
  back: number;
  /** Sockets opened (TCP and upgrade done) and connection attempts that failed before that. */
  opened: number;
  failed: number;
  /** Error frames by code, closes by code. */
  errors: Record<string, number>;
  closes: Record<string, number>;
}

interface GeneratorSummary {
  type: 'summary';
  /** ms from the mark to each agent's return, in no order. */
  backMs: number[];
  /** The longest single wait of the reconnect loop since the mark. */
  maxWaitMs: number;
}

type FromGenerator = GeneratorReport | GeneratorSummary | { type: 'started' };

/** One agent: the protocol's reconnect loop with the agent's backoff, a `ws` socket from the generator's address. */
class FleetAgent {
  ready = false;
  ws: WebSocket | null = null;
  closedSinceMark = false;
  backAt: number | null = null;
  private readonly loop: ReconnectLoop;
  private firstReady: (() => void) | null = null;

  constructor(
    device: FleetDevice,
    url: string,
    kind: TargetKind,
    localAddress: string,
    private readonly fleet: GeneratorState,
  ) {
    const hello = JSON.stringify(
      kind === 'parley'
        ? agentHello({ ...device, user: `user-${device.name}` })
        : { type: 'agent.hello', deviceId: device.deviceId },
    );
    this.loop = new ReconnectLoop({
      url: () => url,
      backoff: AGENT_BACKOFF,
      connect: (target, handlers) => {
        const ws = new WebSocket(target, {
          perMessageDeflate: false,
          maxPayload: MAX_SERVER_FRAME_BYTES,
          localAddress,
        });
        this.ws = ws;
        ws.once('open', () => fleet.opened++);
        ws.once('unexpected-response', () => fleet.failed++);
        ws.once('error', () => {
          if (ws.readyState !== WebSocket.OPEN) fleet.failed++;
        });
        return wsSocketHandle(ws, handlers);
      },
      onOpen: () => this.loop.send(hello),
      onMessage: (data) => this.message(data, kind),
      onClose: (code) => {
        fleet.count(fleet.closes, String(code));
        this.closedSinceMark = true;
        if (this.ready) {
          this.ready = false;
          fleet.ready--;
        }
        fleet.changed = true;
        return 'retry';
      },
      onWait: (delay) => {
        fleet.maxWaitMs = Math.max(fleet.maxWaitMs, delay);
      },
    });
  }

  /** Starts the loop; resolves once first authenticated. */
  start(): Promise<void> {
    return new Promise((resolve) => {
      this.firstReady = resolve;
      this.loop.start();
    });
  }

  stop(): void {
    this.loop.stop();
  }

  private message(data: string, kind: TargetKind): void {
    let frame: { type?: string; more?: boolean; code?: string };
    try {
      frame = JSON.parse(data) as typeof frame;
    } catch {
      return;
    }
    if (frame.type === 'error') this.fleet.count(this.fleet.errors, frame.code ?? 'unknown');
    // Parley's agent is ready once the last part of its open chats came (as packages/agent/src/connection.ts).
    const ready =
      kind === 'parley' ? frame.type === 'agent.open_chats' && !frame.more : frame.type === 'agent.welcome';
    if (!ready || this.ready) return;
    this.ready = true;
    this.loop.resetBackoff();
    this.fleet.ready++;
    if (this.closedSinceMark && this.backAt === null) {
      this.backAt = Date.now();
      this.fleet.back++;
    }
    this.fleet.changed = true;
    this.firstReady?.();
    this.firstReady = null;
  }
}

class GeneratorState {
  ready = 0;
  back = 0;
  opened = 0;
  failed = 0;
  maxWaitMs = 0;
  markedAt = 0;
  changed = true;
  readonly errors: Record<string, number> = {};
  readonly closes: Record<string, number> = {};
  agents: FleetAgent[] = [];

  count(into: Record<string, number>, key: string): void {
    into[key] = (into[key] ?? 0) + 1;
  }
}

function runGenerator(): void {
  const fleet = new GeneratorState();
  const send = (message: FromGenerator) => process.send?.(message);
  const report = () => {
    if (!fleet.changed) return;
    fleet.changed = false;
    send({
      type: 'report',
      ready: fleet.ready,
      back: fleet.back,
      opened: fleet.opened,
      failed: fleet.failed,
      errors: fleet.errors,
      closes: fleet.closes,
    });
  };
  setInterval(report, 200);
  process.on('message', (message: ToGenerator) => {
    switch (message.type) {
      case 'start': {
        fleet.agents = message.devices.map(
          (d) => new FleetAgent(d, message.url, message.kind, message.localAddress, fleet),
        );
        // The first connections are paced (at most `concurrency` hellos in flight): setup is not the storm.
        pool(
          fleet.agents.length,
          message.concurrency,
          (i) => fleet.agents[i]?.start() ?? Promise.resolve(),
        ).then(() => send({ type: 'started' }));
        return;
      }
      case 'mark':
        fleet.markedAt = Date.now();
        fleet.back = 0;
        fleet.maxWaitMs = 0;
        for (const agent of fleet.agents) {
          agent.closedSinceMark = false;
          agent.backAt = null;
        }
        if (message.cut) for (const agent of fleet.agents) agent.ws?.terminate();
        fleet.changed = true;
        return;
      case 'summary':
        send({
          type: 'summary',
          backMs: fleet.agents.flatMap((a) => (a.backAt === null ? [] : [a.backAt - fleet.markedAt])),
          maxWaitMs: fleet.maxWaitMs,
        });
        return;
      case 'stop':
        for (const agent of fleet.agents) agent.stop();
        setTimeout(() => process.exit(0), 500);
        return;
    }
  });
}

/** The parent's handle on one generator. */
class Generator {
  last: GeneratorReport = { type: 'report', ready: 0, back: 0, opened: 0, failed: 0, errors: {}, closes: {} };
  readonly started: Promise<void>;
  private summaryWaiter: ((summary: GeneratorSummary) => void) | null = null;

  constructor(readonly process: ChildProcess) {
    let started = () => {};
    this.started = new Promise((done) => {
      started = done;
    });
    process.on('message', (message: FromGenerator) => {
      if (message.type === 'report') this.last = message;
      else if (message.type === 'started') started();
      else {
        this.summaryWaiter?.(message);
        this.summaryWaiter = null;
      }
    });
  }

  send(message: ToGenerator): void {
    this.process.send(message);
  }

  summary(): Promise<GeneratorSummary> {
    return new Promise((done) => {
      this.summaryWaiter = done;
      this.send({ type: 'summary' });
    });
  }

  cpuMs(): Promise<number | null> {
    return this.process.pid === undefined ? Promise.resolve(null) : readCpuMs(this.process.pid);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The parent.

/** The bench cannot run as asked (exit 2). */
class CannotRun extends Error {}

/** The soft and hard limit of open files of a process (/proc/PID/limits). */
async function fdLimit(pid: number | 'self'): Promise<{ soft: number; hard: number }> {
  const limits = await readFile(`/proc/${pid}/limits`, 'utf8');
  const match = /^Max open files\s+(\d+)\s+(\d+)/m.exec(limits);
  if (!match) throw new CannotRun(`no "Max open files" in /proc/${pid}/limits`);
  return { soft: Number(match[1]), hard: Number(match[2]) };
}

/**
 * Raises the process's open-file limit to `need` with `prlimit` (soft and hard). Where that is not allowed (no
 * CAP_SYS_RESOURCE: a container) the limit stays; it throws CannotRun when the limit it has is below `need`.
 */
async function raiseFdLimit(pid: number, need: number, what: string): Promise<number> {
  const before = await fdLimit(pid);
  if (before.soft >= need) return before.soft;
  let refusal = '';
  try {
    execFileSync('prlimit', ['--pid', String(pid), `--nofile=${need}:${Math.max(need, before.hard)}`], {
      stdio: 'pipe',
    });
  } catch (error) {
    refusal = error instanceof Error && 'stderr' in error ? String(error.stderr).trim() : String(error);
    // The soft limit can always go up to the hard one.
    if (before.soft < before.hard)
      execFileSync('prlimit', ['--pid', String(pid), `--nofile=${before.hard}:${before.hard}`], {
        stdio: 'pipe',
      });
  }
  const after = await fdLimit(pid);
  if (after.soft < need)
    throw new CannotRun(
      `${what} needs ${need} open files, its limit stays ${after.soft} (hard ${after.hard}): ${refusal || 'prlimit had no effect'}`,
    );
  return after.soft;
}

/** The kernel's listen-queue counters (TcpExt ListenOverflows, ListenDrops) of this network namespace. */
async function listenCounters(): Promise<{ overflows: number; drops: number }> {
  const text = await readFile('/proc/net/netstat', 'utf8');
  const lines = text.split('\n').filter((l) => l.startsWith('TcpExt:'));
  const names = (lines[0] ?? '').split(/\s+/);
  const values = (lines[1] ?? '').split(/\s+/).map(Number);
  const value = (name: string) => values[names.indexOf(name)] ?? Number.NaN;
  return { overflows: value('ListenOverflows'), drops: value('ListenDrops') };
}

/** GETs `/healthz` every 500 ms (one at a time) until stopped: the worst latency and the failures. */
class HealthProbe {
  maxMs = 0;
  answered = 0;
  failed = 0;
  private running = true;
  private readonly done: Promise<void>;

  constructor(url: string, path: string) {
    this.done = (async () => {
      while (this.running) {
        const started = performance.now();
        try {
          await http(url, 'GET', path);
          this.answered++;
          this.maxMs = Math.max(this.maxMs, performance.now() - started);
        } catch {
          this.failed++;
        }
        await sleep(Math.max(0, HEALTH_PROBE_MS - (performance.now() - started)));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

interface Options {
  agents: number;
  generators: number;
  concurrency: number;
  idleSeconds: number;
  reconnect: 'close' | 'restart';
  reconnectTimeoutS: number;
}

interface TargetRun {
  kind: TargetKind;
  agents: number;
  fdLimit: number;
  empty: Settled;
  full: Settled;
  afterReconnect: Settled | null;
  bytesPerAgent: { rss: number; heap: number };
  setupMs: number;
  idleCpuMsPerS: { empty: number; full: number };
  /** CPU µs per agent per heartbeat interval, the empty server's CPU taken off. */
  heartbeatUsPerAgent: number;
  generatorCpuPct: number;
  otherCpuPct: number;
  reconnect: {
    allBack: boolean;
    back: number;
    ms: { p50: number; p99: number; max: number } | null;
    maxLoopWaitMs: number;
    listenOverflows: number;
    listenDrops: number;
    health: { answered: number; failed: number; maxMs: number };
    failedAttempts: number;
    closes: Record<string, number>;
    errors: Record<string, number>;
    /** What the server reports holding afterwards (parley_websockets{kind="agent"}); null for the relay. */
    serverAgents: number | null;
  };
}

/** A target process: started, restarted on the same port, stopped. */
interface Target {
  kind: TargetKind;
  url: string;
  child: Child;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** N devices' ids, credentials and names (the relay takes them as they are; Parley's are seeded first). */
export function fleetDevices(count: number): FleetDevice[] {
  return Array.from({ length: count }, (_, i) => ({
    deviceId: uuidv7(),
    credential: newSecret(),
    name: `fleet-${String(i).padStart(6, '0')}`,
  }));
}

/** N devices with credentials, written through the server's store (as enrollment writes them), in batches. */
export async function seedDevices(dataDir: string, count: number): Promise<FleetDevice[]> {
  const store = await openStore({ kind: 'sqlite', file: join(dataDir, 'parley.db') });
  const devices = fleetDevices(count);
  const at = new Date().toISOString();
  try {
    for (let from = 0; from < count; from += 1000) {
      const batch = devices.slice(from, from + 1000);
      await store.transaction(async (tx) => {
        for (const d of batch)
          await tx.devices.create(
            { id: d.deviceId, name: d.name, os: 'linux', credentialHash: hashSecret(d.credential) },
            at,
          );
      });
    }
    if ((await store.devices.countEnrolled()) !== count) throw new CannotRun('seeding: device count differs');
  } finally {
    await store.close();
  }
  return devices;
}

async function startParley(
  devicesCount: number,
  fdNeed: number,
  profileDir: string | undefined,
): Promise<{ target: Target; devices: FleetDevice[] }> {
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-fleet-'));
  const licensed = await licenseFleet(dataDir, {});
  const started = performance.now();
  const devices = await seedDevices(dataDir, devicesCount);
  log(`seeded ${devicesCount} devices in ${Math.round(performance.now() - started)} ms`);
  const nodeFlags = ['--expose-gc', ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])];
  const place = { port, dataDir, database: {}, licensed, preload: [BENCH_JS.settle], nodeFlags };
  const url = `http://127.0.0.1:${port}`;
  const launch = async () => {
    const child = spawnParley(place);
    await raiseFdLimit(child.pid, fdNeed, 'the server').catch(async (error: unknown) => {
      await child.stop();
      throw error;
    });
    return child;
  };
  const first = await launch().catch(async (error: unknown) => {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  });
  const target: Target = {
    kind: 'parley',
    url,
    child: first,
    async restart() {
      await this.child.stop();
      this.child = await launch();
    },
    async stop() {
      await this.child.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  await waitHealthy(target.child, url, 30_000);
  return { target, devices };
}

async function startRelay(fdNeed: number): Promise<Target> {
  const launch = async (port: number) => {
    const child = new Child(
      spawn(
        process.execPath,
        [
          '--expose-gc',
          '--import',
          pathToFileURL(BENCH_JS.settle).href,
          BENCH_JS.relay,
          '--port',
          String(port),
        ],
        {
          cwd: ROOT,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      ),
    );
    await raiseFdLimit(child.pid, fdNeed, 'the relay').catch(async (error: unknown) => {
      await child.stop();
      throw error;
    });
    return { child, port: (JSON.parse(await child.firstLine) as { port: number }).port };
  };
  const first = await launch(0);
  const target: Target = {
    kind: 'relay',
    url: `http://127.0.0.1:${first.port}`,
    child: first.child,
    async restart() {
      await this.child.stop();
      this.child = (await launch(first.port)).child;
    },
    async stop() {
      await this.child.stop();
    },
  };
  return target;
}

async function serverAgents(url: string): Promise<number | null> {
  const text = await fetch(`${url}/metrics`)
    .then((r) => (r.status === 200 ? r.text() : ''))
    .catch(() => '');
  const match = /^parley_websockets\{kind="agent"\} (\S+)$/m.exec(text);
  return match ? Number(match[1]) : null;
}

/** Waits until `done()` or the time is up; true when done. */
async function until(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

/** CPU ms per second of `pid` over `seconds`, with the generators' and every other process's share (% of a core). */
async function cpuWindow(
  pid: number,
  generators: Generator[],
  seconds: number,
): Promise<{ msPerS: number; generatorPct: number; otherPct: number }> {
  const gens = async () =>
    (await Promise.all(generators.map((g) => g.cpuMs()))).reduce<number>((a, b) => a + (b ?? 0), 0);
  const [cpu0, gen0, machine0] = [await readCpuMs(pid), await gens(), await readMachineCpuMs()];
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const [cpu1, gen1, machine1] = [await readCpuMs(pid), await gens(), await readMachineCpuMs()];
  const wall = performance.now() - t0;
  if (cpu0 === null || cpu1 === null || !machine0 || !machine1)
    throw new Error('target gone during the window');
  const target = cpu1 - cpu0;
  const generator = gen1 - gen0;
  const other = machine1.busyMs - machine0.busyMs - target - generator;
  return {
    msPerS: (target * 1000) / wall,
    generatorPct: (generator * 100) / wall,
    otherPct: Math.max(0, (other * 100) / wall),
  };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

async function measure(target: Target, devices: FleetDevice[], options: Options): Promise<TargetRun> {
  const n = devices.length;
  const fdLimitNow = (await fdLimit(target.child.pid)).soft;
  await sleep(2000);
  await target.child.settle();
  const empty = await target.child.settle();
  const emptyCpu = await cpuWindow(target.child.pid, [], Math.min(10, options.idleSeconds));
  log(
    `${target.kind}: empty ${mb(empty.rss)} MB RSS, heap ${mb(empty.heapUsed)} MB, ${emptyCpu.msPerS.toFixed(2)} ms CPU/s`,
  );

  const fleet = await startIdleFleet(target, devices, options);
  const { generators, total, merged } = fleet;
  try {
    const setupStart = performance.now();
    const ready = await Promise.race([
      fleet.started.then(() => true),
      sleep(options.reconnectTimeoutS * 5000).then(() => false),
    ]);
    if (!ready) throw new CannotRun(`setup: only ${total('ready')} of ${n} agents authenticated`);
    const setupMs = performance.now() - setupStart;
    log(`${target.kind}: ${n} agents authenticated in ${(setupMs / 1000).toFixed(1)} s`);

    // Two heartbeats for what the hellos left (their timers, garbage) to go, then the reading.
    await sleep(2 * HEARTBEAT_MS);
    await target.child.settle();
    const full = await target.child.settle();
    const fullCpu = await cpuWindow(target.child.pid, generators, options.idleSeconds);
    const beats = 1000 / HEARTBEAT_MS;
    const heartbeatUsPerAgent = ((fullCpu.msPerS - emptyCpu.msPerS) * 1000) / beats / n;
    log(
      `${target.kind}: ${n} idle agents: ${mb(full.rss)} MB RSS, heap ${mb(full.heapUsed)} MB, ` +
        `${fullCpu.msPerS.toFixed(2)} ms CPU/s (${heartbeatUsPerAgent.toFixed(2)} µs per agent per beat)`,
    );

    // Mass reconnect.
    const counters0 = await listenCounters();
    const probe = new HealthProbe(target.url, target.kind === 'parley' ? '/healthz' : '/');
    const before = total('failed');
    const closesBefore = merged('closes');
    const errorsBefore = merged('errors');
    for (const g of generators) g.send({ type: 'mark', cut: options.reconnect === 'close' });
    const markedAt = Date.now();
    if (options.reconnect === 'restart') await target.restart();
    const allBack = await until(() => total('back') >= n, options.reconnectTimeoutS * 1000);
    const reconnectMs = Date.now() - markedAt;
    await probe.stop();
    const counters1 = await listenCounters();
    const summaries = await Promise.all(generators.map((g) => g.summary()));
    const backMs = summaries.flatMap((s) => s.backMs).sort((a, b) => a - b);
    const diff = (now: Record<string, number>, then: Record<string, number>) =>
      Object.fromEntries(
        Object.entries(now).flatMap(([k, v]) => (v - (then[k] ?? 0) > 0 ? [[k, v - (then[k] ?? 0)]] : [])),
      );
    const reconnect = {
      allBack,
      back: total('back'),
      ms: backMs.length
        ? { p50: percentile(backMs, 50), p99: percentile(backMs, 99), max: backMs.at(-1) ?? 0 }
        : null,
      maxLoopWaitMs: Math.max(...summaries.map((s) => s.maxWaitMs)),
      listenOverflows: counters1.overflows - counters0.overflows,
      listenDrops: counters1.drops - counters0.drops,
      health: { answered: probe.answered, failed: probe.failed, maxMs: Math.round(probe.maxMs) },
      failedAttempts: total('failed') - before,
      closes: diff(merged('closes'), closesBefore),
      errors: diff(merged('errors'), errorsBefore),
      serverAgents: target.kind === 'parley' ? await serverAgents(target.url) : null,
    };
    log(
      `${target.kind}: ${reconnect.back}/${n} back in ${(reconnectMs / 1000).toFixed(1)} s ` +
        `(max ${reconnect.ms?.max ?? '—'} ms), listen overflows ${reconnect.listenOverflows}, ` +
        `/healthz max ${reconnect.health.maxMs} ms, ${reconnect.health.failed} failed`,
    );
    let afterReconnect: Settled | null = null;
    if (allBack) {
      await sleep(2 * HEARTBEAT_MS);
      await target.child.settle();
      afterReconnect = await target.child.settle();
    }
    return {
      kind: target.kind,
      agents: n,
      fdLimit: fdLimitNow,
      empty,
      full,
      afterReconnect,
      bytesPerAgent: { rss: (full.rss - empty.rss) / n, heap: (full.heapUsed - empty.heapUsed) / n },
      setupMs,
      idleCpuMsPerS: { empty: emptyCpu.msPerS, full: fullCpu.msPerS },
      heartbeatUsPerAgent,
      generatorCpuPct: fullCpu.generatorPct,
      otherCpuPct: fullCpu.otherPct,
      reconnect,
    };
  } finally {
    await fleet.stop();
  }
}

/** The agents of a fleet, held by generator processes; counts summed over them. */
export interface IdleFleet {
  generators: Generator[];
  total(key: 'ready' | 'back' | 'failed'): number;
  merged(key: 'errors' | 'closes'): Record<string, number>;
  /** Resolves once every generator has said hello for all its agents. */
  started: Promise<void>;
  stop(): Promise<void>;
}

/**
 * `devices` as agents of `target`, shared among `options.generators` processes (this file, `--generator`), each on a
 * source address of its own (127.0.0.2, .3, …: a source address has about 28,000 ports towards one server port).
 */
export async function startIdleFleet(
  target: { url: string; kind: TargetKind },
  devices: readonly FleetDevice[],
  options: { generators: number; concurrency: number },
): Promise<IdleFleet> {
  const share = Math.ceil(devices.length / options.generators);
  const generators: Generator[] = [];
  for (let g = 0; g < options.generators; g++) {
    const mine = devices.slice(g * share, (g + 1) * share);
    if (mine.length === 0) break;
    const child = fork(SELF, ['--generator'], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const generator = new Generator(child);
    if (child.pid === undefined) throw new CannotRun('a generator did not start');
    await raiseFdLimit(child.pid, mine.length + FD_MARGIN, `generator ${g}`);
    generators.push(generator);
    generator.send({
      type: 'start',
      url: `${target.url.replace(/^http/, 'ws')}/ws/agent`,
      kind: target.kind,
      localAddress: `127.0.0.${2 + g}`,
      devices: [...mine],
      concurrency: options.concurrency,
    });
  }
  return {
    generators,
    total: (key) => generators.reduce((sum, g) => sum + g.last[key], 0),
    merged: (key) => {
      const out: Record<string, number> = {};
      for (const g of generators)
        for (const [k, v] of Object.entries(g.last[key])) out[k] = (out[k] ?? 0) + v;
      return out;
    },
    started: Promise.all(generators.map((g) => g.started)).then(() => {}),
    async stop() {
      for (const g of generators) g.send({ type: 'stop' });
      await Promise.all(generators.map((g) => new Promise((done) => g.process.once('exit', done))));
    },
  };
}

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const kb = (bytes: number) => (bytes / 1024).toFixed(2);

function report(runs: TargetRun[]): string {
  const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  const lines = [
    row([
      'target',
      'agents',
      'RSS empty → full MB',
      'heap empty → full MB',
      'KB/agent RSS',
      'KB/agent heap',
      'idle CPU ms/s empty → full',
      'µs/agent/beat',
      'setup s',
    ]),
    row(Array(9).fill('---')),
    ...runs.map((r) =>
      row([
        r.kind,
        r.agents,
        `${mb(r.empty.rss)} → ${mb(r.full.rss)}`,
        `${mb(r.empty.heapUsed)} → ${mb(r.full.heapUsed)}`,
        kb(r.bytesPerAgent.rss),
        kb(r.bytesPerAgent.heap),
        `${r.idleCpuMsPerS.empty.toFixed(2)} → ${r.idleCpuMsPerS.full.toFixed(2)}`,
        r.kind === 'relay' ? '— (no heartbeat)' : r.heartbeatUsPerAgent.toFixed(2),
        (r.setupMs / 1000).toFixed(1),
      ]),
    ),
    '',
    row([
      'target',
      'back',
      'p50 / p99 / max s',
      'longest loop wait ms',
      'listen overflows / drops',
      '/healthz answered / failed / max ms',
      'failed attempts',
      'closes',
      'error frames',
      'server holds',
      'RSS after MB',
    ]),
    row(Array(11).fill('---')),
    ...runs.map((r) =>
      row([
        r.kind,
        `${r.reconnect.back}/${r.agents}`,
        r.reconnect.ms
          ? `${(r.reconnect.ms.p50 / 1000).toFixed(1)} / ${(r.reconnect.ms.p99 / 1000).toFixed(1)} / ${(r.reconnect.ms.max / 1000).toFixed(1)}`
          : '—',
        r.reconnect.maxLoopWaitMs,
        `${r.reconnect.listenOverflows} / ${r.reconnect.listenDrops}`,
        `${r.reconnect.health.answered} / ${r.reconnect.health.failed} / ${r.reconnect.health.maxMs}`,
        r.reconnect.failedAttempts,
        JSON.stringify(r.reconnect.closes),
        JSON.stringify(r.reconnect.errors),
        r.reconnect.serverAgents ?? '—',
        r.afterReconnect ? mb(r.afterReconnect.rss) : '—',
      ]),
    ),
  ];
  const parley = runs.find((r) => r.kind === 'parley');
  const relay = runs.find((r) => r.kind === 'relay');
  if (parley && relay) {
    const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : '—');
    lines.push(
      '',
      `parley / relay: RSS per agent ${ratio(parley.bytesPerAgent.rss, relay.bytesPerAgent.rss)}, heap per agent ${ratio(parley.bytesPerAgent.heap, relay.bytesPerAgent.heap)}, ` +
        `reconnect max ${ratio(parley.reconnect.ms?.max ?? 0, relay.reconnect.ms?.max ?? 0)}`,
    );
  }
  for (const r of runs)
    lines.push(
      `${r.kind}: generators ${r.generatorCpuPct.toFixed(0)} % CPU, other processes ${r.otherCpuPct.toFixed(0)} % (of one core) over the idle window`,
    );
  return lines.join('\n');
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      agents: { type: 'string', default: '10000' },
      generators: { type: 'string', default: '5' },
      concurrency: { type: 'string', default: '50' },
      'idle-seconds': { type: 'string', default: '30' },
      reconnect: { type: 'string', default: 'close' },
      'reconnect-timeout': { type: 'string', default: '120' },
      targets: { type: 'string', default: 'parley,relay' },
      json: { type: 'string' },
      profile: { type: 'string' },
    },
  });
  const reconnect = values.reconnect;
  if (reconnect !== 'close' && reconnect !== 'restart')
    throw new CannotRun('--reconnect is close or restart');
  const options: Options = {
    agents: Number(values.agents),
    generators: Number(values.generators),
    concurrency: Number(values.concurrency),
    idleSeconds: Number(values['idle-seconds']),
    reconnect,
    reconnectTimeoutS: Number(values['reconnect-timeout']),
  };
  const targets = values.targets.split(',') as TargetKind[];
  const fdNeed = options.agents + FD_MARGIN;
  const self = await fdLimit('self');
  log(
    `fleet: ${options.agents} agents, ${options.generators} generators, reconnect ${reconnect}; server ${codeVersion()}; ` +
      `open-file limit here ${self.soft}/${self.hard}, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  );
  await buildBenchScripts();
  const runs: TargetRun[] = [];
  const { target: parley, devices } = await startParley(options.agents, fdNeed, values.profile);
  try {
    if (targets.includes('parley')) runs.push(await measure(parley, devices, options));
  } finally {
    await parley.stop();
  }
  if (targets.includes('relay')) {
    const relay = await startRelay(fdNeed);
    try {
      runs.push(await measure(relay, devices, options));
    } finally {
      await relay.stop();
    }
  }
  process.stdout.write(`${report(runs)}\n`);
  log(
    `load average at the end ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  if (values.json)
    await writeFile(values.json, JSON.stringify({ options, code: codeVersion(), runs }, null, 2));
  const failures: string[] = [];
  for (const r of runs) {
    if (!r.reconnect.allBack)
      failures.push(`${r.kind}: ${r.agents - r.reconnect.back} agents did not come back`);
    if (r.kind !== 'parley') continue;
    if (r.bytesPerAgent.rss > TARGET_BYTES_PER_AGENT)
      failures.push(
        `parley: ${kb(r.bytesPerAgent.rss)} KB per agent (target ≤ ${TARGET_BYTES_PER_AGENT / 1024})`,
      );
    if ((r.reconnect.ms?.max ?? Number.POSITIVE_INFINITY) > TARGET_RECONNECT_MS)
      failures.push(`parley: reconnect took over ${TARGET_RECONNECT_MS / 1000} s`);
    if (r.reconnect.serverAgents !== r.agents)
      failures.push(`parley: holds ${r.reconnect.serverAgents} agents after the reconnect, not ${r.agents}`);
    if (r.reconnect.health.failed > 0 && reconnect === 'close')
      failures.push(`parley: /healthz failed ${r.reconnect.health.failed} times`);
  }
  for (const f of failures) log(`MISSED: ${f}`);
  return failures.length ? 1 : 0;
}

if (process.argv.includes('--generator')) runGenerator();
else if (isEntryPoint(import.meta.url)) {
  main()
    .then((code) => process.exit(code))
    .catch((error: unknown) => {
      const text =
        error instanceof CannotRun
          ? error.message
          : error instanceof Error
            ? (error.stack ?? error.message)
            : String(error);
      log(`fleet could not run: ${text}`);
      process.exit(2);
    });
}
