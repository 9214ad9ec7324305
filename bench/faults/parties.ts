/**
 * The two sides of a chat as the fault run drives them: an agent on the real agent's server connection
 * (packages/agent's ServerConnection: its reconnect loop, backoff and watchdog), and a console on the protocol's
 * reconnect loop. Each keeps what it sent until acked and resends it after a reconnect or a refusal (same clientId,
 * P-20/P-21), merges entries by seq and fills holes (P-23), as the real clients do.
 */
import { randomUUID } from 'node:crypto';
import {
  type AgentHello,
  PROTOCOL_VERSION,
  ReconnectLoop,
  type SocketHandle,
  type SocketHandlers,
} from '@parley/protocol';
import WebSocket from 'ws';
import { type AgentLiveFrame, ServerConnection } from '../../packages/agent/src/connection.js';
import { wsSocketHandle } from '../../packages/agent/src/wsSocket.js';

export interface Entry {
  seq: number;
  kind: 'message' | 'event';
  clientId?: string;
  event?: string;
}

interface Sent {
  text: string;
  sentAt: number;
  ackedSeq: number | null;
  ackedAt: number | null;
}

/** How long a hole in the seqs may stay open before the party asks for what is missing (P-23). */
const HOLE_MS = 1000;
/** After a refusal (`internal` while the database is down, say): wait this long, then send it again. */
const RETRY_MS = 1000;

/** One side's record of a chat: what it sent and what the server acked, every entry it received. */
export class Ledger {
  readonly sent = new Map<string, Sent>();
  readonly entries = new Map<number, Entry>();
  /** When each entry first came. */
  readonly receivedAt = new Map<number, number>();
  /** Entries received again (history overlapping live frames): harmless, counted. */
  redelivered = 0;
  readonly refusals = new Map<string, number>();
  /** Error frames with no ref: the party cannot tell which message (if any) they refused (P-21 says they name it). */
  unattributed = 0;
  readonly events: { at: number; event: string }[] = [];
  private holeSince: number | null = null;

  constructor(readonly name: string) {}

  /** The highest seq up to which every entry is here. */
  get contiguous(): number {
    let seq = 0;
    while (this.entries.has(seq + 1)) seq++;
    return seq;
  }

  get maxSeq(): number {
    return Math.max(0, ...this.entries.keys());
  }

  get unacked(): string[] {
    return [...this.sent].filter(([, s]) => s.ackedSeq === null).map(([id]) => id);
  }

  add(entries: readonly Entry[]): void {
    const now = Date.now();
    for (const entry of entries) {
      if (this.entries.has(entry.seq)) {
        this.redelivered++;
        continue;
      }
      this.entries.set(entry.seq, entry);
      this.receivedAt.set(entry.seq, now);
      if (entry.kind === 'event' && entry.event) this.events.push({ at: now, event: entry.event });
    }
    this.holeSince = this.contiguous < this.maxSeq ? (this.holeSince ?? now) : null;
  }

  /** True once a hole has stayed open for HOLE_MS: time to subscribe again from `contiguous`. */
  holeToFill(): boolean {
    if (this.holeSince === null || Date.now() - this.holeSince < HOLE_MS) return false;
    this.holeSince = Date.now();
    return true;
  }

  ack(clientId: string, seq: number): void {
    const sent = this.sent.get(clientId);
    if (!sent) return;
    if (sent.ackedSeq !== null && sent.ackedSeq !== seq)
      throw new Error(`${this.name}: ${clientId} acked at seq ${sent.ackedSeq}, then at ${seq}`);
    sent.ackedSeq = seq;
    sent.ackedAt ??= Date.now();
  }

  refused(code: string): void {
    this.refusals.set(code, (this.refusals.get(code) ?? 0) + 1);
  }
}

type Frame = Record<string, unknown> & { type: string };

function isEntries(value: unknown): value is Entry[] {
  return Array.isArray(value);
}

/** What both parties do with the frames about their chat. */
abstract class Party {
  readonly ledger: Ledger;
  private readonly retries = new Set<NodeJS.Timeout>();
  private holeTimer: NodeJS.Timeout;

  constructor(
    name: string,
    public chatId: string,
  ) {
    this.ledger = new Ledger(name);
    this.holeTimer = setInterval(() => {
      if (this.ready && this.ledger.holeToFill()) this.subscribe();
    }, 250);
  }

  abstract get ready(): boolean;
  protected abstract sendFrame(frame: object): boolean;

  /** A new message: sent now if connected, else when the party is back. */
  say(text: string): string {
    const clientId = randomUUID();
    this.ledger.sent.set(clientId, { text, sentAt: Date.now(), ackedSeq: null, ackedAt: null });
    this.transmit(clientId);
    return clientId;
  }

  protected transmit(clientId: string): void {
    const sent = this.ledger.sent.get(clientId);
    if (!sent || sent.ackedSeq !== null) return;
    this.sendFrame({ type: 'chat.send', chatId: this.chatId, clientId, text: sent.text });
  }

  protected subscribe(): void {
    if (this.chatId === '') return;
    this.sendFrame({ type: 'chat.subscribe', chatId: this.chatId, afterSeq: this.ledger.contiguous });
  }

  /** Once (re)connected and greeted: catch up, then send what was never acked. */
  protected resume(): void {
    this.subscribe();
    for (const clientId of this.ledger.unacked) this.transmit(clientId);
  }

  protected handle(frame: Frame): void {
    if (frame.type === 'chat.entries' && frame.chatId === this.chatId && isEntries(frame.entries)) {
      this.ledger.add(frame.entries);
    } else if (frame.type === 'chat.ack' && frame.chatId === this.chatId) {
      this.ledger.ack(String(frame.clientId), Number(frame.seq));
    } else if (frame.type === 'error') {
      const ref = typeof frame.ref === 'string' ? frame.ref : '';
      this.ledger.refused(String(frame.code));
      if (ref === '') this.ledger.unattributed++;
      if (this.ledger.sent.has(ref)) {
        const timer = setTimeout(() => {
          this.retries.delete(timer);
          this.transmit(ref);
        }, RETRY_MS);
        this.retries.add(timer);
      }
    }
  }

  protected stopTimers(): void {
    clearInterval(this.holeTimer);
    for (const timer of this.retries) clearTimeout(timer);
  }
}

export interface AgentPartyOptions {
  wsUrl: string;
  deviceId: string;
  credential: string;
  name: string;
  endUser: string;
  log(line: string): void;
}

/**
 * The device's side, on the agent's own ServerConnection. It takes the first chat opened on the device; that chat's
 * end-user page counts as open from then on (the agent says so at each welcome, as the real one does).
 */
export class AgentParty extends Party {
  private readonly connection: ServerConnection;
  /** When the connection went down and came back (greeted), in order. */
  readonly downs: number[] = [];
  readonly ups: number[] = [];

  constructor(options: AgentPartyOptions) {
    super('agent', '');
    this.connection = new ServerConnection({
      url: options.wsUrl,
      hello: async (): Promise<AgentHello> => ({
        type: 'agent.hello',
        protocolVersion: PROTOCOL_VERSION,
        deviceId: options.deviceId,
        credential: options.credential,
        device: { name: options.name, os: 'linux', agentVersion: 'faults' },
        loggedOnUsers: [{ name: options.endUser }],
      }),
      onWelcome: () => {
        this.ups.push(Date.now());
        if (this.chatId === '') return;
        this.sendFrame({ type: 'agent.end_user', chatId: this.chatId, connected: true });
        this.resume();
      },
      onFrame: (frame: AgentLiveFrame) => {
        if (frame.type === 'agent.chat_open' && this.chatId === '') {
          this.chatId = frame.chat.chatId;
          this.sendFrame({ type: 'agent.end_user', chatId: this.chatId, connected: true });
          this.resume();
          return;
        }
        this.handle(frame as unknown as Frame);
      },
      onDown: () => this.downs.push(Date.now()),
      log: (line) => options.log(`agent: ${line}`),
    });
    this.connection.start();
  }

  get ready(): boolean {
    return this.connection.isReady;
  }

  protected sendFrame(frame: object): boolean {
    return this.connection.send(frame as Parameters<ServerConnection['send']>[0]);
  }

  async stop(): Promise<void> {
    this.stopTimers();
    await this.connection.stop();
  }
}

export interface ConsolePartyOptions {
  /** The node's http(s) URL: the socket goes to its /ws/console, with this origin. */
  nodeUrl: string;
  cookie: string;
  chatId: string;
  /** The chat's device: the console watches it (P-37), so its presence is told. */
  deviceId: string;
}

/** The operator's side: a console socket to one node, brought back by the protocol's reconnect loop. */
export class ConsoleParty extends Party {
  private readonly loop: ReconnectLoop;
  private greeted = false;
  /** The devices the console watches (P-37): the chat's, and any `watch` added. */
  private watched: string[];
  readonly closes: { at: number; code: number }[] = [];
  /** Devices' online state as device.updated frames told it, with when. */
  readonly presence: { at: number; deviceId: string; online: boolean }[] = [];

  constructor(private readonly options: ConsolePartyOptions) {
    super('console', options.chatId);
    this.watched = [options.deviceId];
    this.loop = new ReconnectLoop({
      url: () => `${options.nodeUrl.replace(/^http/, 'ws')}/ws/console`,
      connect: (url, handlers) => this.open(url, handlers),
      onOpen: () => this.loop.send(JSON.stringify({ type: 'hello', protocolVersion: PROTOCOL_VERSION })),
      onMessage: (data) => this.receive(data),
      onClose: (code) => {
        this.greeted = false;
        this.closes.push({ at: Date.now(), code });
        return 'retry';
      },
    });
    this.loop.start();
  }

  get ready(): boolean {
    return this.greeted;
  }

  /** Watches `deviceId` too, from now on and after every reconnect. */
  watch(deviceId: string): void {
    this.watched.push(deviceId);
    if (this.greeted) this.loop.send(this.watchFrame());
  }

  private watchFrame(): string {
    return JSON.stringify({ type: 'devices.watch', deviceIds: this.watched, listChanges: false });
  }

  protected sendFrame(frame: object): boolean {
    return this.greeted && this.loop.send(JSON.stringify(frame));
  }

  private open(url: string, handlers: SocketHandlers): SocketHandle {
    const ws = new WebSocket(url, {
      perMessageDeflate: false,
      headers: { origin: this.options.nodeUrl, cookie: this.options.cookie },
    });
    ws.on('error', () => {});
    return wsSocketHandle(ws, handlers);
  }

  private receive(data: string): void {
    let frame: Frame;
    try {
      frame = JSON.parse(data) as Frame;
    } catch {
      return;
    }
    if (frame.type === 'welcome' && !this.greeted) {
      this.loop.send(this.watchFrame());
      return;
    }
    if (frame.type === 'devices.watched' && frame.more === false && !this.greeted) {
      this.greeted = true;
      this.loop.resetBackoff();
      this.resume();
      return;
    }
    if (frame.type === 'device.updated') {
      const device = frame.device as { id: string; online: boolean };
      this.presence.push({ at: Date.now(), deviceId: device.id, online: device.online });
      return;
    }
    this.handle(frame);
  }

  stop(): void {
    this.stopTimers();
    this.loop.stop();
  }
}

/** What went wrong between the two ledgers of one chat; empty when every acked message is there once, in order. */
export function ledgerProblems(parties: readonly Ledger[]): string[] {
  const problems: string[] = [];
  const reference = parties[0];
  if (!reference) return problems;
  for (const ledger of parties) {
    const unacked = ledger.unacked.length;
    if (unacked > 0) problems.push(`${ledger.name}: ${unacked} message(s) never acked`);
    if (ledger.unattributed > 0)
      problems.push(
        `${ledger.name}: ${ledger.unattributed} error frame(s) named no message (P-21: ref = clientId)`,
      );
    if (ledger.contiguous !== ledger.maxSeq)
      problems.push(
        `${ledger.name}: entries have a hole after seq ${ledger.contiguous} (max ${ledger.maxSeq})`,
      );
    const seqOf = new Map<string, number>();
    for (const entry of ledger.entries.values()) {
      if (entry.kind !== 'message' || !entry.clientId) continue;
      const earlier = seqOf.get(entry.clientId);
      if (earlier !== undefined)
        problems.push(`${ledger.name}: ${entry.clientId} stored twice (seq ${earlier} and ${entry.seq})`);
      seqOf.set(entry.clientId, entry.seq);
    }
    for (const party of parties)
      for (const [clientId, sent] of party.sent) {
        if (sent.ackedSeq === null) continue;
        const entry = ledger.entries.get(sent.ackedSeq);
        if (entry?.clientId !== clientId)
          problems.push(
            `${ledger.name}: ${party.name}'s ${clientId} acked at seq ${sent.ackedSeq}, not there`,
          );
      }
  }
  for (const ledger of parties.slice(1)) {
    const same =
      ledger.maxSeq === reference.maxSeq &&
      [...reference.entries].every(([seq, entry]) => {
        const other = ledger.entries.get(seq);
        return other?.kind === entry.kind && other.clientId === entry.clientId && other.event === entry.event;
      });
    if (!same) problems.push(`${ledger.name} and ${reference.name} hold different conversations`);
  }
  return problems;
}
