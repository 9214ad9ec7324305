/**
 * The load generator. N devices (agent sockets) and N consoles, each console with one open chat to its own
 * device, each console sending `rate` messages a second. Measures console→end-user latency (the moment a
 * `chat.send` is written → the moment the device's agent socket receives the `chat.entries` frame holding that
 * clientId), delivered throughput, acks, errors, lost messages, and the server process's RSS and CPU.
 *
 * Two modes drive two targets with the same schedule and the same bookkeeping:
 * - `parley`: the real server, through its real API (sign in, enrollment tokens, enrollment, `agent.hello`,
 *   console `hello`, POST /api/devices/:id/chats, `chat.subscribe`, `chat.send`);
 * - `baseline`: the bare relay of bench/relay.ts.
 *
 * Standalone: `node --import tsx bench/load.ts --mode parley --url http://127.0.0.1:8080 --password PW
 * [--pid PID] [--devices 50] [--rate 5] [--seconds 10] [--warmup 2]`; prints the result as JSON.
 */
import { parseArgs } from 'node:util';
import { build, type Histogram } from 'hdr-histogram-js';
import {
  BENCH_OPERATOR,
  BENCH_OPERATOR_PASSWORD,
  connectAgent,
  connectConsole,
  enrollDevice,
  openChat,
  pool,
  prepareHelpDesk,
  Socket,
  signIn,
} from './client.js';
import { isEntryPoint, readCpuMs, readMachineCpuMs, readRss, sleep } from './util.js';

export type Mode = 'parley' | 'baseline';

export interface LoadOptions {
  mode: Mode;
  /** http://host:port of the target. */
  url: string;
  /** The target's process id, for RSS and CPU; null to skip. */
  pid: number | null;
  devices: number;
  /** Messages per second per console. */
  rate: number;
  /** Measured seconds. */
  seconds: number;
  /** Seconds of load before measuring starts (sent, checked for loss, not in the latency figures). */
  warmup: number;
  /** How long to wait after the last send for the last deliveries and acks. */
  drainSeconds: number;
  /** Password of operator `admin` (parley mode). */
  adminPassword: string;
  /** Parley mode: turn recording on for every device before the chats open. */
  recording?: boolean;
  log(line: string): void;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export interface LoadResult {
  mode: Mode;
  devices: number;
  rate: number;
  seconds: number;
  warmup: number;
  setupSeconds: number;
  /** Every chat.send written, warmup included. */
  sent: number;
  /** Sends whose agent received them. */
  delivered: number;
  /** Sends the console got a chat.ack for. */
  acked: number;
  /** Sends answered by an error frame naming their clientId (`overloaded` excepted: those are sent again). */
  errored: number;
  /** Sends made again after an `overloaded` refusal, after its `retryAfterMs` (0.5–1.5×, as the clients do). */
  retried: number;
  /**
   * Messages refused `overloaded` and not delivered when the drain ended: waiting to be sent again, or sent again and
   * not answered yet. Not lost (the sender still has them), but not through in time.
   */
  retryingAtEnd: number;
  /** Sent, never refused, never delivered, never errored: a correctness failure. */
  lost: number;
  /** Delivered but never acked nor errored: the sender would never learn it went through. */
  unacked: number;
  /** A clientId delivered to its agent more than once. */
  duplicates: number;
  /** A message delivered to an agent that is not its chat's device. */
  misrouted: number;
  errorsByCode: Record<string, number>;
  /** Sockets the target closed (or that failed) while the load ran, by close code. */
  unexpectedCloses: Record<string, number>;
  /**
   * How evenly the consoles were served in the measured window: messages delivered per console, least and most,
   * and Jain's index over them (1 = all equal, 1/N = one console got everything).
   */
  fairness: { min: number; max: number; jain: number };
  /** Latency of the measured window, milliseconds (from a message's first send: retries included). */
  latencyMs: LatencySummary;
  /** Sends per second in the measured window (what was offered). */
  offeredPerSecond: number;
  /** Deliveries that reached agents during the measured window, per second. */
  deliveredPerSecond: number;
  /**
   * `GET /healthz` asked every 250 ms through the measured window (one at a time): its latency, and how many answers
   * were not 200 (the relay answers 426, for a timing only) or never came within 5 s.
   */
  healthzMs: LatencySummary;
  healthzFailures: number;
  /** How late the generator's timers fired behind schedule, milliseconds (high = the generator is the limit). */
  senderLagMs: LatencySummary;
  /** Target RSS once started (before any connection), after setup, and the peak while loaded. MB. */
  rssStartMb: number | null;
  rssReadyMb: number | null;
  rssPeakMb: number | null;
  /** Target CPU during the measured window: percent of one core, and milliseconds per delivered message. */
  targetCpuPercent: number | null;
  targetCpuMsPerMessage: number | null;
  /** The generator's own CPU during the measured window, percent of one core. */
  generatorCpuPercent: number;
  /**
   * CPU used by every other process on the machine during the measured window (all cores' busy time minus the
   * target's and the generator's), percent of one core; and the machine's iowait, percent of one core. The noise.
   */
  neighbourCpuPercent: number | null;
  iowaitPercent: number | null;
  /** The measured window, epoch milliseconds. */
  windowStartedAt: number;
  windowEndedAt: number;
}

interface Track {
  sentAt: number;
  pair: number;
  text: string;
  /** Refused `overloaded` at least once (so sent again, or about to be). */
  refused: boolean;
  measured: boolean;
  delivered: boolean;
  acked: boolean;
  errored: boolean;
}

interface Pair {
  index: number;
  deviceId: string;
  chatId: string;
  agent: Socket;
  console: Socket;
}

async function setupParley(options: LoadOptions): Promise<Pair[]> {
  const { url, devices } = options;
  const cookie = await prepareHelpDesk(url, options.adminPassword, options.recording === true);
  const agents: { deviceId: string; agent: Socket }[] = [];
  await pool(devices, 8, async (i) => {
    const device = await enrollDevice(url, cookie, i);
    const { agent } = await connectAgent(url, device);
    agents[i] = { deviceId: device.deviceId, agent };
  });
  options.log(`  ${devices} devices enrolled and connected`);

  const pairs: Pair[] = [];
  // Four at a time: one account's sign-ins are counted before their passwords are checked, and five at once
  // would lock it (the server's limit on guesses sent together).
  await pool(devices, 4, async (i) => {
    const slot = agents[i];
    if (!slot) throw new Error(`device ${i} missing`);
    // One session per console, as N operators' browsers would have.
    const consoleCookie = await signIn(url, BENCH_OPERATOR, BENCH_OPERATOR_PASSWORD);
    const console = await connectConsole(url, consoleCookie, `console ${i}`);
    const chatId = await openChat(url, consoleCookie, slot.deviceId);
    // The history (chat.info, then chat.entries) answers the subscribe; the live feed starts before it.
    const history = console.next(
      (f) => f.type === 'chat.entries' && f.chatId === chatId,
      `console ${i} subscribe`,
    );
    console.send({ type: 'chat.subscribe', chatId, afterSeq: 0 });
    await history;
    pairs[i] = { index: i, deviceId: slot.deviceId, chatId, agent: slot.agent, console };
  });
  options.log(`  ${devices} consoles signed in, each with one open, subscribed chat`);
  return pairs;
}

async function setupBaseline(options: LoadOptions): Promise<Pair[]> {
  const wsBase = options.url.replace(/^http/, 'ws');
  const pairs: Pair[] = [];
  await pool(options.devices, 8, async (i) => {
    const deviceId = `device-${i}`;
    const chatId = `chat-${i}`;
    const agent = await Socket.connect(`${wsBase}/ws/agent`);
    const welcome = agent.next((f) => f.type === 'agent.welcome', `agent ${i} hello`);
    agent.send({ type: 'agent.hello', deviceId });
    await welcome;
    const console = await Socket.connect(`${wsBase}/ws/console`);
    const opened = console.next((f) => f.type === 'chat.opened', `console ${i} open`);
    console.send({ type: 'chat.open', chatId, deviceId });
    await opened;
    pairs[i] = { index: i, deviceId, chatId, agent, console };
  });
  options.log(`  ${options.devices} relay agents and consoles connected`);
  return pairs;
}

function histogram(): Histogram {
  // Microseconds, 1 µs to 10 min, 3 significant digits.
  return build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

function summarize(h: Histogram): LatencySummary {
  // hdr reports a bucket's highest equivalent value: clamp to the true max so p99.9 never exceeds it.
  const ms = (us: number) => Math.round(Math.min(us, h.maxValue)) / 1000;
  return {
    count: h.totalCount,
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
    mean: ms(h.mean),
  };
}

const mb = (bytes: number | null) => (bytes === null ? null : Math.round((bytes / 1048576) * 10) / 10);

/** Sets up the target, runs the load, drains, tears down, and returns the figures. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { pid } = options;
  const rssStart = pid === null ? null : await readRss(pid);
  let rssPeak = rssStart ?? 0;
  const sampler = setInterval(() => {
    if (pid === null) return;
    readRss(pid).then((rss) => {
      if (rss !== null && rss > rssPeak) rssPeak = rss;
    });
  }, 200);

  const setupStart = performance.now();
  const pairs = options.mode === 'parley' ? await setupParley(options) : await setupBaseline(options);
  const setupSeconds = (performance.now() - setupStart) / 1000;
  await sleep(500); // let setup's writes settle before reading the ready RSS
  const rssReady = pid === null ? null : await readRss(pid);
  // The peak is the peak while loaded: setup's sign-ins (argon2id takes 19 MiB each) must not count.
  rssPeak = rssReady ?? 0;

  const tracks = new Map<string, Track>();
  const latency = histogram();
  const lag = histogram();
  const errorsByCode: Record<string, number> = {};
  const unexpectedCloses: Record<string, number> = {};
  let sent = 0;
  let retried = 0;
  let measuredSent = 0;
  let deliveredInWindow = 0;
  const deliveredPerPair = pairs.map(() => 0);
  let duplicates = 0;
  let misrouted = 0;

  const period = 1000 / options.rate;
  const t0 = performance.now() + 200;
  const measureStart = t0 + options.warmup * 1000;
  const end = measureStart + options.seconds * 1000;
  const inWindow = (t: number) => t >= measureStart && t < end;

  for (const pair of pairs) {
    const onClose = (code: number) => {
      unexpectedCloses[code] = (unexpectedCloses[code] ?? 0) + 1;
    };
    pair.agent.onUnexpectedClose = onClose;
    pair.console.onUnexpectedClose = onClose;
    pair.agent.onFrame = (frame) => {
      if (frame.type !== 'chat.entries' || !frame.entries) return;
      const now = performance.now();
      for (const entry of frame.entries) {
        if (entry.kind !== 'message' || entry.clientId === undefined) continue;
        const track = tracks.get(entry.clientId);
        if (!track) continue;
        if (track.pair !== pair.index || frame.chatId !== pair.chatId) misrouted++;
        if (track.delivered) {
          duplicates++;
          continue;
        }
        track.delivered = true;
        if (track.measured) latency.recordValue(Math.max(1, Math.round((now - track.sentAt) * 1000)));
        if (inWindow(now)) {
          deliveredInWindow++;
          deliveredPerPair[pair.index] = (deliveredPerPair[pair.index] ?? 0) + 1;
        }
      }
    };
    pair.console.onFrame = (frame) => {
      if (frame.type === 'chat.ack' && frame.clientId !== undefined) {
        const track = tracks.get(frame.clientId);
        if (track) track.acked = true;
      } else if (frame.type === 'error') {
        const code = frame.code ?? 'unknown';
        errorsByCode[code] = (errorsByCode[code] ?? 0) + 1;
        const clientId = frame.ref;
        const track = clientId === undefined ? undefined : tracks.get(clientId);
        if (!track || clientId === undefined) return;
        if (frame.code !== 'overloaded') {
          track.errored = true;
          return;
        }
        // As the console and the end-user page do (P-36): the same message again after the delay it was told.
        track.refused = true;
        const delay = (frame.retryAfterMs ?? 1000) * (0.5 + Math.random());
        setTimeout(() => {
          if (!pair.console.open || track.delivered) return;
          retried++;
          pair.console.send({ type: 'chat.send', chatId: pair.chatId, clientId, text: track.text });
        }, delay);
      }
    };
  }

  options.log(
    `  load: ${pairs.length} consoles × ${options.rate} msg/s, ${options.warmup} s warmup + ${options.seconds} s measured`,
  );
  // CPU of the target and of this generator over exactly the measured window.
  const cpuWindow = (async () => {
    await sleep(Math.max(0, measureStart - performance.now()));
    const startedAt = Date.now();
    const ownStart = process.cpuUsage();
    const targetStart = pid === null ? null : await readCpuMs(pid);
    const machineStart = await readMachineCpuMs();
    await sleep(Math.max(0, end - performance.now()));
    const own = process.cpuUsage(ownStart);
    const targetEnd = pid === null ? null : await readCpuMs(pid);
    const machineEnd = await readMachineCpuMs();
    return {
      startedAt,
      endedAt: Date.now(),
      ownMs: (own.user + own.system) / 1000,
      targetMs: targetStart === null || targetEnd === null ? null : targetEnd - targetStart,
      machineBusyMs: machineStart && machineEnd ? machineEnd.busyMs - machineStart.busyMs : null,
      iowaitMs: machineStart && machineEnd ? machineEnd.iowaitMs - machineStart.iowaitMs : null,
    };
  })();

  const healthz = histogram();
  let healthzFailures = 0;
  const healthzProbe = (async () => {
    await sleep(Math.max(0, measureStart - performance.now()));
    while (performance.now() < end) {
      const asked = performance.now();
      try {
        const answer = await fetch(`${options.url}/healthz`, { signal: AbortSignal.timeout(5000) });
        await answer.arrayBuffer();
        if (answer.status !== (options.mode === 'parley' ? 200 : 426)) healthzFailures++;
      } catch {
        healthzFailures++;
      }
      healthz.recordValue(Math.max(1, Math.round((performance.now() - asked) * 1000)));
      await sleep(Math.max(0, asked + 250 - performance.now()));
    }
  })();

  const text = 'Hello, this is the help desk. Could you open the printer settings and tell me what you see?';
  const senders = pairs.map(
    (pair) =>
      new Promise<void>((resolve) => {
        let k = 0;
        const phase = (pair.index / pairs.length) * period;
        const tick = () => {
          const intended = t0 + phase + k * period;
          if (intended >= end) return resolve();
          const now = performance.now();
          lag.recordValue(Math.max(1, Math.round((now - intended) * 1000)));
          if (pair.console.open) {
            const clientId = `bench-${pair.index}-${k}`;
            const measured = inWindow(intended);
            const message = `${text} #${k}`;
            tracks.set(clientId, {
              sentAt: now,
              pair: pair.index,
              text: message,
              refused: false,
              measured,
              delivered: false,
              acked: false,
              errored: false,
            });
            pair.console.send({ type: 'chat.send', chatId: pair.chatId, clientId, text: message });
            sent++;
            if (measured) measuredSent++;
          }
          k++;
          setTimeout(tick, Math.max(0, t0 + phase + k * period - performance.now()));
        };
        setTimeout(tick, Math.max(0, t0 + phase - performance.now()));
      }),
  );
  await Promise.all(senders);

  const settled = (t: Track) => t.errored || (t.delivered && t.acked);
  const drainDeadline = performance.now() + options.drainSeconds * 1000;
  while (performance.now() < drainDeadline) {
    let open = 0;
    for (const t of tracks.values()) if (!settled(t)) open++;
    if (open === 0) break;
    await sleep(50);
  }
  const cpu = await cpuWindow;
  await healthzProbe;
  clearInterval(sampler);
  const rssAfter = pid === null ? null : await readRss(pid);
  if (rssAfter !== null && rssAfter > rssPeak) rssPeak = rssAfter;

  let delivered = 0;
  let acked = 0;
  let errored = 0;
  let retryingAtEnd = 0;
  let lost = 0;
  let unacked = 0;
  for (const t of tracks.values()) {
    if (t.delivered) delivered++;
    if (t.acked) acked++;
    if (t.errored) errored++;
    if (!t.delivered && !t.errored && t.refused) retryingAtEnd++;
    else if (!t.delivered && !t.errored) lost++;
    if (t.delivered && !t.acked && !t.errored) unacked++;
  }

  for (const pair of pairs) {
    pair.agent.close();
    pair.console.close();
  }
  await sleep(300);

  const targetCpuMs = cpu.targetMs;
  const windowMs = options.seconds * 1000;
  const percent = (ms: number) => Math.round((ms / windowMs) * 1000) / 10;
  const neighbourMs = cpu.machineBusyMs === null ? null : cpu.machineBusyMs - (targetCpuMs ?? 0) - cpu.ownMs;
  return {
    mode: options.mode,
    devices: options.devices,
    rate: options.rate,
    seconds: options.seconds,
    warmup: options.warmup,
    setupSeconds: Math.round(setupSeconds * 10) / 10,
    sent,
    delivered,
    acked,
    errored,
    retried,
    retryingAtEnd,
    lost,
    unacked,
    duplicates,
    misrouted,
    errorsByCode,
    unexpectedCloses,
    fairness: fairnessOf(deliveredPerPair),
    latencyMs: summarize(latency),
    offeredPerSecond: Math.round((measuredSent / options.seconds) * 10) / 10,
    deliveredPerSecond: Math.round((deliveredInWindow / options.seconds) * 10) / 10,
    healthzMs: summarize(healthz),
    healthzFailures,
    senderLagMs: summarize(lag),
    rssStartMb: mb(rssStart),
    rssReadyMb: mb(rssReady),
    rssPeakMb: pid === null ? null : mb(rssPeak),
    targetCpuPercent: targetCpuMs === null ? null : Math.round((targetCpuMs / windowMs) * 1000) / 10,
    targetCpuMsPerMessage:
      targetCpuMs === null || deliveredInWindow === 0
        ? null
        : Math.round((targetCpuMs / deliveredInWindow) * 1000) / 1000,
    generatorCpuPercent: percent(cpu.ownMs),
    neighbourCpuPercent: neighbourMs === null ? null : Math.max(0, percent(neighbourMs)),
    iowaitPercent: cpu.iowaitMs === null ? null : percent(cpu.iowaitMs),
    windowStartedAt: cpu.startedAt,
    windowEndedAt: cpu.endedAt,
  };
}

function fairnessOf(counts: number[]): LoadResult['fairness'] {
  const sum = counts.reduce((a, b) => a + b, 0);
  const squares = counts.reduce((a, b) => a + b * b, 0);
  return {
    min: Math.min(...counts),
    max: Math.max(...counts),
    jain: squares === 0 ? 0 : Math.round(((sum * sum) / (counts.length * squares)) * 1000) / 1000,
  };
}

/** The problems a run must not have; empty when it is clean. */
export function correctnessProblems(result: LoadResult): string[] {
  const problems: string[] = [];
  if (result.lost > 0) problems.push(`${result.lost} message(s) LOST (sent, never delivered, never errored)`);
  if (result.unacked > 0) problems.push(`${result.unacked} message(s) delivered but never acked`);
  if (result.duplicates > 0) problems.push(`${result.duplicates} duplicate deliveries`);
  if (result.misrouted > 0) problems.push(`${result.misrouted} deliveries to the wrong agent`);
  return problems;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      mode: { type: 'string', default: 'parley' },
      url: { type: 'string' },
      pid: { type: 'string' },
      password: { type: 'string', default: process.env.PARLEY_ADMIN_PASSWORD ?? '' },
      devices: { type: 'string', default: '50' },
      rate: { type: 'string', default: '5' },
      seconds: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      drain: { type: 'string', default: '10' },
    },
  });
  if (!values.url || (values.mode !== 'parley' && values.mode !== 'baseline')) {
    throw new Error(
      'usage: load.ts --mode parley|baseline --url http://127.0.0.1:PORT [--pid PID] [--password PW]',
    );
  }
  const result = await runLoad({
    mode: values.mode,
    url: values.url,
    pid: values.pid ? Number(values.pid) : null,
    devices: Number(values.devices),
    rate: Number(values.rate),
    seconds: Number(values.seconds),
    warmup: Number(values.warmup),
    drainSeconds: Number(values.drain),
    adminPassword: values.password,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  const problems = correctnessProblems(result);
  for (const p of problems) process.stderr.write(`FAIL: ${p}\n`);
  process.exit(problems.length > 0 ? 1 : 0);
}

if (isEntryPoint(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`load: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
