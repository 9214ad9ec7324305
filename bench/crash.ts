/**
 * Crashes under load (issue 12): the real server as a child of this process, `kill -9` while consoles and agents
 * send, restarted on the same port and database, again and again; then every chat's history is read and checked
 * against the acks (bench/crashCheck.ts). One SQLite data dir, or one fresh PostgreSQL database, for all cycles.
 *
 *   npm run build && node --import tsx bench/crash.ts [--cycles 100] [--postgres] [--devices N] [--rate R]
 *     [--recording both|on|off] [--kill-after 50-500] [--seed S] [--json FILE]
 *
 * Each cycle: every sender (the console of each chat, as the operator, and its device's agent, as the end user)
 * first resends what it sent and had no ack for, with the same clientId, then sends new messages at `rate` a
 * second; after a random 50–500 ms of that the server is killed (SIGKILL), restarted, and every socket connects
 * again (the consoles subscribe again after the seq up to which they hold every entry, P-23). A few messages acked
 * in earlier cycles are sent again too: the server must answer each with its first seq (P-20).
 *
 * Exits 1 on any acked message lost, stored twice, at another seq, out of order, on any message the bench never
 * sent, on a resend answered with another seq, on a chat that closed, or on a message never acked in the end;
 * 2 when the bench itself could not run.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MESSAGE_BURST, MESSAGES_PER_SECOND } from '@parley/protocol';
import pg from 'pg';
import { tempPostgres } from '../packages/server/test/support/databases.js';
import {
  BENCH_OPERATOR,
  BENCH_OPERATOR_PASSWORD,
  connectAgent,
  connectConsole,
  type EnrolledDevice,
  enrollDevice,
  type Incoming,
  openChat,
  pool,
  prepareHelpDesk,
  type Socket,
  setRecording,
  signIn,
} from './client.js';
import { type ChatAccount, faults, type HistoryEntry, judge, type SenderRole } from './crashCheck.js';
import {
  ADMIN_PASSWORD,
  type Child,
  codeVersion,
  freePort,
  licenseFleet,
  type ParleyPlace,
  spawnParley,
  waitHealthy,
} from './parley.js';
import { sleep } from './util.js';

const log = (line: string) => process.stderr.write(`${line}\n`);

/** A chat id no chat has: subscribing to it is answered `not_found` after every frame sent before it (P-4). */
const FENCE_CHAT_ID = '00000000-0000-7000-8000-0000000fe0ce';
/** Acked messages each sender sends again per cycle, to see them answered with their first seq. */
const REPEATS_PER_CYCLE = 2;

/** A deterministic random source (mulberry32), so a run's kill times can be had again with its seed. */
function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Counters {
  /** chat.send frames written, resends and repeats included. */
  frames: number;
  /** Messages made (distinct clientIds). */
  messages: number;
  /** Sends again of a message that had no ack when the server died. */
  resent: number;
  /** Messages the console saw stored (live or in the history) with no ack when the server died: the ack was lost. */
  storedUnacked: number;
  /** Acks (of a resend, mostly) naming another seq than the entry the console saw stored. */
  resendSeqMismatches: number;
  /** Acked messages sent again, and those answered with another seq than the first ack's. */
  repeats: number;
  repeatSeqMismatches: number;
  /** Messages in flight (sent, no ack) at each kill, summed. */
  inFlightAtKill: number;
  errorsByCode: Record<string, number>;
  /** Chats the server said were not open (agent.open_chats, chat.info) after a restart. */
  chatsNotOpen: number;
  /** Console sessions the server no longer knew after a restart (signed in again). */
  sessionsLost: number;
}

/**
 * The server's message budget of a socket (P-25), kept on this side too, as a client that paces itself would:
 * messages it refuses would only come back as resends. A few tokens short of it, for the clocks' drift.
 */
class Budget {
  private tokens = MESSAGE_BURST - 4;
  private at = performance.now();

  take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(MESSAGE_BURST - 4, this.tokens + ((now - this.at) / 1000) * MESSAGES_PER_SECOND);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }
}

/** One side of one chat: the console (operator) or the device's agent (end user). */
class Sender {
  private current: Socket | null = null;
  private budget = new Budget();
  private made = 0;
  /** Pending messages written on the current connection and not answered yet: in flight. */
  private readonly outstanding = new Set<string>();
  /** Sent, no ack yet: clientId → text, in the order first sent. */
  readonly pending = new Map<string, string>();
  readonly sent = new Map<string, string>();
  /** Acks in the order they came, first ack of each clientId. */
  readonly acked: { clientId: string; seq: number }[] = [];
  private readonly ackedSeq = new Map<string, number>();
  /** Unacked messages the console saw stored: clientId → their seq, until acked. */
  readonly storedAt = new Map<string, number>();
  /** Of those, the ones the server died before acking. */
  readonly storedAtKill = new Set<string>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly role: SenderRole,
    readonly chat: ChatState,
    private readonly prefix: string,
    private readonly counters: Counters,
  ) {}

  get socket(): Socket | null {
    return this.current;
  }

  /** A new connection has a budget of its own. */
  set socket(socket: Socket | null) {
    this.current = socket;
    this.budget = new Budget();
    this.outstanding.clear();
  }

  private write(clientId: string, text: string): void {
    this.outstanding.add(clientId);
    this.socket?.send({ type: 'chat.send', chatId: this.chat.chatId, clientId, text });
    this.counters.frames++;
  }

  /** Sends without an answer yet. */
  get inFlight(): number {
    return this.outstanding.size;
  }

  sendNew(): void {
    if (!this.socket?.open || !this.budget.take()) return;
    const clientId = `${this.prefix}-${String(this.made++).padStart(6, '0')}`;
    const text = `crash bench ${clientId}`;
    this.sent.set(clientId, text);
    this.pending.set(clientId, text);
    this.counters.messages++;
    this.write(clientId, text);
  }

  /**
   * Every message without an ack, again, in the order first sent (the same clientId), as far as the budget goes;
   * but not those still on their way on this connection.
   */
  resendPending(): void {
    for (const [clientId, text] of this.pending) {
      if (this.outstanding.has(clientId)) continue;
      if (!this.budget.take()) return;
      this.write(clientId, text);
      this.counters.resent++;
    }
  }

  /** A few acked messages again: each must be answered with its first seq. */
  repeatAcked(random: () => number): void {
    for (let i = 0; i < REPEATS_PER_CYCLE && this.acked.length > 0 && this.budget.take(); i++) {
      const pick = this.acked[Math.floor(random() * this.acked.length)];
      const text = pick && this.sent.get(pick.clientId);
      if (!pick || text === undefined) continue;
      this.write(pick.clientId, text);
      this.counters.repeats++;
    }
  }

  onFrame(frame: Incoming): void {
    if (frame.type === 'chat.ack' && frame.clientId !== undefined && typeof frame.seq === 'number') {
      const first = this.ackedSeq.get(frame.clientId);
      if (first !== undefined) {
        if (first !== frame.seq) {
          this.counters.repeatSeqMismatches++;
          log(`!!! ${this.role} ${frame.clientId}: acked again at seq ${frame.seq}, first at ${first}`);
        }
        return;
      }
      this.outstanding.delete(frame.clientId);
      if (!this.pending.delete(frame.clientId)) return;
      const stored = this.storedAt.get(frame.clientId);
      if (stored !== undefined && stored !== frame.seq) {
        this.counters.resendSeqMismatches++;
        log(`!!! ${this.role} ${frame.clientId}: stored at seq ${stored}, acked at ${frame.seq}`);
      }
      this.storedAt.delete(frame.clientId);
      this.ackedSeq.set(frame.clientId, frame.seq);
      this.acked.push({ clientId: frame.clientId, seq: frame.seq });
    } else if (frame.type === 'error') {
      const code = frame.code ?? 'unknown';
      this.counters.errorsByCode[code] = (this.counters.errorsByCode[code] ?? 0) + 1;
      if (frame.ref !== undefined) this.outstanding.delete(frame.ref);
    }
  }

  start(ratePerSecond: number, phaseMs: number): void {
    const period = 1000 / ratePerSecond;
    this.timer = setTimeout(() => {
      this.sendNew();
      this.timer = setInterval(() => this.sendNew(), period);
    }, phaseMs);
  }

  stop(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      clearInterval(this.timer);
    }
    this.timer = null;
  }
}

class ChatState {
  readonly console: Sender;
  readonly agent: Sender;
  /** The entries the console holds (live and history), by seq: its view, merged as P-23 says. */
  readonly held = new Map<number, HistoryEntry>();
  /** The seq up to which the console holds every entry. */
  contiguous = 0;
  recorded: boolean | null = null;

  constructor(
    readonly device: EnrolledDevice,
    readonly chatId: string,
    /** The console's session. */
    public cookie: string,
    counters: Counters,
  ) {
    this.console = new Sender('operator', this, `crash-c${device.index}`, counters);
    this.agent = new Sender('end_user', this, `crash-a${device.index}`, counters);
  }

  hold(entries: readonly HistoryEntry[]): void {
    for (const entry of entries) {
      this.held.set(entry.seq, entry);
      if (entry.kind !== 'message' || entry.clientId === undefined) continue;
      const sender = entry.role === 'operator' ? this.console : entry.role === 'end_user' ? this.agent : null;
      if (sender?.pending.has(entry.clientId)) sender.storedAt.set(entry.clientId, entry.seq);
    }
    while (this.held.has(this.contiguous + 1)) this.contiguous++;
  }
}

function toHistory(frame: Incoming): HistoryEntry[] {
  return (frame.entries ?? []).flatMap((e) =>
    typeof e.seq === 'number'
      ? [
          {
            seq: e.seq,
            kind: e.kind ?? '',
            ...(e.clientId === undefined ? {} : { clientId: e.clientId }),
            ...(e.text === undefined ? {} : { text: e.text }),
            ...(e.from?.role === undefined ? {} : { role: e.from.role }),
          },
        ]
      : [],
  );
}

/**
 * Subscribes to the chat after `afterSeq` and returns the chat's status and every entry the answer held: the
 * subscribe of a chat no one has, sent right after, is answered once the history is all out (P-4).
 */
async function readHistory(
  socket: Socket,
  chatId: string,
  afterSeq: number,
): Promise<{ status: string | undefined; recorded: boolean | undefined; entries: HistoryEntry[] }> {
  const isFence = (f: Incoming) => f.type === 'error' && f.ref === FENCE_CHAT_ID;
  const frames = socket.collect(isFence, `history of ${chatId}`, 30_000, isFence);
  socket.send({ type: 'chat.subscribe', chatId, afterSeq });
  socket.send({ type: 'chat.subscribe', chatId: FENCE_CHAT_ID, afterSeq: 0 });
  const got = await frames;
  const info = got.find((f) => f.type === 'chat.info' && f.chat?.chatId === chatId) as
    | (Incoming & { chat: { status?: string; recorded?: boolean } })
    | undefined;
  const entries = got.filter((f) => f.type === 'chat.entries' && f.chatId === chatId).flatMap(toHistory);
  return { status: info?.chat.status, recorded: info?.chat.recorded, entries };
}

interface Options {
  cycles: number;
  devices: number;
  rate: number;
  killAfterMs: [number, number];
  recording: 'both' | 'on' | 'off';
  postgres: boolean;
  seed: number;
  /** PARLEY_LOG_LEVEL of the server (warn unless told). */
  serverLog: string | undefined;
}

interface Timings {
  /** Spawn → /healthz 200, per restart, ms. */
  restartToReady: number[];
  /** /healthz 200 → every socket connected and every console subscribed again, ms. */
  reconnect: number[];
  /** Load before each kill, ms. */
  loadBeforeKill: number[];
}

class CrashBench {
  readonly counters: Counters = {
    frames: 0,
    messages: 0,
    resent: 0,
    storedUnacked: 0,
    resendSeqMismatches: 0,
    repeats: 0,
    repeatSeqMismatches: 0,
    inFlightAtKill: 0,
    errorsByCode: {},
    chatsNotOpen: 0,
    sessionsLost: 0,
  };
  readonly timings: Timings = { restartToReady: [], reconnect: [], loadBeforeKill: [] };
  chats: ChatState[] = [];
  private child: Child | null = null;
  private readonly random: () => number;

  constructor(
    private readonly options: Options,
    private readonly place: ParleyPlace,
  ) {
    this.random = randomSource(options.seed);
  }

  get url(): string {
    return `http://127.0.0.1:${this.place.port}`;
  }

  private get senders(): Sender[] {
    return this.chats.flatMap((chat) => [chat.console, chat.agent]);
  }

  async start(): Promise<number> {
    const startedAt = performance.now();
    this.child = spawnParley(this.place);
    try {
      await waitHealthy(this.child, this.url, 60_000, 5);
    } catch (error) {
      await this.describeDatabase();
      throw error;
    }
    return performance.now() - startedAt;
  }

  /** A start that failed on PostgreSQL: what every session of the database was doing, for the report. */
  private async describeDatabase(): Promise<void> {
    const url = this.place.database.DATABASE_URL;
    if (!url) return;
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      const { rows } = await client.query(
        `select pid, state, wait_event_type, wait_event, backend_start, xact_start, query_start,
                pg_blocking_pids(pid) as blocked_by, left(query, 200) as query
           from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`,
      );
      log(`sessions of the database when the start failed:\n${JSON.stringify(rows, null, 1)}`);
      const locks = await client.query(
        `select pid, locktype, mode, granted, relation::regclass::text as relation, objid
           from pg_locks where database = (select oid from pg_database where datname = current_database())`,
      );
      log(`locks:\n${JSON.stringify(locks.rows, null, 1)}`);
    } catch (error) {
      log(`the database could not be asked: ${String(error)}`);
    } finally {
      await client.end().catch(() => {});
    }
  }

  /** The fleet, its chats (the first half recorded with `--recording both`) and every socket, once. */
  async setup(): Promise<void> {
    const { devices, recording } = this.options;
    const adminCookie = await prepareHelpDesk(this.url, ADMIN_PASSWORD, recording !== 'off');
    const enrolled: EnrolledDevice[] = [];
    await pool(devices, 8, async (i) => {
      enrolled[i] = await enrollDevice(this.url, adminCookie, i);
    });
    const recordedCount = recording === 'both' ? Math.ceil(devices / 2) : recording === 'on' ? devices : 0;
    const openRange = async (from: number, to: number) =>
      // Four at a time: five sign-ins of one account at once would lock it.
      pool(to - from, 4, async (k) => {
        const device = enrolled[from + k];
        if (!device) throw new Error(`device ${from + k} missing`);
        // A chat opens only with someone logged on, so with the agent connected; connectAll connects it again.
        const { agent } = await connectAgent(this.url, device);
        const cookie = await signIn(this.url, BENCH_OPERATOR, BENCH_OPERATOR_PASSWORD);
        const chatId = await openChat(this.url, cookie, device.deviceId);
        agent.close();
        await agent.closed;
        this.chats[from + k] = new ChatState(device, chatId, cookie, this.counters);
      });
    await openRange(0, recordedCount);
    if (recording === 'both') await setRecording(this.url, adminCookie, false);
    await openRange(recordedCount, devices);
    await this.connectAll();
    const recorded = this.chats.filter((c) => c.recorded === true).length;
    const expected = recordedCount;
    if (recorded !== expected) throw new Error(`${recorded} chats recorded, ${expected} meant to be`);
    log(`  ${devices} devices, ${devices} chats (${recorded} recorded), ${devices * 2} senders`);
  }

  /** Connects every agent and console, and subscribes each console after the seq it holds all entries to. */
  private async connectAll(): Promise<void> {
    await pool(this.chats.length, 8, async (i) => {
      const chat = this.chats[i];
      if (!chat) return;
      const { agent, readyFrame } = await connectAgent(
        this.url,
        chat.device,
        (f) => f.type === 'agent.open_chats' && f.more === false,
      );
      if (!readyFrame.chats?.some((c) => c.chatId === chat.chatId && c.status === 'open')) {
        this.counters.chatsNotOpen++;
        log(`!!! chat ${chat.chatId} is not among its device's open chats`);
      }
      chat.agent.socket = agent;
      agent.onFrame = (frame) => chat.agent.onFrame(frame);

      let console: Socket;
      try {
        console = await connectConsole(this.url, chat.cookie, `console ${i}`);
      } catch {
        this.counters.sessionsLost++;
        chat.cookie = await signIn(this.url, BENCH_OPERATOR, BENCH_OPERATOR_PASSWORD);
        console = await connectConsole(this.url, chat.cookie, `console ${i}`);
      }
      const history = await readHistory(console, chat.chatId, chat.contiguous);
      if (history.status !== 'open') {
        this.counters.chatsNotOpen++;
        log(`!!! chat ${chat.chatId} is ${history.status ?? 'not answered'} after a restart`);
      }
      chat.recorded = history.recorded ?? null;
      chat.hold(history.entries);
      chat.console.socket = console;
      console.onFrame = (frame) => {
        if (frame.type === 'chat.entries' && frame.chatId === chat.chatId) chat.hold(toHistory(frame));
        chat.console.onFrame(frame);
      };
    });
  }

  /** One cycle: resend, load, kill, restart, connect again. */
  async cycle(n: number): Promise<void> {
    for (const sender of this.senders) sender.resendPending();
    for (const sender of this.senders) sender.repeatAcked(this.random);
    const [low, high] = this.options.killAfterMs;
    const loadMs = low + this.random() * (high - low);
    const period = 1000 / this.options.rate;
    const senders = this.senders;
    for (const [i, sender] of senders.entries())
      sender.start(this.options.rate, (i / senders.length) * period);
    const loadStarted = performance.now();
    await sleep(loadMs); // the load the kill falls into: how long is the point, not a state to wait for
    for (const sender of this.senders) sender.stop();
    this.child?.process.kill('SIGKILL');
    this.timings.loadBeforeKill.push(performance.now() - loadStarted);
    await this.child?.exited;
    await this.allClosed();
    const inFlight = this.senders.reduce((sum, s) => sum + s.inFlight, 0);
    this.counters.inFlightAtKill += inFlight;
    for (const sender of this.senders) sender.socket = null;

    this.timings.restartToReady.push(await this.start());
    const reconnectStarted = performance.now();
    await this.connectAll();
    this.timings.reconnect.push(performance.now() - reconnectStarted);
    // Seen stored, live before the kill or in the history read just now, and never acked.
    for (const sender of this.senders) {
      for (const clientId of sender.storedAt.keys()) {
        if (sender.storedAtKill.has(clientId)) continue;
        sender.storedAtKill.add(clientId);
        this.counters.storedUnacked++;
      }
    }
    if (n % 10 === 0 || n === this.options.cycles) {
      log(
        `  cycle ${n}: killed after ${loadMs.toFixed(0)} ms with ${inFlight} in flight; ` +
          `${this.counters.messages} messages so far`,
      );
    }
  }

  /** Waits until the client side of every socket saw the kill (so no late frame is taken for a live one). */
  private async allClosed(): Promise<void> {
    const sockets = this.senders.flatMap((s) => (s.socket ? [s.socket] : []));
    const timeout = sleep(10_000).then(() => 'timeout' as const);
    if ((await Promise.race([Promise.all(sockets.map((s) => s.closed)), timeout])) === 'timeout') {
      throw new Error('sockets still open 10 s after the server was killed');
    }
  }

  /** After the last restart: every message without an ack is sent again until acked (or the time is up). */
  async drain(timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      for (const sender of this.senders) sender.resendPending();
      const roundEnd = Math.min(deadline, performance.now() + 2_000);
      while (performance.now() < roundEnd && this.senders.some((s) => s.pending.size > 0)) await sleep(10);
      const left = this.senders.reduce((sum, s) => sum + s.pending.size, 0);
      if (left === 0 || performance.now() >= deadline) return left;
    }
  }

  /** Each chat's whole history, read on a fresh console socket; and the entries each console's view misses. */
  async readAll(): Promise<{ accounts: ChatAccount[]; viewHoles: number }> {
    const accounts: ChatAccount[] = [];
    let viewHoles = 0;
    await pool(this.chats.length, 4, async (i) => {
      const chat = this.chats[i];
      if (!chat) return;
      const reader = await connectConsole(this.url, chat.cookie, `reader ${i}`);
      const history = await readHistory(reader, chat.chatId, 0);
      reader.close();
      if (history.status !== 'open') {
        this.counters.chatsNotOpen++;
        log(`!!! chat ${chat.chatId} is ${history.status ?? 'not answered'} at the end`);
      }
      // The last live frames may trail the last acks by a moment.
      const last = history.entries.at(-1)?.seq ?? 0;
      const deadline = performance.now() + 5_000;
      while (chat.contiguous < last && performance.now() < deadline) await sleep(10);
      viewHoles += history.entries.filter((e) => !chat.held.has(e.seq)).length;
      accounts[i] = {
        chatId: chat.chatId,
        sent: { operator: chat.console.sent, end_user: chat.agent.sent },
        acked: { operator: chat.console.acked, end_user: chat.agent.acked },
        history: history.entries,
      };
    });
    return { accounts, viewHoles };
  }

  ackedSoFar(): number {
    return this.senders.reduce((sum, s) => sum + s.acked.length, 0);
  }

  async stop(): Promise<void> {
    for (const sender of this.senders) sender.socket?.close();
    await this.child?.stop();
  }
}

const mean = (values: readonly number[]) =>
  values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
const percentile = (values: readonly number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : 'n/a');

function parseOptions(): Options & { json: string | undefined } {
  const { values } = parseArgs({
    options: {
      cycles: { type: 'string', default: '100' },
      devices: { type: 'string', default: '10' },
      rate: { type: 'string', default: '20' },
      'kill-after': { type: 'string', default: '50-500' },
      recording: { type: 'string', default: 'both' },
      postgres: { type: 'boolean', default: false },
      seed: { type: 'string' },
      json: { type: 'string' },
      'server-log': { type: 'string' },
    },
  });
  const [low, high] = (values['kill-after'] ?? '').split('-').map(Number);
  const recording = values.recording;
  const options = {
    cycles: Number(values.cycles),
    devices: Number(values.devices),
    rate: Number(values.rate),
    killAfterMs: [low ?? Number.NaN, high ?? low ?? Number.NaN] as [number, number],
    recording: (recording === 'on' || recording === 'off' ? recording : 'both') as Options['recording'],
    postgres: values.postgres ?? false,
    seed: values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed),
    json: values.json,
    serverLog: values['server-log'],
  };
  if (recording !== 'both' && recording !== 'on' && recording !== 'off') throw new Error('bad --recording');
  for (const n of [options.cycles, options.devices, options.rate, ...options.killAfterMs, options.seed]) {
    if (!Number.isFinite(n) || n < 0) throw new Error('--cycles, --devices, --rate, --kill-after, --seed');
  }
  if (
    options.cycles < 1 ||
    options.devices < 1 ||
    options.rate <= 0 ||
    low === undefined ||
    low > options.killAfterMs[1]
  )
    throw new Error('--cycles and --devices at least 1, --rate above 0, --kill-after LOW-HIGH');
  return options;
}

async function main(): Promise<number> {
  const { json, ...options } = parseOptions();
  const machine = `${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown cpu'}), ${Math.round(totalmem() / 2 ** 30)} GB, node ${process.version}`;
  const command = `node --import tsx bench/crash.ts ${process.argv.slice(2).join(' ')}`.trim();
  const code = codeVersion();
  log(`${command}\n${machine}\nserver code ${code}, seed ${options.seed}`);

  const database = options.postgres ? await tempPostgres() : null;
  if (database && database.location.kind !== 'postgres') throw new Error('not a PostgreSQL database');
  const databaseEnv = database?.location.kind === 'postgres' ? { DATABASE_URL: database.location.url } : {};
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-crash-'));
  const place: ParleyPlace = {
    port: await freePort(),
    dataDir,
    database: databaseEnv,
    licensed: await licenseFleet(dataDir, databaseEnv),
    ...(options.serverLog ? { logLevel: options.serverLog } : {}),
  };
  const bench = new CrashBench(options, place);
  const startedAt = performance.now();
  try {
    await bench.start();
    await bench.setup();
    log(`  ${options.cycles} cycles of ${options.killAfterMs.join('–')} ms of load, then kill -9`);
    for (let n = 1; n <= options.cycles; n++) await bench.cycle(n);
    const ackedInCycles = bench.ackedSoFar();
    const unacked = await bench.drain(30_000);
    const { accounts, viewHoles } = await bench.readAll();
    const verdict = judge(accounts);
    const seconds = (performance.now() - startedAt) / 1000;
    const c = bench.counters;
    const t = bench.timings;
    const acked = accounts.reduce((sum, a) => sum + a.acked.operator.length + a.acked.end_user.length, 0);
    const stored = accounts.reduce((sum, a) => sum + a.history.filter((e) => e.kind === 'message').length, 0);
    const failures: [string, number][] = [
      ['acked messages lost', verdict.losses],
      ['entries stored twice', verdict.duplicates],
      ['acked messages at another seq', verdict.seqMismatches],
      ['order violations', verdict.orderViolations],
      ['messages never sent', verdict.strangers],
      ['resends answered with another seq than stored', c.resendSeqMismatches],
      ['repeats answered with another seq than first acked', c.repeatSeqMismatches],
      ['chats not open after a restart', c.chatsNotOpen],
      ['messages never acked after the drain', unacked],
      ['entries a console missed after reconnecting', viewHoles],
    ];
    const errors =
      Object.entries(c.errorsByCode)
        .map(([k, v]) => `${k}×${v}`)
        .join(' ') || '0';
    const recordedChats = bench.chats.filter((chat) => chat.recorded).length;
    const out = [
      '',
      `${options.cycles} × kill -9 under load; ${options.postgres ? 'PostgreSQL' : 'SQLite'}; ${options.devices} chats ` +
        `(${recordedChats} recorded) × 2 senders × ${options.rate} msg/s, killed after ${options.killAfterMs.join('–')} ms ` +
        `of load; seed ${options.seed}; ${machine}; server code ${code}; ${seconds.toFixed(0)} s`,
      '',
      '| cycles | messages | sends written | acked | resent | of them stored unacked | repeats of acked | in flight at kills | errors |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|---|',
      `| ${options.cycles} | ${c.messages} | ${c.frames} | ${acked} | ${c.resent} | ${c.storedUnacked} | ${c.repeats} | ` +
        `${c.inFlightAtKill} | ${errors} |`,
      '',
      '| losses | duplicates | other seq | order violations | never sent | resend/repeat seq mismatches | chats not open | unacked at end | console view holes | messages stored |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      `| ${verdict.losses} | ${verdict.duplicates} | ${verdict.seqMismatches} | ${verdict.orderViolations} | ` +
        `${verdict.strangers} | ${c.resendSeqMismatches + c.repeatSeqMismatches} | ${c.chatsNotOpen} | ${unacked} | ` +
        `${viewHoles} | ${stored} |`,
      '',
      '| restart → /healthz ms mean | p50 | max | reconnect ms mean | max | load before kill ms mean | acked in the cycles | per second of load | sessions lost |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      `| ${ms(mean(t.restartToReady))} | ${ms(percentile(t.restartToReady, 50))} | ${ms(Math.max(...t.restartToReady))} | ` +
        `${ms(mean(t.reconnect))} | ${ms(Math.max(...t.reconnect))} | ${ms(mean(t.loadBeforeKill))} | ` +
        `${ackedInCycles} | ${ms(ackedInCycles / (t.loadBeforeKill.reduce((a, b) => a + b, 0) / 1000))} | ${c.sessionsLost} |`,
      '',
    ];
    const failed = failures.filter(([, n]) => n > 0);
    for (const [what, n] of failed) out.push(`!!! FAIL: ${n} ${what}`);
    for (const example of verdict.examples) out.push(`    ${example}`);
    if (faults(verdict) === 0 && failed.length === 0) {
      out.push('Every acked message is stored once, at its acked seq, in the order acked; nothing else is.');
    }
    process.stdout.write(`${out.join('\n')}\n`);
    if (json) {
      const report = {
        command,
        machine,
        code,
        date: new Date().toISOString(),
        options,
        seconds,
        counters: c,
        timings: t,
        verdict,
        unacked,
        viewHoles,
        acked,
        ackedInCycles,
        stored,
      };
      await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
    }
    if (c.inFlightAtKill === 0) {
      log('bench: no kill caught a message in flight, so the run tested nothing');
      return 2;
    }
    return failed.length > 0 ? 1 : 0;
  } finally {
    await bench.stop();
    await rm(dataDir, { recursive: true, force: true });
    await database?.drop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`crash bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(2);
  },
);
