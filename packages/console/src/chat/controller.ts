import { type ChatServerFrame, MAX_MESSAGE_CHARS, type Role } from '@parley/protocol';
import {
  type ChatAction,
  type ChatState,
  chatReducer,
  initialChatState,
  isClosed,
  toResend,
} from './chatState';
import { type Clock, realClock } from './clock';
import type { ChatTransport } from './transport';
import { PEER_TYPING_TIMEOUT_MS, TypingNotifier } from './typing';

export interface ChatControllerOptions {
  myRole: Role;
  clock?: Clock;
  newId?: () => string;
  /** A sent message with no ack or error within this long is shown as not delivered (and retried on reconnect). */
  ackTimeoutMs?: number;
}

export const ACK_TIMEOUT_MS = 15_000;

export type SendRefusal = 'empty' | 'too_long' | 'closed';

/**
 * One chat as one side sees it: holds the state (pure reducer in chatState.ts) and speaks to the transport.
 * Framework-free; `useChat` wraps it for React. Survives transport drops: on `ready` it re-subscribes after the
 * highest seq it holds and resends what is still pending, with the same client ids.
 */
export class ChatController {
  private state: ChatState;
  private readonly listeners = new Set<() => void>();
  private unlisten: (() => void) | null = null;
  private readonly ackTimers = new Map<string, () => void>();
  private cancelPeerTyping: (() => void) | null = null;
  private readonly typing: TypingNotifier;
  private readonly clock: Clock;
  private readonly newId: () => string;
  private readonly ackTimeoutMs: number;

  constructor(
    readonly chatId: string,
    private readonly transport: ChatTransport,
    options: ChatControllerOptions,
  ) {
    this.state = initialChatState(chatId, options.myRole);
    this.clock = options.clock ?? realClock;
    this.newId = options.newId ?? (() => crypto.randomUUID());
    this.ackTimeoutMs = options.ackTimeoutMs ?? ACK_TIMEOUT_MS;
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
    this.dispatch({ type: 'connection', up: false });
    this.typing.reset();
    this.clearAckTimers();
    this.setPeerTyping(false);
  }

  private onFrame(frame: ChatServerFrame): void {
    switch (frame.type) {
      case 'chat.info':
        if (frame.chat.chatId !== this.chatId) return;
        this.dispatch({ type: 'info', info: frame.chat });
        if (frame.chat.status === 'closed') {
          this.typing.reset();
          this.setPeerTyping(false);
        }
        return;
      case 'chat.entries':
        if (frame.chatId !== this.chatId) return;
        this.dispatch({ type: 'entries', entries: frame.entries });
        for (const entry of frame.entries) {
          if (entry.kind === 'message') this.clearAckTimer(entry.clientId);
        }
        if (!this.state.peerTyping) this.setPeerTyping(false);
        return;
      case 'chat.ack':
        if (frame.chatId !== this.chatId) return;
        this.clearAckTimer(frame.clientId);
        this.dispatch({ type: 'ack', clientId: frame.clientId, seq: frame.seq, at: frame.at });
        return;
      case 'chat.typing':
        if (frame.chatId !== this.chatId || frame.role === this.state.myRole) return;
        this.setPeerTyping(frame.typing);
        return;
      case 'error':
        if (frame.ref !== undefined) this.clearAckTimer(frame.ref);
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
    this.transmit(clientId);
    return { ok: true, clientId };
  }

  /** Sends a not-delivered message again, with the same client id (the server never stores it twice). */
  retry(clientId: string): void {
    this.dispatch({ type: 'retry', clientId });
    this.transmit(clientId);
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
    this.dispatch({ type: 'transmitted', clientId });
    const attempt = this.state.pending.find((m) => m.clientId === clientId)?.attempt ?? 0;
    this.clearAckTimer(clientId);
    this.ackTimers.set(
      clientId,
      this.clock.schedule(() => {
        this.ackTimers.delete(clientId);
        this.dispatch({ type: 'timeout', clientId, attempt });
      }, this.ackTimeoutMs),
    );
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
