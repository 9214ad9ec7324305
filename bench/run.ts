/**
 * `npm run bench`: the real Parley server and the baseline relay, each as a child process of this one, under the
 * same load from bench/load.ts (which runs here, in this process), one after the other; then a table of both and
 * of their ratios. Ratios, not absolute figures, are what to compare across runs: the machine is shared and noisy.
 *
 *   npm run bench -- [--devices 50] [--rate 5] [--seconds 10] [--warmup 2] [--drain 10] [--idle-agents N] [--json FILE]
 *
 * Exits 1 when a message was lost (sent, but neither delivered nor answered with an error), acked never, delivered
 * twice or to the wrong device; 2 when the bench itself could not run.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { tempPostgres } from '../packages/server/test/support/databases.js';
import { type FleetDevice, fleetDevices, seedDevices, startIdleFleet } from './fleet.js';
import { correctnessProblems, type LoadOptions, type LoadResult, runLoad } from './load.js';
import {
  ADMIN_PASSWORD,
  BENCH_JS,
  buildBenchScripts,
  Child,
  codeVersion,
  type DatabaseEnv,
  freePort,
  licenseFleet,
  ROOT,
  spawnParley,
  waitHealthy,
} from './parley.js';
import type { ProbeSample } from './probe.js';
import { sleep } from './util.js';

/** The per-socket message limit of the server (ws/rateLimit.ts, used by ws/consoleConnection.ts). */
const SERVER_MESSAGES_PER_SOCKET_PER_SECOND = 10;

const log = (line: string) => process.stderr.write(`${line}\n`);

/** `--profile DIR`: Parley's V8 CPU profile goes there (written as it exits; bench/profileSummary.ts reads it). */
let profileDir: string | undefined;
/** `--idle-agents N`: N more devices whose agents stay connected, idle, while the load runs (bench/fleet.ts). */
let idleAgents = 0;

interface Started {
  child: Child;
  url: string;
  dataDir?: string;
  dispose?: () => Promise<void>;
  /** The idle agents' devices, when the target had to know them first (Parley's are seeded in its database). */
  idle?: FleetDevice[];
}

async function startParley(database: DatabaseEnv): Promise<Started & { dataDir: string }> {
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-bench-'));
  const licensed = await licenseFleet(dataDir, database);
  const idle = idleAgents > 0 ? await seedDevices(dataDir, idleAgents) : [];
  const child = spawnParley({
    port,
    dataDir,
    database,
    licensed,
    preload: [BENCH_JS.probe],
    ...(profileDir ? { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] } : {}),
  });
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(child, url, 30_000);
  return { child, url, dataDir, idle };
}

async function startRelay(): Promise<{ child: Child; url: string }> {
  const proc = spawn(process.execPath, ['--import', pathToFileURL(BENCH_JS.probe).href, BENCH_JS.relay], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const child = new Child(proc);
  const port = (JSON.parse(await child.firstLine) as { port: number }).port;
  return { child, url: `http://127.0.0.1:${port}` };
}

/** The target's event loop over the measured window, from bench/probe.ts. */
interface LoopSummary {
  seconds: number;
  /** Longest event-loop delay seen, ms. */
  maxDelayMs: number;
  /** The worst one-second p99 of event-loop delay, ms. */
  worstSecondP99Ms: number;
  /** Event-loop utilization, percent: mean over the window and the busiest second. */
  meanUtilization: number;
  maxUtilization: number;
}

interface Measured {
  result: LoadResult;
  loop: LoopSummary | null;
  serverLog: Map<string, number>;
  /** Parley's group commits over the whole run (its `parley_commit_batch_size` histogram); null for the relay. */
  commits: CommitBatches | null;
}

interface CommitBatches {
  commits: number;
  messages: number;
  /** Commits of at most `le` messages, cumulative, as Prometheus buckets. */
  buckets: { le: string; count: number }[];
}

/** Reads the group-commit histogram from the target's /metrics (loopback may scrape it without a token). */
async function commitBatches(url: string): Promise<CommitBatches | null> {
  const response = await fetch(`${url}/metrics`).catch(() => null);
  if (response?.status !== 200) return null;
  const text = await response.text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  const buckets = [...text.matchAll(/^parley_commit_batch_size_bucket\{le="([^"]+)"\} (\S+)$/gm)].map(
    (m) => ({
      le: m[1] ?? '',
      count: Number(m[2]),
    }),
  );
  const commits = value('parley_commit_batch_size_count');
  return Number.isFinite(commits)
    ? { commits, messages: value('parley_commit_batch_size_sum'), buckets }
    : null;
}

/** Parley with recording off and on, in the same run: latency at the same offered rate, CPU, and the commits. */
function recordingTable(off: Measured, on: Measured): string {
  const batch = (c: CommitBatches | null) =>
    c && c.commits > 0 ? `${c.commits} | ${fmt(c.messages / c.commits, 2)}` : '— | —';
  const row = (name: string, m: Measured) =>
    `| ${name} | ${fmt(m.result.latencyMs.p50, 2)} | ${fmt(m.result.latencyMs.p99, 2)} | ` +
    `${fmt(m.result.latencyMs.max, 2)} | ${fmt(m.result.deliveredPerSecond)} | ` +
    `${fmt(m.result.targetCpuMsPerMessage, 3)} | ${batch(m.commits)} |`;
  const a = on.result;
  const b = off.result;
  const spread = (c: CommitBatches | null) =>
    (c?.buckets ?? [])
      .map((bucket, i, all) => `≤${bucket.le}: ${bucket.count - (all[i - 1]?.count ?? 0)}`)
      .filter((entry) => !entry.endsWith(': 0'))
      .join(', ') || '—';
  return [
    '| parley | p50 ms | p99 ms | max ms | delivered msg/s | CPU ms/msg | commits | messages per commit |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    row('recording off', off),
    row('recording on', on),
    `| on / off | ${ratio(a.latencyMs.p50, b.latencyMs.p50)} | ${ratio(a.latencyMs.p99, b.latencyMs.p99)} | ` +
      `${ratio(a.latencyMs.max, b.latencyMs.max)} | ${ratio(a.deliveredPerSecond, b.deliveredPerSecond)} | ` +
      `${ratio(a.targetCpuMsPerMessage, b.targetCpuMsPerMessage)} | | |`,
    '',
    `Commit batch sizes (messages per commit: commits), recording off: ${spread(off.commits)}; on: ${spread(on.commits)}`,
  ].join('\n');
}

function summarizeLoop(samples: ProbeSample[], from: number, to: number): LoopSummary | null {
  // A sample covers the second before its `at`: keep those that end inside the window.
  const inWindow = samples.filter((s) => s.at > from + 500 && s.at <= to + 500);
  if (inWindow.length === 0) return null;
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    seconds: inWindow.length,
    maxDelayMs: round(Math.max(...inWindow.map((s) => s.maxMs))),
    worstSecondP99Ms: round(Math.max(...inWindow.map((s) => s.p99Ms))),
    meanUtilization: round((inWindow.reduce((sum, s) => sum + s.elu, 0) / inWindow.length) * 100),
    maxUtilization: round(Math.max(...inWindow.map((s) => s.elu)) * 100),
  };
}

const fmt = (n: number | null | undefined, digits = 1) =>
  n === null || n === undefined ? 'n/a' : n.toFixed(digits);
const ratio = (a: number | null, b: number | null) =>
  a === null || b === null || b === 0 ? 'n/a' : `${(a / b).toFixed(2)}×`;

function table(parley: LoadResult, baseline: LoadResult): string {
  const row = (name: string, r: LoadResult) =>
    `| ${name} | ${fmt(r.latencyMs.p50, 2)} | ${fmt(r.latencyMs.p99, 2)} | ${fmt(r.latencyMs.max, 2)} | ` +
    `${fmt(r.deliveredPerSecond)} | ${fmt(r.rssPeakMb)} | ${fmt(r.targetCpuPercent)} | ${fmt(r.targetCpuMsPerMessage, 3)} |`;
  const p = parley;
  const b = baseline;
  return [
    '| target | p50 ms | p99 ms | max ms | delivered msg/s | peak RSS MB | server CPU % | CPU ms/msg |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    row('parley', p),
    row('baseline', b),
    `| parley / baseline | ${ratio(p.latencyMs.p50, b.latencyMs.p50)} | ${ratio(p.latencyMs.p99, b.latencyMs.p99)} | ` +
      `${ratio(p.latencyMs.max, b.latencyMs.max)} | ${ratio(p.deliveredPerSecond, b.deliveredPerSecond)} | ` +
      `${ratio(p.rssPeakMb, b.rssPeakMb)} | ${ratio(p.targetCpuPercent, b.targetCpuPercent)} | ` +
      `${ratio(p.targetCpuMsPerMessage, b.targetCpuMsPerMessage)} |`,
  ].join('\n');
}

function accounting(targets: readonly [string, LoadResult][]): string {
  const codes = (r: Record<string, number>) =>
    Object.entries(r)
      .map(([k, v]) => `${k}×${v}`)
      .join(' ') || '0';
  const row = (name: string, r: LoadResult) =>
    `| ${name} | ${r.sent} | ${r.delivered} | ${r.acked} | ${codes(r.errorsByCode)} | ${r.retried} | ` +
    `${r.retryingAtEnd} | ${r.lost} | ${r.unacked} | ${r.duplicates} | ${codes(r.unexpectedCloses)} | ` +
    `${fmt(r.offeredPerSecond)} | ${r.fairness.min}–${r.fairness.max} / ${fmt(r.fairness.jain, 3)} | ` +
    `${fmt(r.rssStartMb)} → ${fmt(r.rssReadyMb)} | ${fmt(r.setupSeconds)} |`;
  return [
    '| target | sent | delivered | acked | errors | sent again | retrying at end | lost | unacked | dup | closes | offered msg/s | per console min–max / Jain | RSS start → ready MB | setup s |',
    '|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---|---:|---|---|---:|',
    ...targets.map(([name, result]) => row(name, result)),
  ].join('\n');
}

function noise(targets: readonly [string, Measured][]): string {
  const row = (name: string, { result: r, loop }: Measured) =>
    `| ${name} | ${fmt(r.neighbourCpuPercent)} | ${fmt(r.iowaitPercent)} | ${fmt(r.generatorCpuPercent)} | ` +
    `${fmt(r.senderLagMs.p99, 2)} | ${fmt(loop?.maxDelayMs)} | ${fmt(loop?.worstSecondP99Ms)} | ` +
    `${fmt(loop?.meanUtilization)} / ${fmt(loop?.maxUtilization)} | ${fmt(r.healthzMs.p99)} / ` +
    `${fmt(r.healthzMs.max)} (${r.healthzFailures} failed) |`;
  return [
    '| target | other processes CPU % | iowait % | generator CPU % | generator timer lag p99 ms | target loop stall max ms | worst 1 s stall p99 ms | target loop busy % mean / max | /healthz p99 / max ms |',
    '|---|---:|---:|---:|---:|---:|---:|---|---|',
    ...targets.map(([name, measured]) => row(name, measured)),
  ].join('\n');
}

async function measure(
  name: string,
  start: () => Promise<Started>,
  options: Omit<LoadOptions, 'mode' | 'url' | 'pid'>,
  mode: LoadOptions['mode'],
): Promise<Measured> {
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  log(`${name}: starting (load average ${load})`);
  const target = await start();
  const fleet =
    idleAgents > 0
      ? await startIdleFleet(
          { url: target.url, kind: mode === 'parley' ? 'parley' : 'relay' },
          target.idle ?? fleetDevices(idleAgents),
          { generators: Math.ceil(idleAgents / 5000), concurrency: 50 },
        )
      : null;
  try {
    if (fleet) {
      await fleet.started;
      log(`  ${fleet.total('ready')} idle agents connected`);
    }
    const result = await runLoad({ ...options, mode, url: target.url, pid: target.child.pid });
    await sleep(600); // the probe's sample covering the window's last second
    const loop = summarizeLoop(target.child.probe, result.windowStartedAt, result.windowEndedAt);
    const commits = mode === 'parley' ? await commitBatches(target.url) : null;
    return { result, loop, serverLog: target.child.problems, commits };
  } finally {
    await fleet?.stop();
    await target.child.stop();
    if (target.dataDir) await rm(target.dataDir, { recursive: true, force: true });
    await target.dispose?.();
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      devices: { type: 'string', default: '50' },
      rate: { type: 'string', default: '5' },
      seconds: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      drain: { type: 'string', default: '10' },
      json: { type: 'string' },
      // Parley on a fresh PostgreSQL database (TEST_POSTGRES_URL's server, 127.0.0.1:5432 by default) per run.
      postgres: { type: 'boolean', default: false },
      profile: { type: 'string' },
      'idle-agents': { type: 'string', default: '0' },
    },
  });
  profileDir = values.profile;
  idleAgents = Number(values['idle-agents']);
  if (!(Number.isInteger(idleAgents) && idleAgents >= 0)) throw new Error('bad --idle-agents');
  if (idleAgents > 0 && values.postgres) throw new Error('--idle-agents seeds SQLite: not with --postgres');
  const options = {
    devices: Number(values.devices),
    rate: Number(values.rate),
    seconds: Number(values.seconds),
    warmup: Number(values.warmup),
    drainSeconds: Number(values.drain),
    adminPassword: ADMIN_PASSWORD,
    log,
  };
  for (const [key, value] of Object.entries(options)) {
    if (typeof value === 'number' && !(Number.isFinite(value) && value >= 0)) throw new Error(`bad --${key}`);
  }
  if (options.devices < 1 || options.rate <= 0 || options.seconds <= 0) {
    throw new Error('--devices, --rate and --seconds must be positive');
  }
  if (options.rate > SERVER_MESSAGES_PER_SOCKET_PER_SECOND) {
    log(
      `warning: --rate ${options.rate} is above Parley's per-socket limit (burst 30, ` +
        `${SERVER_MESSAGES_PER_SOCKET_PER_SECOND}/s): expect rate_limited errors; add devices instead`,
    );
  }

  const machine = `${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown cpu'}), ${Math.round(totalmem() / 2 ** 30)} GB, node ${process.version}`;
  const command = `node --import tsx bench/run.ts ${process.argv.slice(2).join(' ')}`.trim();
  const code = codeVersion();
  log(`${command}\n${machine}\nserver code ${code}`);

  await buildBenchScripts();
  const onDatabase = async () => {
    if (!values.postgres) return startParley({});
    const database = await tempPostgres();
    if (database.location.kind !== 'postgres') throw new Error('not a PostgreSQL database');
    return { ...(await startParley({ DATABASE_URL: database.location.url })), dispose: database.drop };
  };
  const parley = await measure('parley', onDatabase, options, 'parley');
  const recorded = await measure(
    'parley, recording on',
    onDatabase,
    { ...options, recording: true },
    'parley',
  );
  const baseline = await measure('baseline', startRelay, options, 'baseline');
  const targets: [string, Measured][] = [
    ['parley', parley],
    ['parley, recording on', recorded],
    ['baseline', baseline],
  ];
  const codeAfter = codeVersion();

  const out = [
    '',
    `${options.devices} devices × ${options.rate} msg/s${idleAgents > 0 ? ` beside ${idleAgents} idle agents` : ''}, ${options.warmup} s warmup + ${options.seconds} s measured; ${values.postgres ? 'PostgreSQL' : 'SQLite'}; ${machine}; server code ${code}`,
    ...(codeAfter === code
      ? []
      : [`(the checkout moved to ${codeAfter} during the run; the server measured was ${code})`]),
    '',
    table(parley.result, baseline.result),
    '',
    recordingTable(parley, recorded),
    '',
    accounting(targets.map(([name, m]) => [name, m.result])),
    '',
    noise(targets),
    '',
  ];
  for (const [name, measured] of targets) {
    if (measured.serverLog.size === 0 || name === 'baseline') continue;
    out.push(`${name} logged at warn or above:`);
    for (const [line, count] of measured.serverLog) out.push(`  ${count}× ${line}`);
    out.push('');
  }
  let failed = false;
  for (const { result } of [parley, recorded, baseline]) {
    for (const problem of correctnessProblems(result)) {
      failed = true;
      out.push(`!!! FAIL (${result.mode}): ${problem}`);
    }
  }
  if (!failed) {
    out.push('No message lost: every message sent was delivered and acked, or answered with an error.');
  }
  process.stdout.write(`${out.join('\n')}\n`);

  if (values.json) {
    const report = {
      command,
      machine,
      code,
      date: new Date().toISOString(),
      parley: { ...parley.result, loop: parley.loop, commits: parley.commits },
      parleyRecording: { ...recorded.result, loop: recorded.loop, commits: recorded.commits },
      baseline: { ...baseline.result, loop: baseline.loop },
    };
    await writeFile(values.json, `${JSON.stringify(report, null, 2)}\n`);
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(2);
  },
);
