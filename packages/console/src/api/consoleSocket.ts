import {
  type ChatClientFrame,
  type ChatServerFrame,
  CloseCode,
  type ConsoleClientFrame,
  ConsoleServerFrame,
  type DeviceChat,
  type DeviceSummary,
  MAX_WATCHED_DEVICES,
  PROTOCOL_VERSION,
  parseServerFrame,
  WATCH_REF,
} from '@parley/protocol';
import type { Clock } from '../chat/clock';
import { ReconnectingSocket, type SocketFactory } from '../chat/reconnectingSocket';
import type { ChatTransport, ChatTransportListener } from '../chat/transport';

/**
 * - connecting: first connection, not yet greeted
 * - ready: greeted (welcome received); chats may subscribe
 * - reconnecting: dropped, trying again
 * - signedOut: the session is gone (close 4001/4007, or the upgrade was refused and /api/auth/me says 401)
 * - reloadNeeded: the server speaks another protocol version (close 4002)
 */
export type ConsoleStatus = 'connecting' | 'ready' | 'reconnecting' | 'signedOut' | 'reloadNeeded';

export interface ConsoleSnapshot {
  status: ConsoleStatus;
}

/**
 * What the socket learns about the devices the console shows (P-37): the state of the devices it watches (once every
 * part of the answer to its `devices.watch` came, with the updates that came meanwhile applied), one of them that
 * changed, was removed or whose open chats changed (P-35), or that the list shown may be stale (another device
 * changed, the operator's access changed, or the socket was down).
 */
export type DeviceChange =
  | { type: 'watched'; devices: DeviceSummary[] }
  | { type: 'updated'; device: DeviceSummary }
  | { type: 'removed'; deviceId: string }
  | { type: 'chats'; deviceId: string; chats: DeviceChat[] }
  | { type: 'listChanged' };

export interface ConsoleSocketOptions {
  url?: string;
  connect?: SocketFactory;
  clock?: Clock;
  /** Asked after a connection attempt failed before opening: is the session still valid? */
  checkSession?: () => Promise<boolean>;
  /** Told of every change to the device list. */
  onDevices?: (change: DeviceChange) => void;
}

export function consoleSocketUrl(location: Pick<Location, 'protocol' | 'host'>): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws/console`;
}

function chatIdOf(frame: ChatServerFrame): string | null {
  switch (frame.type) {
    case 'chat.info':
      return frame.chat.chatId;
    case 'chat.entries':
    case 'chat.ack':
    case 'chat.typing':
    case 'chat.receipts':
      return frame.chatId;
    case 'error':
      return null;
  }
}

/**
 * The console's one WebSocket (`/ws/console`): hello/welcome, the live device list (passed on to `onDevices`), and
 * the chat frames of every open chat window (each gets a `ChatTransport` view of it). Reconnects with backoff until
 * the session ends.
 */
export class ConsoleSocket {
  private readonly socket: ReconnectingSocket;
  private snapshot: ConsoleSnapshot = { status: 'connecting' };
  private readonly listeners = new Set<() => void>();
  private readonly chatListeners = new Map<string, Set<ChatTransportListener>>();
  private readonly transports = new Map<string, ChatTransport>();
  /** Chats closed while the socket was down: closed as soon as it is back. */
  private readonly closesToSend = new Set<string>();
  private ready = false;
  /** The devices the console shows now, and whether as a list (P-37): said again after every reconnect. */
  private watching: { deviceIds: string[]; listChanges: boolean } | null = null;
  /**
   * While answers to `devices.watch` are on their way: how many, the devices of the parts that came, and the updates
   * that came meanwhile (applied on top once the last answer is complete).
   */
  private incoming: { answers: number; devices: DeviceSummary[]; updates: DeviceChange[] } = {
    answers: 0,
    devices: [],
    updates: [],
  };

  constructor(private readonly options: ConsoleSocketOptions = {}) {
    this.socket = new ReconnectingSocket({
      url: () => options.url ?? consoleSocketUrl(window.location),
      connect: options.connect,
      clock: options.clock,
      onOpen: () => {
        this.incoming = { answers: 0, devices: [], updates: [] };
        this.raw({ type: 'hello', protocolVersion: PROTOCOL_VERSION });
      },
      onMessage: (data) => this.onMessage(data),
      onClose: (code, wasOpen) => this.onClose(code, wasOpen),
      onStatus: (status) => {
        if (
          status === 'waiting' &&
          this.snapshot.status !== 'signedOut' &&
          this.snapshot.status !== 'reloadNeeded'
        ) {
          this.setStatus('reconnecting');
        }
      },
    });
  }

  start(): void {
    this.socket.start();
  }

  stop(): void {
    this.socket.stop(CloseCode.normal, 'console closed');
    this.setDown();
  }

  /**
   * The devices the console shows now (at most MAX_WATCHED_DEVICES: the first ones), and whether it shows them as a
   * list that wants `devices.changed` (P-37). Replaces what was said before.
   */
  watchDevices(deviceIds: readonly string[], listChanges: boolean): void {
    const next = { deviceIds: [...new Set(deviceIds)].slice(0, MAX_WATCHED_DEVICES), listChanges };
    const same =
      this.watching?.listChanges === listChanges &&
      this.watching.deviceIds.length === next.deviceIds.length &&
      this.watching.deviceIds.every((id, i) => id === next.deviceIds[i]);
    if (same) return;
    this.watching = next;
    if (this.ready) this.sendWatch();
  }

  private sendWatch(): void {
    if (!this.watching) return;
    if (this.raw({ type: 'devices.watch', ...this.watching })) this.incoming.answers++;
  }

  // --- store (for useSyncExternalStore) ---------------------------------------------------------------------

  readonly getSnapshot = (): ConsoleSnapshot => this.snapshot;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  private setStatus(status: ConsoleStatus): void {
    this.snapshot = { status };
    for (const listener of this.listeners) listener();
  }

  // --- chats -------------------------------------------------------------------------------------------------

  /** The socket as one chat sees it (one object per chat id, so React effects keyed on it stay put). */
  chatTransport(chatId: string): ChatTransport {
    let transport = this.transports.get(chatId);
    if (!transport) {
      transport = new ConsoleChatTransport(this, chatId);
      this.transports.set(chatId, transport);
    }
    return transport;
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** Sends a chat frame if greeted. A close asked for while down is sent once the socket is back. */
  sendChatFrame(frame: ChatClientFrame): boolean {
    if (frame.type === 'chat.close' && !this.ready) {
      this.closesToSend.add(frame.chatId);
      return true;
    }
    return this.ready && this.raw(frame);
  }

  listenChat(chatId: string, listener: ChatTransportListener): () => void {
    let set = this.chatListeners.get(chatId);
    if (!set) {
      set = new Set();
      this.chatListeners.set(chatId, set);
    }
    set.add(listener);
    return () => {
      const current = this.chatListeners.get(chatId);
      current?.delete(listener);
      if (current?.size === 0) this.chatListeners.delete(chatId);
    };
  }

  // --- internals ---------------------------------------------------------------------------------------------

  private raw(frame: ConsoleClientFrame): boolean {
    return this.socket.send(JSON.stringify(frame));
  }

  private onMessage(data: string): void {
    const parsed = parseServerFrame(ConsoleServerFrame, data);
    if (!parsed.ok) {
      console.warn('parley: ignoring a frame from the server:', parsed.error.message);
      return;
    }
    const frame = parsed.frame;
    switch (frame.type) {
      case 'welcome':
        this.ready = true;
        this.setStatus('ready');
        for (const chatId of this.closesToSend) this.raw({ type: 'chat.close', chatId });
        this.closesToSend.clear();
        for (const set of [...this.chatListeners.values()]) for (const listener of [...set]) listener.ready();
        // What the console shows may have changed while it was away: it asks for it again, and the list refetches.
        this.sendWatch();
        if (this.watching) this.options.onDevices?.({ type: 'listChanged' });
        return;
      case 'devices.watched': {
        const incoming = this.incoming;
        incoming.devices.push(...frame.devices);
        if (!frame.more) this.answered();
        return;
      }
      case 'devices.changed':
        this.options.onDevices?.({ type: 'listChanged' });
        return;
      case 'device.updated':
      case 'device.removed': {
        const change: DeviceChange =
          frame.type === 'device.updated'
            ? { type: 'updated', device: frame.device }
            : { type: 'removed', deviceId: frame.deviceId };
        if (this.incoming.answers > 0) this.incoming.updates.push(change);
        else this.options.onDevices?.(change);
        return;
      }
      case 'device.chats':
        // The summaries of an answer carry no chats: this goes to the rows at once, whole as it is.
        this.options.onDevices?.({ type: 'chats', deviceId: frame.deviceId, chats: frame.chats });
        return;
      case 'error':
        if (frame.ref === WATCH_REF) {
          console.warn(`parley: ${frame.code}: ${frame.message}`);
          // Its answer came before a not_found; none comes after an internal one.
          if (frame.code !== 'not_found' && this.incoming.answers > 0) this.answered(true);
          return;
        }
        if (frame.ref === undefined) console.warn(`parley: server error ${frame.code}: ${frame.message}`);
        // A chat error's ref is a chat id or a message's client id: every chat checks it against its own.
        for (const set of [...this.chatListeners.values()])
          for (const listener of [...set]) listener.frame(frame);
        return;
      default: {
        const chatId = chatIdOf(frame);
        if (chatId === null) return;
        for (const listener of [...(this.chatListeners.get(chatId) ?? [])]) listener.frame(frame);
      }
    }
  }

  /**
   * One answer to `devices.watch` is complete (or failed: `internal`). Once the last one is, the devices it gave go
   * out with the updates that came meanwhile on top, in order: the server listens before it reads, so they end at each
   * device's latest. After a failed one the updates go out as they came.
   */
  private answered(failed = false): void {
    const incoming = this.incoming;
    incoming.answers--;
    if (incoming.answers > 0) return;
    this.incoming = { answers: 0, devices: [], updates: [] };
    const byId = new Map(incoming.devices.map((device) => [device.id, device]));
    const later: DeviceChange[] = [];
    for (const change of incoming.updates) {
      if (change.type === 'updated' && byId.has(change.device.id)) byId.set(change.device.id, change.device);
      else if (change.type === 'removed') byId.delete(change.deviceId);
      if (failed || change.type === 'removed') later.push(change);
    }
    if (!failed) this.options.onDevices?.({ type: 'watched', devices: [...byId.values()] });
    for (const change of later) this.options.onDevices?.(change);
  }

  private setDown(): void {
    if (!this.ready) return;
    this.ready = false;
    for (const set of [...this.chatListeners.values()]) for (const listener of [...set]) listener.down();
  }

  private onClose(code: number, wasOpen: boolean): 'retry' | 'stop' {
    this.setDown();
    if (code === CloseCode.authFailed || code === CloseCode.sessionEnded) {
      this.setStatus('signedOut');
      return 'stop';
    }
    if (code === CloseCode.versionMismatch) {
      this.setStatus('reloadNeeded');
      return 'stop';
    }
    if (!wasOpen && this.options.checkSession) {
      // A refused upgrade shows up as a plain close; ask the API whether the session is still there.
      void this.options.checkSession().then((valid) => {
        if (valid) return;
        this.socket.stop();
        this.setStatus('signedOut');
      });
    }
    return 'retry';
  }
}

class ConsoleChatTransport implements ChatTransport {
  constructor(
    private readonly owner: ConsoleSocket,
    private readonly chatId: string,
  ) {}

  get ready(): boolean {
    return this.owner.isReady;
  }

  send(frame: ChatClientFrame): boolean {
    return this.owner.sendChatFrame(frame);
  }

  listen(listener: ChatTransportListener): () => void {
    return this.owner.listenChat(this.chatId, listener);
  }
}
