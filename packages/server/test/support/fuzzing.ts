import {
  AccessRightList,
  AgentClientFrame,
  AgentServerFrame,
  ApiErrorCode,
  type ChatClientFrame,
  CloseCode,
  ConsoleClientFrame,
  ConsoleServerFrame,
  DeviceGroupList,
  DeviceList,
  EnrollmentTokenList,
  type ErrorCode,
  FRAME_BURST,
  LicenseView,
  MAX_CLIENT_FRAME_BYTES,
  OperatorGroupList,
  OperatorList,
  OperatorView,
  PROTOCOL_VERSION,
  parseServerFrame,
  RecordingSettings,
} from '@parley/protocol';
import fc from 'fast-check';
import type { ApiClient, TestSocket } from './server.js';

/*
 * Property-based fuzzing of the WebSocket frames and REST bodies (issue 12): the arbitraries and the checks, shared
 * by the short run in `npm test` (test/fuzz.test.ts) and the long one (bench/fuzz.ts). A check throws when the
 * server broke a rule: an answer missing or of the wrong kind, a close the protocol does not name, a 5xx, a hang.
 */

export type SocketKind = 'console' | 'agent';

/** A frame as it goes on the wire. */
export type FuzzPayload = { kind: 'text'; text: string } | { kind: 'binary'; data: Uint8Array };

const text = (value: string): FuzzPayload => ({ kind: 'text', text: value });
const json = (value: unknown): FuzzPayload => text(JSON.stringify(value) ?? 'undefined');

/** Fails with `what` when `promise` has not settled within `ms`: a hang is a failure, not a stuck run. */
export async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// Values

const INJECTIONS = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "'; DROP TABLE chats; --",
  "' OR '1'='1",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template injection, on purpose
  '${process.exit(1)}',
  '{{constructor.constructor("return process")()}}',
  '__proto__',
  'constructor',
  'toString',
  '\u0000',
  '\u202eevil',
  '\ud800',
  '\udfff',
  '𝕏🏳️‍🌈👩‍👩‍👧‍👦',
  'ﷺ',
  'Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǒ̻͚̯',
  '../../../etc/passwd',
  '%00%s%n',
  '\r\n\r\nHTTP/1.1 200 OK',
  'null',
  '   ',
  '',
];

/** Strings people and attackers type: random text in any script, injections, long ones. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.constantFrom(...INJECTIONS),
  fc.constantFrom(9, 65, 129, 257, 1001, 4001, 8001, 20_000).map((n) => 'x'.repeat(n)),
);

const nastyNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(-1, -0, 0.5, 1e308, -1e308, 2 ** 53, 2 ** 53 + 2, 2 ** 64, Number.MIN_VALUE, -2147483649),
  fc.double(),
  fc.integer(),
);

/** Nested arrays or objects `depth` levels deep, built without recursion. */
function nested(depth: number, asObject: boolean): unknown {
  let value: unknown = 0;
  for (let i = 0; i < depth; i++) value = asObject ? { a: value } : [value];
  return value;
}

const deepValue: fc.Arbitrary<unknown> = fc
  // Deeper values would overflow JSON.stringify's stack here; deeper text is sent as text (notAnObject).
  .tuple(fc.integer({ min: 20, max: 1500 }), fc.boolean())
  .map(([depth, asObject]) => nested(depth, asObject));

/** Any JSON value, weighted towards the ones that break parsers and validators. */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  nastyString,
  nastyNumber,
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(nastyString, { maxLength: 5 }),
  fc.dictionary(nastyString, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
  deepValue,
);

/** Number literals JSON.stringify never writes: out of double range, or more digits than a double keeps. */
const RAW_NUMBERS = ['1e400', '-1e400', '123456789012345678901234567890', '-0.0', '1E-400', '0.0000001'];
const RAW_PLACEHOLDER = '__fuzz_raw_number__';

/**
 * `value` (an object) with one thing wrong: a key gone, a key of the wrong type or size, a key too many, a number
 * literal out of range; sometimes the whole frame over the size cap.
 */
export function mutated(value: Record<string, unknown>): fc.Arbitrary<FuzzPayload> {
  const keys = Object.keys(value);
  const key = keys.length > 0 ? fc.constantFrom(...keys) : fc.constant('type');
  return fc.oneof(
    {
      weight: 2,
      arbitrary: key.map((k) => {
        const copy = { ...value };
        delete copy[k];
        return json(copy);
      }),
    },
    { weight: 5, arbitrary: fc.tuple(key, nastyValue).map(([k, v]) => json({ ...value, [k]: v })) },
    { weight: 2, arbitrary: fc.tuple(nastyString, nastyValue).map(([k, v]) => json({ ...value, [k]: v })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(key, fc.constantFrom(...RAW_NUMBERS))
        .map(([k, raw]) =>
          text(JSON.stringify({ ...value, [k]: RAW_PLACEHOLDER }).replace(`"${RAW_PLACEHOLDER}"`, raw)),
        ),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(MAX_CLIENT_FRAME_BYTES - 200, MAX_CLIENT_FRAME_BYTES + 1)
        .map((size) => json({ ...value, pad: 'x'.repeat(size) })),
    },
  );
}

/** Bodies that are not one JSON object: other JSON, text, truncated JSON, deep nesting. */
function notAnObject(valid: Record<string, unknown>): fc.Arbitrary<FuzzPayload> {
  const whole = JSON.stringify(valid);
  return fc.oneof(
    fc.jsonValue().map(json),
    fc.array(fc.constant(valid), { minLength: 1, maxLength: 3 }).map(json),
    nastyString.map(text),
    fc.integer({ min: 0, max: Math.max(0, whole.length - 1) }).map((cut) => text(whole.slice(0, cut))),
    fc.integer({ min: 10, max: 30_000 }).map((depth) => text(`${'['.repeat(depth)}${']'.repeat(depth)}`)),
    fc
      .integer({ min: 10, max: 20_000 })
      .map((depth) => text(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`)),
  );
}

// ---------------------------------------------------------------------------------------------
// WebSocket frames

/** What the fuzzed frames may point at: a real open chat and device, so valid frames go past the first checks. */
export interface FrameTargets {
  chatId: string;
  deviceId: string;
  /** The device's credential: a valid `agent.hello` before the handshake is a real one. */
  credential: string;
}

type FrameArbitraries<F extends { type: string }> = {
  [T in F['type']]: fc.Arbitrary<Extract<F, { type: T }>>;
};

const idArb = fc.oneof(fc.string({ minLength: 1, maxLength: 64 }), fc.uuid());
const clientIdArb = fc.string({ unit: 'grapheme-ascii', minLength: 8, maxLength: 64 });
const textArb = fc
  .oneof(
    fc.string({ minLength: 1, maxLength: 200 }),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 50 }),
  )
  .filter((s) => s.trim().length > 0);

function chatFrames(targets: FrameTargets): FrameArbitraries<ChatClientFrame> {
  const chatId = fc.oneof(fc.constant(targets.chatId), idArb);
  return {
    'chat.subscribe': fc.record({
      type: fc.constant('chat.subscribe' as const),
      chatId,
      afterSeq: fc.nat(),
    }),
    'chat.send': fc.record({
      type: fc.constant('chat.send' as const),
      chatId,
      clientId: clientIdArb,
      text: textArb,
    }),
    'chat.typing': fc.record({ type: fc.constant('chat.typing' as const), chatId, typing: fc.boolean() }),
    'chat.close': fc.record({ type: fc.constant('chat.close' as const), chatId }),
    'chat.receipt': fc.record({
      type: fc.constant('chat.receipt' as const),
      chatId,
      seq: fc.nat(),
      state: fc.constantFrom('delivered' as const, 'read' as const),
    }),
  };
}

/** A valid frame of every type the console sends (the Record type makes a new frame type a compile error here). */
export function consoleFrames(targets: FrameTargets): FrameArbitraries<ConsoleClientFrame> {
  return {
    hello: fc.constant({ type: 'hello' as const, protocolVersion: PROTOCOL_VERSION }),
    'devices.watch': fc.record({
      type: fc.constant('devices.watch' as const),
      deviceIds: fc.array(fc.oneof(fc.constant(targets.deviceId), idArb), { maxLength: 20 }),
      listChanges: fc.boolean(),
    }),
    ...chatFrames(targets),
  };
}

const loggedOnUserArb = fc.record(
  {
    name: fc.string({ minLength: 1, maxLength: 64 }),
    session: fc.constantFrom('console' as const, 'remote' as const),
    since: fc.constant('2026-12-04T01:00:00.000Z'),
    sessionId: fc.string({ minLength: 1, maxLength: 64 }),
  },
  { requiredKeys: ['name'] },
);

/** A valid frame of every type the agent sends. */
export function agentFrames(targets: FrameTargets): FrameArbitraries<AgentClientFrame> {
  const chatId = fc.oneof(fc.constant(targets.chatId), idArb);
  return {
    'agent.hello': fc.record({
      type: fc.constant('agent.hello' as const),
      protocolVersion: fc.constant(PROTOCOL_VERSION),
      deviceId: fc.constant(targets.deviceId),
      credential: fc.constant(targets.credential),
      device: fc.record({
        name: fc.string({ minLength: 1, maxLength: 256 }),
        os: fc.string({ maxLength: 128 }),
        agentVersion: fc.string({ maxLength: 64 }),
      }),
      loggedOnUsers: fc.array(loggedOnUserArb, { maxLength: 4 }),
    }),
    'agent.users': fc.record({
      type: fc.constant('agent.users' as const),
      loggedOnUsers: fc.array(loggedOnUserArb, { maxLength: 4 }),
    }),
    'agent.end_user': fc.record({
      type: fc.constant('agent.end_user' as const),
      chatId,
      connected: fc.boolean(),
    }),
    'agent.page_failed': fc.record({
      type: fc.constant('agent.page_failed' as const),
      chatId,
      reason: fc.string({ maxLength: 1000 }),
    }),
    ...chatFrames(targets),
  };
}

function framesOf(kind: SocketKind, targets: FrameTargets): Record<string, fc.Arbitrary<{ type: string }>> {
  return kind === 'console' ? consoleFrames(targets) : agentFrames(targets);
}

/** Every frame type a `kind` socket sends. */
export function frameTypes(kind: SocketKind): string[] {
  const placeholder = { chatId: 'c', deviceId: 'd', credential: 'c'.repeat(16) };
  return Object.keys(framesOf(kind, placeholder));
}

/**
 * A frame for a `kind` socket, of the given type (any type when left out): valid, valid with one field wrong,
 * not an object at all, or binary.
 */
export function fuzzFrame(kind: SocketKind, targets: FrameTargets, type?: string): fc.Arbitrary<FuzzPayload> {
  const all = framesOf(kind, targets);
  const chosen = type === undefined ? Object.values(all) : [all[type]];
  const valid = fc.oneof(...chosen.filter((arb) => arb !== undefined)) as fc.Arbitrary<
    Record<string, unknown>
  >;
  return fc.oneof(
    { weight: 2, arbitrary: valid.map(json) },
    { weight: 8, arbitrary: valid.chain(mutated) },
    { weight: 3, arbitrary: valid.chain(notAnObject) },
    {
      weight: 1,
      arbitrary: fc.uint8Array({ maxLength: 512 }).map((data): FuzzPayload => ({ kind: 'binary', data })),
    },
  );
}

/** What the protocol says a frame gets (P-3, P-12): one error, a close, or its handler's answer. */
export type FrameExpectation =
  | { outcome: 'error'; code: ErrorCode }
  | { outcome: 'close'; code: number; error?: ErrorCode }
  | { outcome: 'handled'; frame: { type: string } & Record<string, unknown> };

/** Reads a frame as P-3 describes, with the protocol's schemas as the spec of what is valid. */
export function expectedAnswer(kind: SocketKind, payload: FuzzPayload): FrameExpectation {
  if (payload.kind === 'binary') return { outcome: 'error', code: 'bad_frame' };
  if (Buffer.byteLength(payload.text, 'utf8') > MAX_CLIENT_FRAME_BYTES) {
    return { outcome: 'close', code: CloseCode.tooBig };
  }
  let data: unknown;
  try {
    data = JSON.parse(payload.text);
  } catch {
    return { outcome: 'error', code: 'bad_frame' };
  }
  if (typeof data !== 'object' || data === null || !('type' in data) || typeof data.type !== 'string') {
    return { outcome: 'error', code: 'bad_frame' };
  }
  if (!frameTypes(kind).includes(data.type)) return { outcome: 'error', code: 'unknown_type' };
  const parsed = (kind === 'console' ? ConsoleClientFrame : AgentClientFrame).safeParse(data);
  if (!parsed.success) return { outcome: 'error', code: 'bad_frame' };
  return { outcome: 'handled', frame: parsed.data };
}

/** The string `type` of a frame that is a JSON object, else null. */
function typeOf(payload: FuzzPayload): string | null {
  if (payload.kind === 'binary') return null;
  try {
    const data: unknown = JSON.parse(payload.text);
    return typeof data === 'object' && data !== null && 'type' in data && typeof data.type === 'string'
      ? data.type
      : null;
  } catch {
    return null;
  }
}

/** Counts of what the fuzzed sockets saw, for the long run's report. */
export interface FrameStats {
  frames: number;
  /** Fuzzed frames by the `type` they carried (valid or not), when they were JSON objects with one. */
  types: Map<string, number>;
  errors: Map<string, number>;
  closes: Map<number, number>;
  sockets: number;
}

export function newFrameStats(): FrameStats {
  return { frames: 0, types: new Map(), errors: new Map(), closes: new Map(), sockets: 0 };
}

function count<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function printable(payload: FuzzPayload): string {
  const shown = payload.kind === 'binary' ? `binary(${payload.data.length})` : payload.text;
  return shown.length > 300 ? `${shown.slice(0, 300)}… (${shown.length} chars)` : shown;
}

/** Frames a fresh socket may take before its budget (P-4) could run out: it is replaced before that. */
const SOCKET_FRAME_BUDGET = FRAME_BURST - 20;

/**
 * One greeted socket of `kind` that frames are fuzzed on, replaced by a fresh one when it closed (as the protocol
 * says it may) or when its frame budget (P-4) is nearly spent, so that `rate_limited` is never the only answer.
 *
 * After each fuzzed frame it sends a barrier (`chat.subscribe` of a chat that does not exist, which always gets an
 * `error` with its `ref`): frames are handled in order (P-4), so once the barrier's answer is in, every answer to
 * the fuzzed frame is too, and a frame with no answer where the protocol promises one is caught.
 */
export class FrameFuzzer {
  private socket: TestSocket | null = null;
  private sent = 0;
  private barriers = 0;

  constructor(
    readonly kind: SocketKind,
    /** A greeted socket: the console after `welcome`, the agent after `agent.welcome`. */
    private readonly connect: () => Promise<TestSocket>,
    /** The one real chat the fuzzed frames may name; every other chat id they carry names no chat. */
    private readonly chatId: string,
    readonly stats: FrameStats = newFrameStats(),
    private readonly timeoutMs = 5000,
  ) {}

  /** The current greeted socket (a fresh one if the last closed). */
  async current(): Promise<TestSocket> {
    // Room for a fuzzed frame and its barrier, or for the few frames of a chat that proves the socket works.
    if (this.socket && this.sent + 4 <= SOCKET_FRAME_BUDGET) return this.socket;
    this.socket?.close();
    this.socket = await withDeadline(this.connect(), this.timeoutMs, `connecting a ${this.kind} socket`);
    this.stats.sockets++;
    this.sent = 1;
    return this.socket;
  }

  /** Sends `frame` on the current socket and waits until it has been handled (the barrier's answer came). */
  async roundTrip(frame: unknown): Promise<Record<string, unknown>[]> {
    const socket = await this.current();
    const from = socket.frames.length;
    socket.send(frame);
    this.sent++;
    return this.awaitBarrier(socket, from, printable(json(frame)));
  }

  /** Sends one fuzzed frame and checks its answers against the protocol; throws on a broken rule. */
  async check(payload: FuzzPayload): Promise<void> {
    try {
      await this.checkOn(await this.current(), payload);
    } catch (error) {
      // The next run starts on a fresh socket, whatever state this one was left in.
      this.close();
      throw error;
    }
  }

  private async checkOn(socket: TestSocket, payload: FuzzPayload): Promise<void> {
    const expected = expectedAnswer(this.kind, payload);
    const shown = printable(payload);
    const from = socket.frames.length;
    if (payload.kind === 'binary') socket.ws.send(payload.data, { binary: true });
    else socket.send(payload.text);
    this.sent++;
    this.stats.frames++;
    const type = typeOf(payload);
    if (type !== null) count(this.stats.types, type);

    if (expected.outcome === 'close' || this.closesSocket(expected)) {
      const closeCode = expected.outcome === 'close' ? expected.code : CloseCode.versionMismatch;
      const closed = await withDeadline(socket.closed, this.timeoutMs, `close ${closeCode} after ${shown}`);
      count(this.stats.closes, closed.code);
      this.socket = null;
      if (closed.code !== closeCode)
        throw new Error(`closed with ${closed.code}, not ${closeCode}, after ${shown}`);
      const errors = socket.frames.slice(from).filter((f) => f.type === 'error');
      if (closeCode === CloseCode.versionMismatch && !errors.some((e) => e.code === 'version_mismatch')) {
        throw new Error(`no version_mismatch error before 4002 after ${shown}`);
      }
      return;
    }

    const answers = await this.awaitBarrier(socket, from, shown);
    this.checkFrames(answers, shown);
    const errors = answers.filter((f) => f.type === 'error');
    for (const error of errors) count(this.stats.errors, String(error.code));
    // `internal` means a handler threw: a bug, whatever the frame was.
    if (errors.some((e) => e.code === 'internal')) throw new Error(`internal error after ${shown}`);
    if (expected.outcome === 'error') {
      if (errors.length !== 1 || (errors[0]?.code !== expected.code && errors[0]?.code !== 'rate_limited')) {
        throw new Error(`expected one ${expected.code} error after ${shown}; got ${JSON.stringify(errors)}`);
      }
      return;
    }
    const frame = expected.frame;
    if (frame.type === 'chat.send') {
      // P-21: a message is acked or refused with its clientId, never dropped.
      const verdicts = answers.filter(
        (f) =>
          (f.type === 'chat.ack' && f.clientId === frame.clientId) ||
          (f.type === 'error' && f.ref === frame.clientId),
      );
      if (verdicts.length !== 1) {
        throw new Error(
          `chat.send got ${verdicts.length} acks/errors, not 1: ${shown} → ${JSON.stringify(answers)}`,
        );
      }
    }
    // P-24: a frame about a chat that does not exist is refused, naming the chat (a message: its clientId).
    if (typeof frame.chatId === 'string' && frame.chatId !== this.chatId) {
      const ref = frame.type === 'chat.send' ? frame.clientId : frame.chatId;
      const refusals = errors.filter((e) => e.ref === ref);
      if (refusals.length !== 1) {
        throw new Error(
          `${refusals.length} errors, not 1, for a chat that does not exist: ${shown} → ${JSON.stringify(answers)}`,
        );
      }
    }
    // P-21, P-24: an error about a message or a chat names it; only the frame budget's answer names nothing.
    const unnamed = errors.filter((e) => e.ref === undefined && e.code !== 'rate_limited');
    if (unnamed.length > 0 && frame.type !== 'hello' && frame.type !== 'agent.hello') {
      throw new Error(`error without ref after ${shown}: ${JSON.stringify(unnamed)}`);
    }
  }

  /** A valid console hello of another protocol version closes the socket with 4002 (P-12). */
  private closesSocket(expected: FrameExpectation): boolean {
    return (
      this.kind === 'console' &&
      expected.outcome === 'handled' &&
      expected.frame.type === 'hello' &&
      expected.frame.protocolVersion !== PROTOCOL_VERSION
    );
  }

  private async awaitBarrier(
    socket: TestSocket,
    from: number,
    shown: string,
  ): Promise<Record<string, unknown>[]> {
    const barrier = `fuzz-barrier-${++this.barriers}`;
    socket.send({ type: 'chat.subscribe', chatId: barrier, afterSeq: 0 });
    this.sent++;
    const closed = socket.closed.then((c) => {
      throw new Error(`socket closed with ${c.code} (${c.reason}) after ${shown}`);
    });
    const answer = await Promise.race([
      socket.next((f) => f.type === 'error' && f.ref === barrier, this.timeoutMs),
      closed,
    ]).catch((error: unknown) => {
      throw new Error(`no answer to the barrier after ${shown}: ${(error as Error).message}`);
    });
    const end = socket.frames.indexOf(answer, from);
    return socket.frames.slice(from, end);
  }

  /** Everything the server sends is a frame of its protocol (P-7). */
  private checkFrames(frames: Record<string, unknown>[], shown: string): void {
    const schema = this.kind === 'console' ? ConsoleServerFrame : AgentServerFrame;
    for (const frame of frames) {
      const parsed = parseServerFrame(schema, JSON.stringify(frame));
      if (!parsed.ok) throw new Error(`server sent an invalid frame after ${shown}: ${parsed.error.message}`);
    }
  }

  close(): void {
    this.socket?.close();
    this.socket = null;
  }
}

/**
 * Sends one fuzzed frame as the first frame of a fresh, not yet greeted `socket` (P-12), then, if it is still open,
 * the real `hello`: a frame that is not a valid one gets its error and leaves the socket open for the hello; any
 * other frame before hello gets `not_authenticated` and 4001; a hello of another version `version_mismatch` and
 * 4002; a wrong device or credential 4001. Closes the socket at the end.
 */
export async function checkHandshake(
  kind: SocketKind,
  socket: TestSocket,
  payload: FuzzPayload,
  targets: FrameTargets,
  hello: unknown,
  stats: FrameStats = newFrameStats(),
  timeoutMs = 5000,
): Promise<void> {
  const shown = printable(payload);
  const expected = expectedAnswer(kind, payload);
  const welcome = kind === 'console' ? 'welcome' : 'agent.welcome';
  stats.frames++;
  stats.sockets++;
  if (payload.kind === 'binary') socket.ws.send(payload.data, { binary: true });
  else socket.send(payload.text);
  try {
    let closeCode: number | null = null;
    let closeError: ErrorCode | null = null;
    if (expected.outcome === 'close') closeCode = expected.code;
    if (expected.outcome === 'handled') {
      const frame = expected.frame;
      const isHello = frame.type === (kind === 'console' ? 'hello' : 'agent.hello');
      if (!isHello) [closeCode, closeError] = [CloseCode.authFailed, 'not_authenticated'];
      else if (frame.protocolVersion !== PROTOCOL_VERSION)
        [closeCode, closeError] = [CloseCode.versionMismatch, 'version_mismatch'];
      else if (
        kind === 'agent' &&
        (frame.deviceId !== targets.deviceId || frame.credential !== targets.credential)
      )
        [closeCode, closeError] = [CloseCode.authFailed, 'not_authenticated'];
    }
    if (closeCode !== null) {
      const closed = await withDeadline(
        socket.closed,
        timeoutMs,
        `close ${closeCode} before hello after ${shown}`,
      );
      count(stats.closes, closed.code);
      if (closed.code !== closeCode)
        throw new Error(`closed with ${closed.code}, not ${closeCode}, after ${shown}`);
      const errors = socket.frames.filter((f) => f.type === 'error');
      for (const error of errors) count(stats.errors, String(error.code));
      if (closeError !== null && !(errors.length === 1 && errors[0]?.code === closeError)) {
        throw new Error(
          `expected one ${closeError} error before ${closeCode} after ${shown}: ${JSON.stringify(errors)}`,
        );
      }
      return;
    }
    if (expected.outcome === 'error') socket.send(hello);
    await withDeadline(
      Promise.race([
        socket.next((f) => f.type === welcome, timeoutMs),
        socket.closed.then((c) => {
          throw new Error(`closed with ${c.code} (${c.reason})`);
        }),
      ]),
      timeoutMs,
      `${welcome} after ${shown}`,
    ).catch((error: unknown) => {
      throw new Error(`no ${welcome} after ${shown}: ${(error as Error).message}`);
    });
    const errors = socket.frames.filter((f) => f.type === 'error');
    for (const error of errors) count(stats.errors, String(error.code));
    const wanted = expected.outcome === 'error' ? [expected.code] : [];
    if (errors.length !== wanted.length || errors.some((e) => e.code !== wanted[0])) {
      throw new Error(
        `expected errors ${JSON.stringify(wanted)} before hello after ${shown}: ${JSON.stringify(errors)}`,
      );
    }
  } finally {
    socket.close();
  }
}

/**
 * After the fuzzing, a real conversation still goes through on the fuzzed sockets: the agent reports bob, the
 * operator opens (or is shown again) a chat with him, a message goes each way, each acked and delivered live.
 */
export async function expectChatWorks(
  api: ApiClient,
  deviceId: string,
  consoleFuzzer: FrameFuzzer,
  agentFuzzer: FrameFuzzer,
  timeoutMs = 5000,
): Promise<void> {
  await agentFuzzer.roundTrip({ type: 'agent.users', loggedOnUsers: [{ name: 'bob' }] });
  const opened = await api.request('POST', `/api/devices/${deviceId}/chats`, { user: 'bob' });
  if (opened.status !== 200 && opened.status !== 201) {
    throw new Error(`opening a chat after the fuzzing: ${opened.status} ${JSON.stringify(opened.body)}`);
  }
  const chatId = String(opened.body.chatId);
  const operatorSocket = await consoleFuzzer.current();
  const agentSocket = await agentFuzzer.current();
  const stamp = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const holds = (clientId: string) => (f: Record<string, unknown>) =>
    f.type === 'chat.entries' &&
    Array.isArray(f.entries) &&
    f.entries.some((e: { clientId?: unknown }) => e.clientId === clientId);
  const acked = (clientId: string) => (f: Record<string, unknown>) =>
    f.type === 'chat.ack' && f.clientId === clientId;

  operatorSocket.send({ type: 'chat.subscribe', chatId, afterSeq: 0 });
  await operatorSocket.next(
    (f) => f.type === 'chat.info' && (f.chat as { chatId?: unknown }).chatId === chatId,
    timeoutMs,
  );
  const question = `op-${stamp}`;
  operatorSocket.send({
    type: 'chat.send',
    chatId,
    clientId: question,
    text: 'Still there after the fuzzing?',
  });
  await operatorSocket.next(acked(question), timeoutMs);
  await agentSocket.next(holds(question), timeoutMs);
  const reply = `eu-${stamp}`;
  agentSocket.send({ type: 'chat.send', chatId, clientId: reply, text: 'Yes.' });
  await agentSocket.next(acked(reply), timeoutMs);
  await operatorSocket.next(holds(reply), timeoutMs);
  const health = await fetch(`${api.baseUrl}/healthz`);
  if (health.status !== 200) throw new Error(`/healthz answered ${health.status}`);
}

// ---------------------------------------------------------------------------------------------
// REST bodies

/** The records the fuzzed routes point at: victims the fuzzing may change, never the signed-in admin. */
export interface RestTargets {
  operatorId: string;
  operatorGroupId: string;
  deviceId: string;
  deviceGroupId: string;
  chatId: string;
}

export interface BodyRoute {
  method: string;
  /** As OpenAPI writes it: `/api/operators/{id}`. */
  path: string;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, { requestBody?: unknown }>>;
}

/** Sign-in is not in the OpenAPI document (it is hidden), but takes a body like the others. */
const HIDDEN_BODY_ROUTES: BodyRoute[] = [{ method: 'POST', path: '/api/auth/login' }];

/** Every route that takes a body, as the server's OpenAPI document lists them. */
export function bodyRoutes(document: unknown): BodyRoute[] {
  const routes: BodyRoute[] = [];
  for (const [path, operations] of Object.entries((document as OpenApiDocument).paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      if (operation.requestBody !== undefined) routes.push({ method: method.toUpperCase(), path });
    }
  }
  const listed = (route: BodyRoute) => routes.some((r) => r.method === route.method && r.path === route.path);
  return [...HIDDEN_BODY_ROUTES.filter((route) => !listed(route)), ...routes];
}

/** A valid body of every route that takes one; the fuzzer mutates these. */
export const VALID_BODIES: Record<string, (t: RestTargets) => unknown> = {
  'POST /api/auth/login': () => ({ username: 'fuzz-nobody', password: 'not the password at all' }),
  'PUT /api/auth/display-name': () => ({ displayName: 'Administrator' }),
  'PUT /api/auth/password': () => ({
    currentPassword: 'not the password at all',
    newPassword: 'another long one!',
  }),
  'PATCH /api/devices/{id}': () => ({ name: 'PC-fuzzed' }),
  'POST /api/enrollment-tokens': (t) => ({
    label: 'fuzz',
    expiresInHours: 1,
    maxUses: 2,
    deviceGroupId: t.deviceGroupId,
  }),
  'POST /api/agents/enroll': () => ({ token: 'not-a-token-0000000000', name: 'PC-fuzz', os: 'linux' }),
  'POST /api/agents/credential': (t) => ({ deviceId: t.deviceId, credential: 'not-the-credential-000' }),
  'POST /api/agents/credential/confirm': (t) => ({
    deviceId: t.deviceId,
    credential: 'not-the-credential-000',
  }),
  'POST /api/devices/{id}/chats': () => ({ user: 'bob' }),
  'POST /api/operators': () => ({
    username: 'fuzz-op',
    password: 'a long fuzz password',
    displayName: 'Fuzz',
  }),
  'PATCH /api/operators/{id}': () => ({ displayName: 'Victim', disabled: false }),
  'PUT /api/operators/{id}/capabilities': () => ({ capabilities: ['instant-messaging'] }),
  'PUT /api/operators/{id}/password': () => ({ password: 'the victim password' }),
  'POST /api/operator-groups': () => ({ name: 'fuzz group' }),
  'PUT /api/operator-groups/{id}/members': (t) => ({ operatorIds: [t.operatorId] }),
  'PUT /api/operator-groups/{id}/capabilities': () => ({ capabilities: ['recordings.view'] }),
  'POST /api/device-groups': (t) => ({
    name: 'fuzz devices',
    parentId: t.deviceGroupId,
    rule: { namePattern: 'PC-*' },
  }),
  'PUT /api/device-groups/{id}/devices': (t) => ({ deviceIds: [t.deviceId] }),
  'PUT /api/access-rights': (t) => ({
    operatorId: t.operatorId,
    deviceId: t.deviceId,
    read: 'allow',
    write: null,
  }),
  'POST /api/license': () => ({ format: 'parley-license/1', terms: {}, signature: 'AAAA' }),
  'PUT /api/settings/recording': (t) => ({
    enabled: false,
    scope: { deviceGroupIds: [t.deviceGroupId] },
    retentionDays: 30,
    notifyEndUser: true,
    recordEvents: true,
  }),
  'PUT /api/recordings/{chatId}/note': () => ({ note: 'fuzz note' }),
  'PUT /api/recordings/{chatId}/lock': () => ({ locked: false }),
  'POST /api/recordings/exports': (t) => ({ filter: { device: t.deviceId, q: 'hello' }, format: 'json' }),
};

/** The record a path parameter names, by the path before it. */
function targetOf(path: string, t: RestTargets): string {
  if (path.startsWith('/api/operators/')) return t.operatorId;
  if (path.startsWith('/api/operator-groups/')) return t.operatorGroupId;
  if (path.startsWith('/api/device-groups/')) return t.deviceGroupId;
  if (path.startsWith('/api/devices/')) return t.deviceId;
  if (path.startsWith('/api/recordings/')) return t.chatId;
  throw new Error(`no fuzz target for the parameter of ${path}`);
}

export interface FuzzRequest {
  method: string;
  path: string;
  /** The body as sent; undefined sends none. */
  body: string | undefined;
  contentType: string | undefined;
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=fuzz',
  'application/octet-stream',
  'application/json; charset=utf-16',
];

/** A path segment made of fuzz, that stays one segment and a valid URL. */
const pathSegment = nastyString
  .filter((s) => s.length <= 200 && s !== '.' && s !== '..' && wellFormed(s))
  .map((s) => encodeURIComponent(s));

/** No lone surrogate (encodeURIComponent throws on one). */
function wellFormed(s: string): boolean {
  try {
    encodeURIComponent(s);
    return true;
  } catch {
    return false;
  }
}

/** A request to `route`: its valid body, a mutated one, one that is not a JSON object, or the wrong kind of body. */
export function fuzzRequest(route: BodyRoute, targets: RestTargets): fc.Arbitrary<FuzzRequest> {
  const key = `${route.method} ${route.path}`;
  const validBody = VALID_BODIES[key];
  if (!validBody) throw new Error(`no valid body for ${key}: add one to VALID_BODIES`);
  const valid = validBody(targets) as Record<string, unknown>;
  const param = /\{\w+\}/;
  const path = param.test(route.path)
    ? fc
        .oneof(
          { weight: 4, arbitrary: fc.constant(targetOf(route.path, targets)) },
          { weight: 1, arbitrary: pathSegment },
        )
        .map((segment) => route.path.replace(param, segment))
    : fc.constant(route.path);
  const body: fc.Arbitrary<{ body: string | undefined; contentType: string | undefined }> = fc.oneof(
    { weight: 1, arbitrary: fc.constant({ body: JSON.stringify(valid), contentType: 'application/json' }) },
    {
      weight: 6,
      arbitrary: fc
        .oneof(mutated(valid), notAnObject(valid))
        .map((p) => ({ body: p.kind === 'text' ? p.text : '', contentType: 'application/json' })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.oneof(fc.constant(JSON.stringify(valid)), nastyString), fc.constantFrom(...CONTENT_TYPES))
        .map(([b, contentType]) => ({ body: b, contentType })),
    },
    { weight: 1, arbitrary: fc.constant({ body: undefined, contentType: undefined }) },
    { weight: 1, arbitrary: fc.constant({ body: '', contentType: 'application/json' }) },
  );
  return fc.tuple(path, body).map(([p, b]) => ({ method: route.method, path: p, ...b }));
}

/** A signed-in administrator gets 401 only from the routes that check a password or a device credential. */
function unauthorizedAllowed(request: FuzzRequest): boolean {
  return (
    request.path === '/api/auth/login' ||
    request.path === '/api/auth/password' ||
    request.path.startsWith('/api/agents/')
  );
}

/** Records every fuzzed route may point at, made through the API as an administrator would. */
export async function createRestTargets(
  api: ApiClient,
  deviceId: string,
  chatId: string,
): Promise<RestTargets> {
  const created = async (path: string, body: unknown) => {
    const answer = await api.request('POST', path, body);
    if (answer.status !== 201)
      throw new Error(`POST ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return String(answer.body.id);
  };
  const suffix = Math.random().toString(36).slice(2, 8);
  return {
    operatorId: await created('/api/operators', {
      username: `fuzz-victim-${suffix}`,
      password: 'the victim password',
      displayName: 'Victim',
    }),
    operatorGroupId: await created('/api/operator-groups', { name: `fuzz victims ${suffix}` }),
    deviceGroupId: await created('/api/device-groups', { name: `fuzz devices ${suffix}` }),
    deviceId,
    chatId,
  };
}

/** After the fuzzing, what the console reads still reads: every list parses with its schema. */
export async function expectStateReadable(api: ApiClient): Promise<void> {
  const lists: [string, { safeParse(value: unknown): { success: boolean } }][] = [
    ['/api/auth/me', OperatorView],
    ['/api/operators', OperatorList],
    ['/api/operator-groups', OperatorGroupList],
    ['/api/device-groups', DeviceGroupList],
    ['/api/devices', DeviceList],
    ['/api/access-rights', AccessRightList],
    ['/api/enrollment-tokens', EnrollmentTokenList],
    ['/api/settings/recording', RecordingSettings],
    ['/api/license', LicenseView],
  ];
  for (const [path, schema] of lists) {
    const answer = await api.request('GET', path);
    if (answer.status !== 200 || !schema.safeParse(answer.body).success) {
      throw new Error(
        `GET ${path} after the fuzzing: ${answer.status} ${JSON.stringify(answer.body).slice(0, 500)}`,
      );
    }
  }
}

export interface RestStats {
  requests: number;
  statuses: Map<number, number>;
}

export function newRestStats(): RestStats {
  return { requests: 0, statuses: new Map() };
}

/**
 * Sends `request` as `api` (its session cookie and the server's Origin, as every state-changing request needs) and
 * checks the answer: never 5xx, always JSON, an error in the documented shape `{error, message}` with a known code.
 */
export async function checkRequest(
  api: ApiClient,
  request: FuzzRequest,
  stats: RestStats = newRestStats(),
  timeoutMs = 10_000,
): Promise<void> {
  const shown = `${request.method} ${request.path} (${request.contentType ?? 'no content-type'}) ${
    request.body === undefined
      ? ''
      : request.body.length > 300
        ? `${request.body.slice(0, 300)}…`
        : request.body
  }`;
  const response = await withDeadline(
    fetch(api.baseUrl + request.path, {
      method: request.method,
      headers: {
        origin: api.baseUrl,
        cookie: api.cookie,
        ...(request.contentType === undefined ? {} : { 'content-type': request.contentType }),
      },
      ...(request.body === undefined ? {} : { body: request.body }),
    }).then(async (r) => ({ status: r.status, text: await r.text() })),
    timeoutMs,
    shown,
  );
  stats.requests++;
  count(stats.statuses, response.status);
  if (response.status >= 500) throw new Error(`${response.status} for ${shown}: ${response.text}`);
  if (response.status === 401 && !unauthorizedAllowed(request)) {
    throw new Error(`401 (the session was lost?) for ${shown}: ${response.text}`);
  }
  if (response.status === 204) return;
  let answer: unknown;
  try {
    answer = JSON.parse(response.text);
  } catch {
    throw new Error(`${response.status} answer is not JSON for ${shown}: ${response.text.slice(0, 300)}`);
  }
  if (response.status >= 400) {
    const shape = answer as { error?: unknown; message?: unknown };
    if (typeof shape.message !== 'string' || !ApiErrorCode.safeParse(shape.error).success) {
      throw new Error(`${response.status} without the {error, message} shape for ${shown}: ${response.text}`);
    }
  }
}
