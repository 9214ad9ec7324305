import { type ChatClientFrame, CloseCode, PageServerFrame, parseServerFrame } from '@parley/protocol';
import type { Clock } from '../chat/clock';
import { ReconnectingSocket, type SocketFactory } from '../chat/reconnectingSocket';
import type { ChatTransport, ChatTransportListener } from '../chat/transport';

/**
 * - connecting: the first connection
 * - open: connected
 * - reconnecting: dropped, trying again with backoff
 * - ended: not trying any more (the link is not valid any more, or the chat is over and the agent let go)
 */
export type PageStatus = 'connecting' | 'open' | 'reconnecting' | 'ended';

/**
 * The end-user page's socket to its agent (`/ws/page`): no hello, chat frames at once. It is the chat's transport:
 * `useChat` subscribes on every (re)open.
 */
export class PageConnection implements ChatTransport {
  private readonly socket: ReconnectingSocket;
  private readonly chatListeners = new Set<ChatTransportListener>();
  private readonly statusListeners = new Set<() => void>();
  private current: PageStatus = 'connecting';
  /** The agent's own link to the help desk (P-14): while it is down the page is as good as reconnecting. */
  private serverReachable = true;
  private everOpened = false;
  /** Set once the chat is closed: a drop after that is not worth reconnecting for. */
  chatOver = false;

  constructor(url: string, options: { connect?: SocketFactory; clock?: Clock } = {}) {
    this.socket = new ReconnectingSocket({
      url: () => url,
      connect: options.connect,
      clock: options.clock,
      onOpen: () => {
        this.everOpened = true;
        this.setStatus('open');
        for (const listener of [...this.chatListeners]) listener.ready();
      },
      onMessage: (data) => {
        const parsed = parseServerFrame(PageServerFrame, data);
        if (!parsed.ok) {
          console.warn('parley: ignoring a frame:', parsed.error.message);
          return;
        }
        const frame = parsed.frame;
        if (frame.type === 'page.link') {
          this.serverReachable = frame.up;
          this.notifyStatus();
          return;
        }
        for (const listener of [...this.chatListeners]) listener.frame(frame);
      },
      onClose: (code) => {
        for (const listener of [...this.chatListeners]) listener.down();
        if (code === CloseCode.authFailed || code === CloseCode.sessionEnded || this.chatOver) {
          this.setStatus('ended');
          return 'stop';
        }
        this.setStatus(this.everOpened ? 'reconnecting' : 'connecting');
        return 'retry';
      },
    });
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
