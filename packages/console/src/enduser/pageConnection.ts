import {
  type ChatClientFrame,
  CloseCode,
  PAGE_BACKOFF,
  PageServerFrame,
  PROTOCOL_VERSION,
  parseServerFrame,
} from '@parley/protocol';
import type { Clock } from '../chat/clock';
import { ReconnectingSocket, type SocketFactory } from '../chat/reconnectingSocket';
import type { ChatTransport, ChatTransportListener } from '../chat/transport';
import { newNonce } from './pageKey';

/**
 * - connecting: the first connection
 * - open: connected, and the agent proved it is the one that opened this page
 * - reconnecting: dropped, trying again with backoff
 * - ended: not trying any more (the link is not valid any more, or the chat is over and the agent let go)
 * - impostor: something on the agent's port could not prove it holds the page key: nothing was sent to it
 */
export type PageStatus = 'connecting' | 'open' | 'reconnecting' | 'ended' | 'impostor';

/** Signs with the chat's page key (`pageKey.ts`); tests give a fake. */
export interface PageProver {
  /** Whether the agent's proof over `pageNonce` (and its own nonce) is right. */
  agentProved(pageNonce: string, agentNonce: string, proof: string): Promise<boolean>;
  /** This page's proof over the agent's nonce. */
  proof(agentNonce: string, pageNonce: string): Promise<string>;
}

/**
 * The end-user page's socket to its agent (`/ws/page`). Each (re)connection starts with the handshake of P-13:
 * the page's nonce, the agent's proof, the page's proof; only then is the socket the chat's transport (`useChat`
 * subscribes on every ready). Until the agent has proved itself, nothing of the chat is sent and nothing it says is
 * shown.
 */
export class PageConnection implements ChatTransport {
  private readonly socket: ReconnectingSocket;
  private readonly chatListeners = new Set<ChatTransportListener>();
  private readonly statusListeners = new Set<() => void>();
  private current: PageStatus = 'connecting';
  /** The agent's own link to the help desk (P-14): while it is down the page is as good as reconnecting. */
  private serverReachable = true;
  private everOpened = false;
  /** The handshake of the socket now open: its nonce, and whether the agent has proved itself on it. */
  private handshake: { nonce: string; proved: boolean; connection: number } | null = null;
  private connections = 0;
  /** Set once the chat is closed: a drop after that is not worth reconnecting for. */
  chatOver = false;

  constructor(
    url: string,
    private readonly chatId: string,
    private readonly prover: PageProver,
    options: { connect?: SocketFactory; clock?: Clock } = {},
  ) {
    this.socket = new ReconnectingSocket({
      url: () => url,
      connect: options.connect,
      clock: options.clock,
      backoff: PAGE_BACKOFF,
      onOpen: () => {
        const nonce = newNonce();
        this.handshake = { nonce, proved: false, connection: ++this.connections };
        this.socket.send(
          JSON.stringify({
            type: 'page.hello',
            protocolVersion: PROTOCOL_VERSION,
            chatId: this.chatId,
            nonce,
          }),
        );
      },
      onMessage: (data) => {
        const parsed = parseServerFrame(PageServerFrame, data);
        if (!parsed.ok) {
          console.warn('parley: ignoring a frame:', parsed.error.message);
          return;
        }
        const frame = parsed.frame;
        const handshake = this.handshake;
        if (!handshake) return;
        if (frame.type === 'page.challenge') {
          if (!handshake.proved) void this.answer(handshake, frame.nonce, frame.proof);
          return;
        }
        if (!handshake.proved) return;
        if (frame.type === 'page.link') {
          this.serverReachable = frame.up;
          this.notifyStatus();
          return;
        }
        for (const listener of [...this.chatListeners]) listener.frame(frame);
      },
      onClose: (code) => {
        const wasOpen = this.handshake?.proved === true;
        this.handshake = null;
        if (wasOpen) for (const listener of [...this.chatListeners]) listener.down();
        if (this.current === 'impostor') return 'stop';
        if (code === CloseCode.authFailed || code === CloseCode.sessionEnded || this.chatOver) {
          this.setStatus('ended');
          return 'stop';
        }
        this.setStatus(this.everOpened ? 'reconnecting' : 'connecting');
        return 'retry';
      },
    });
  }

  private async answer(
    handshake: { nonce: string; proved: boolean; connection: number },
    agentNonce: string,
    agentProof: string,
  ): Promise<void> {
    const proved = await this.prover.agentProved(handshake.nonce, agentNonce, agentProof);
    if (this.handshake !== handshake) return;
    if (!proved) {
      // Not the agent that opened this page (it died and another process took its port): say nothing more to it.
      this.setStatus('impostor');
      this.socket.stop(CloseCode.authFailed, 'the agent did not prove itself');
      return;
    }
    const proof = await this.prover.proof(agentNonce, handshake.nonce);
    if (this.handshake !== handshake || !this.socket.send(JSON.stringify({ type: 'page.auth', proof })))
      return;
    handshake.proved = true;
    this.everOpened = true;
    this.setStatus('open');
    for (const listener of [...this.chatListeners]) listener.ready();
  }

  start(): void {
    this.socket.start();
  }

  stop(): void {
    this.socket.stop();
  }

  // --- ChatTransport -----------------------------------------------------------------------------------------

  get ready(): boolean {
    return this.current === 'open';
  }

  send(frame: ChatClientFrame): boolean {
    return this.current === 'open' && this.socket.send(JSON.stringify(frame));
  }

  listen(listener: ChatTransportListener): () => void {
    this.chatListeners.add(listener);
    return () => {
      this.chatListeners.delete(listener);
    };
  }

  // --- status store ------------------------------------------------------------------------------------------

  readonly getStatus = (): PageStatus =>
    this.current === 'open' && !this.serverReachable ? 'reconnecting' : this.current;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.statusListeners.add(listener);
    return () => {
      this.statusListeners.delete(listener);
    };
  };

  private setStatus(status: PageStatus): void {
    if (this.current === status) return;
    this.current = status;
    this.notifyStatus();
  }

  private notifyStatus(): void {
    for (const listener of this.statusListeners) listener();
  }
}
