import { type ChatServerFrame, MAX_MESSAGE_CHARS, type Receipts, type Role } from '@parley/protocol';
import {
  type ChatAction,
  type ChatState,
  chatReducer,
  initialChatState,
  isClosed,
  type MessageEntry,
  toResend,
} from './chatState';
import { type Clock, realClock } from './clock';
import type { ChatTransport } from './transport';
import { PEER_TYPING_TIMEOUT_MS, TypingNotifier } from './typing';

export interface ChatControllerOptions {
  myRole: Role;
  clock?: Clock;
  newId?: () => string;
  /**
   * A message with no ack or error within this long (sent, or waiting for a connection) is shown as not delivered,
   * and sent again when the connection is back.
   */
  ackTimeoutMs?: number;
  /** A number in [0, 1): the jitter of retries (P-36). */
  random?: () => number;
}

export const ACK_TIMEOUT_MS = 15_000;
/** How long to wait before sending again a message refused as `overloaded` without a delay of its own. */
const OVERLOADED_RETRY_MS = 1000;

/**
 * A `chat.info` that arrives this long after a message went out, with no answer for it yet, means the path was
 * re-established behind the transport (the agent reconnected to the server and re-subscribed for the page): the
 * message may have been lost on the dead link, so it is sent again (same client id: never stored twice).
 */
export const STALE_SEND_MS = 2000;

export type SendRefusal = 'empty' | 'too_long' | 'closed';

const NO_RECEIPTS: Receipts = { deliveredSeq: 0, readSeq: 0 };

/**
 * One chat as one side sees it: holds the state (pure reducer in chatState.ts) and speaks to the transport.
 * Framework-free; `useChat` wraps it for React. Survives transport drops: on `ready` it re-subscribes after the
 * highest seq it holds and resends what is still pending, with the same client ids.
 *
 * Receipts: whenever the other side's messages arrive it says `delivered` up to the highest seq it holds, and while
 * its person is looking at the conversation (`setAttention(true)`: window shown, tab visible and focused) `read`.
 */
/** How long a hole in the seqs may stay before the chat is asked for again. */
export const GAP_WAIT_MS = 1000;

export class ChatController {
  private state: ChatState;
  private readonly listeners = new Set<() => void>();
  private unlisten: (() => void) | null = null;
  private readonly ackTimers = new Map<string, () => void>();
  /** Pending check for a gap in the seqs held; a gap that outlives it is filled by subscribing again. */
  private cancelGapCheck: (() => void) | null = null;
  /** When each pending message last went out. */
  private readonly transmittedAt = new Map<string, number>();
  private cancelPeerTyping: (() => void) | null = null;
  private readonly typing: TypingNotifier;
  private readonly clock: Clock;
  private readonly newId: () => string;
  private readonly ackTimeoutMs: number;
  private readonly random: () => number;
  /** This side's person is looking at the conversation: what arrives is read. */
  private attention = false;
  /** This side's marks as the server last told them. */
  private confirmed: Receipts = NO_RECEIPTS;
  /** Receipts sent on the current connection (forgotten on a drop, so a lost one is sent again). */
  private sentMarks: Receipts = NO_RECEIPTS;
  /** The first `chat.entries` after `start()` is history, not news. */
  private historyPending = true;
  private readonly peerMessageListeners = new Set<(messages: MessageEntry[]) => void>();

  constructor(
    readonly chatId: string,
    private readonly transport: ChatTransport,
    options: ChatControllerOptions,
  ) {
    this.state = initialChatState(chatId, options.myRole);
    this.clock = options.clock ?? realClock;
    this.newId = options.newId ?? (() => crypto.randomUUID());
    this.ackTimeoutMs = options.ackTimeoutMs ?? ACK_TIMEOUT_MS;
    this.random = options.random ?? Math.random;
    this.typing = new TypingNotifier(
      (typing) => this.transport.send({ type: 'chat.typing', chatId: this.chatId, typing }),
      this.clock,
    );
  }

  // --- store (for useSyncExternalStore) ---------------------------------------------------------------------

  readonly getState = (): ChatState => this.state;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  private dispatch(action: ChatAction): void {
    const next = chatReducer(this.state, action);
    if (next === this.state) return;
    this.state = next;
    for (const listener of this.listeners) listener();
  }

  // --- lifecycle --------------------------------------------------------------------------------------------

  /** Starts listening (and subscribes at once if the transport is up). Can be called again after `stop()`. */
  start(): void {
    if (this.unlisten) return;
    this.historyPending = true;
    this.unlisten = this.transport.listen({
      frame: (frame) => this.onFrame(frame),
      ready: () => this.onReady(),
      down: () => this.onDown(),
    });
    if (this.transport.ready) this.onReady();
  }

  stop(): void {
    this.unlisten?.();
    this.unlisten = null;
    this.typing.stop();
    this.typing.reset();
    this.clearAckTimers();
    this.cancelGapCheck?.();
    this.cancelGapCheck = null;
    this.cancelPeerTyping?.();
    this.cancelPeerTyping = null;
    this.dispatch({ type: 'connection', up: false });
  }

  private onReady(): void {
    this.dispatch({ type: 'connection', up: true });
    this.transport.send({ type: 'chat.subscribe', chatId: this.chatId, afterSeq: this.state.lastSeq });
    for (const message of toResend(this.state)) this.transmit(message.clientId);
  }

  private onDown(): void {
    this.sentMarks = NO_RECEIPTS;
    this.dispatch({ type: 'connection', up: false });
    this.typing.reset();
    // Ack timers keep running: a message must not wait silently for a connection that may never come back.
    this.setPeerTyping(false);
  }

  private onFrame(frame: ChatServerFrame): void {
    switch (frame.type) {
      case 'chat.info':
        if (frame.chat.chatId !== this.chatId) return;
        this.dispatch({ type: 'info', info: frame.chat });
        this.confirm(frame.chat.receipts[this.state.myRole]);
        if (frame.chat.status === 'closed') {
          this.typing.reset();
          this.setPeerTyping(false);
        } else {
          this.resendStale();
        }
        this.sendReceipts();
        return;
      case 'chat.entries': {
        if (frame.chatId !== this.chatId) return;
        const before = this.state.entries;
        this.dispatch({ type: 'entries', entries: frame.entries });
        for (const entry of frame.entries) {
          if (entry.kind === 'message') {
            this.clearAckTimer(entry.clientId);
            this.transmittedAt.delete(entry.clientId);
          }
        }
        if (!this.state.peerTyping) this.setPeerTyping(false);
        const news = this.historyPending ? [] : this.newPeerMessages(before);
        this.historyPending = false;
        this.sendReceipts();
        this.checkForGap();
        if (news.length > 0) for (const listener of [...this.peerMessageListeners]) listener(news);
        return;
      }
      case 'chat.receipts':
        if (frame.chatId !== this.chatId) return;
        if (frame.role === this.state.myRole) this.confirm(frame);
        this.dispatch({
          type: 'receipts',
          role: frame.role,
          receipts: { deliveredSeq: frame.deliveredSeq, readSeq: frame.readSeq },
        });
        return;
      case 'chat.ack':
        if (frame.chatId !== this.chatId) return;
        this.clearAckTimer(frame.clientId);
        this.transmittedAt.delete(frame.clientId);
        this.dispatch({ type: 'ack', clientId: frame.clientId, seq: frame.seq, at: frame.at });
        return;
      case 'chat.typing':
        if (frame.chatId !== this.chatId || frame.role === this.state.myRole) return;
        this.setPeerTyping(frame.typing);
        return;
      case 'error':
        if (frame.ref !== undefined) this.clearAckTimer(frame.ref);
        if (frame.code === 'overloaded' && frame.ref !== undefined) {
          this.sendLater(frame.ref, frame.retryAfterMs);
          return;
        }
        this.dispatch({ type: 'error', frame });
        return;
    }
  }

  // --- actions --------------------------------------------------------------------------------------------

  /** Queues a message and sends it if the transport is up; a refusal (nothing queued) otherwise. */
  send(text: string): { ok: true; clientId: string } | { ok: false; reason: SendRefusal } {
    if (text.trim().length === 0) return { ok: false, reason: 'empty' };
    if (text.length > MAX_MESSAGE_CHARS) return { ok: false, reason: 'too_long' };
    if (isClosed(this.state)) return { ok: false, reason: 'closed' };
    const clientId = this.newId();
    this.typing.stop();
    this.dispatch({ type: 'queue', clientId, text, createdAt: new Date(this.clock.now()).toISOString() });
    this.transmitOrWait(clientId);
    return { ok: true, clientId };
  }

  /** Sends a not-delivered message again, with the same client id (the server never stores it twice). */
  retry(clientId: string): void {
    this.dispatch({ type: 'retry', clientId });
    this.transmitOrWait(clientId);
  }

  /** Sends now, or (no connection) shows it as not delivered if the connection does not come back in time. */
  private transmitOrWait(clientId: string): void {
    this.transmit(clientId);
    const message = this.state.pending.find((m) => m.clientId === clientId);
    if (message?.status === 'sending' && !this.ackTimers.has(clientId))
      this.armAckTimer(clientId, message.attempt);
  }

  /**
   * Whether this side's person is looking at the conversation now. While they are, everything that arrives is marked
   * read (and what arrived before is marked read at once).
   */
  setAttention(looking: boolean): void {
    if (this.attention === looking) return;
    this.attention = looking;
    if (looking) this.sendReceipts();
  }

  /** Calls `listener` with the other side's messages that arrive live (not the history loaded at start). */
  onPeerMessages(listener: (messages: MessageEntry[]) => void): () => void {
    this.peerMessageListeners.add(listener);
    return () => {
      this.peerMessageListeners.delete(listener);
    };
  }

  /** The text in the box changed. */
  input(text: string): void {
    if (isClosed(this.state) || !this.transport.ready) return;
    if (text.trim().length > 0) this.typing.input();
    else this.typing.stop();
  }

  /** Ends the chat for both sides. */
  close(): boolean {
    this.typing.reset();
    return this.transport.send({ type: 'chat.close', chatId: this.chatId });
  }

  // --- internals ------------------------------------------------------------------------------------------

  private confirm(marks: Receipts): void {
    this.confirmed = {
      deliveredSeq: Math.max(this.confirmed.deliveredSeq, marks.deliveredSeq, marks.readSeq),
      readSeq: Math.max(this.confirmed.readSeq, marks.readSeq),
    };
  }

  /** The other side's messages that were not held before this frame and that this side has not read. */
  private newPeerMessages(before: ChatState['entries']): MessageEntry[] {
    const held = new Set(before.map((entry) => entry.seq));
    const readSeq = this.state.receipts[this.state.myRole].readSeq;
    return this.state.entries.filter(
      (entry): entry is MessageEntry =>
        entry.kind === 'message' &&
        entry.from.role !== this.state.myRole &&
        entry.seq > readSeq &&
        !held.has(entry.seq),
    );
  }

  /**
   * Says how far this side has received (and, while looked at, read) the chat, when the other side has a message
   * past what was already said. The mark is the highest seq held.
   */
  private sendReceipts(): void {
    if (!this.transport.ready) return;
    const { entries, myRole, lastSeq } = this.state;
    let lastPeerMessage = 0;
    for (let i = entries.length - 1; i >= 0; i--) {
      const entry = entries[i];
      // Nothing past a hole counts: receipts only cover what is held without gaps.
      if (entry && entry.seq > lastSeq) continue;
      if (entry?.kind === 'message' && entry.from.role !== myRole) {
        lastPeerMessage = entry.seq;
        break;
      }
    }
    if (lastPeerMessage === 0) return;
    const read = Math.max(this.confirmed.readSeq, this.sentMarks.readSeq);
    const delivered = Math.max(this.confirmed.deliveredSeq, this.sentMarks.deliveredSeq, read);
    let mark: 'read' | 'delivered' | null = null;
    if (this.attention && lastPeerMessage > read) mark = 'read';
    else if (lastPeerMessage > delivered) mark = 'delivered';
    if (mark === null) return;
    if (!this.transport.send({ type: 'chat.receipt', chatId: this.chatId, seq: lastSeq, state: mark }))
      return;
    const marks: Receipts =
      mark === 'read'
        ? { deliveredSeq: lastSeq, readSeq: lastSeq }
        : { deliveredSeq: lastSeq, readSeq: this.sentMarks.readSeq };
    this.sentMarks = marks;
    // This side's own marks move at once (optimistically), so its unread count drops without waiting.
    this.dispatch({ type: 'receipts', role: myRole, receipts: marks });
  }

  private transmit(clientId: string): void {
    const message = this.state.pending.find((m) => m.clientId === clientId);
    if (!message || message.status === 'sent' || !this.transport.ready) return;
    const sent = this.transport.send({
      type: 'chat.send',
      chatId: this.chatId,
      clientId,
      text: message.text,
    });
    if (!sent) return;
    this.transmittedAt.set(clientId, this.clock.now());
    this.dispatch({ type: 'transmitted', clientId });
    this.armAckTimer(clientId, this.state.pending.find((m) => m.clientId === clientId)?.attempt ?? 0);
  }

  /**
   * P-36: the server was too busy to take the message. It stays "sending" and goes again (same client id) after the
   * delay the server gave, spread over half to one and a half times it so that refused senders do not come back
   * together.
   */
  private sendLater(clientId: string, retryAfterMs = OVERLOADED_RETRY_MS): void {
    if (!this.state.pending.some((m) => m.clientId === clientId && m.status === 'sending')) return;
    this.ackTimers.set(
      clientId,
      this.clock.schedule(
        () => {
          this.ackTimers.delete(clientId);
          this.transmit(clientId);
        },
        retryAfterMs * (0.5 + this.random()),
      ),
    );
  }

  private armAckTimer(clientId: string, attempt: number): void {
    this.clearAckTimer(clientId);
    this.ackTimers.set(
      clientId,
      this.clock.schedule(() => {
        this.ackTimers.delete(clientId);
        this.dispatch({ type: 'timeout', clientId, attempt });
      }, this.ackTimeoutMs),
    );
  }

  private resendStale(): void {
    const now = this.clock.now();
    for (const message of toResend(this.state)) {
      const at = this.transmittedAt.get(message.clientId);
      if (at !== undefined && now - at >= STALE_SEND_MS) this.transmit(message.clientId);
    }
  }

  /** Entries beyond a hole (history pages still coming, or a live frame lost): ask again if it stays open. */
  private checkForGap(): void {
    const highest = this.state.entries.at(-1)?.seq ?? 0;
    if (highest <= this.state.lastSeq || this.cancelGapCheck) return;
    this.cancelGapCheck = this.clock.schedule(() => {
      this.cancelGapCheck = null;
      const stillHighest = this.state.entries.at(-1)?.seq ?? 0;
      if (stillHighest > this.state.lastSeq) {
        this.transport.send({ type: 'chat.subscribe', chatId: this.chatId, afterSeq: this.state.lastSeq });
      }
    }, GAP_WAIT_MS);
  }

  private clearAckTimer(clientId: string): void {
    const cancel = this.ackTimers.get(clientId);
    if (!cancel) return;
    cancel();
    this.ackTimers.delete(clientId);
  }

  private clearAckTimers(): void {
    for (const cancel of this.ackTimers.values()) cancel();
    this.ackTimers.clear();
  }

  private setPeerTyping(typing: boolean): void {
    this.cancelPeerTyping?.();
    this.cancelPeerTyping = null;
    this.dispatch({ type: 'peerTyping', typing });
    if (typing) {
      this.cancelPeerTyping = this.clock.schedule(() => {
        this.cancelPeerTyping = null;
        this.dispatch({ type: 'peerTyping', typing: false });
      }, PEER_TYPING_TIMEOUT_MS);
    }
  }
}
