import {
  CloseCode,
  ConsoleClientFrame,
  type ConsoleServerFrame,
  MESSAGE_BURST,
  MESSAGES_PER_SECOND,
  PROTOCOL_VERSION,
  versionMismatch,
} from '@parley/protocol';
import type { Logger } from 'pino';
import { presentOperator } from '../auth/sessions.js';
import { subjects } from '../bus/bus.js';
import { presentDeviceChat } from '../devices/devices.js';
import type { Operator } from '../operators/operator.js';
import type { Services } from '../services.js';
import { chatFrameFailed, handleChatFrame } from './chatFrames.js';
import { chunkByBytes } from './chunks.js';
import { Peer, type SocketLink } from './peer.js';
import { TokenBucket } from './rateLimit.js';

/** An operator's console socket: the device list, and the chats the operator watches. */
export class ConsoleConnection {
  readonly peer: Peer<typeof ConsoleClientFrame>;
  private greeted = false;
  private readonly unsubscribe = new Map<string, () => void>();
  private readonly messages = new TokenBucket(MESSAGE_BURST, MESSAGES_PER_SECOND);
  /** The devices this console was shown: only these ever get a `device.removed` (P-29). */
  private readonly shown = new Set<string>();
  /**
   * The session and operator are read at the upgrade, at every heartbeat, and when the bus says the operator's access
   * or sessions changed. Such news counts up `news`; a frame that comes before they were read again (`readAt` behind)
   * waits for that read, so nothing is done on a session that ended.
   */
  private news = 0;
  private readAt = 0;

  constructor(
    link: SocketLink,
    /** The session cookie's token, whose session (and operator) `revalidate` reads again. */
    private readonly sessionToken: string,
    private operator: Operator,
    private readonly services: Services,
    private readonly log: Logger,
  ) {
    this.peer = new Peer(
      link,
      ConsoleClientFrame,
      log.child({ operator: operator.username }),
      {
        onFrame: (frame) => this.onFrame(frame),
        onClose: () => this.onClose(),
      },
      services.backlog,
    );
    this.peer.requireHello(() => this.greeted);
  }

  get operatorId(): string {
    return this.operator.id;
  }

  private send(frame: ConsoleServerFrame): void {
    this.peer.send(frame);
  }

  private async onFrame(frame: ConsoleClientFrame): Promise<void> {
    if (frame.type === 'hello') return this.hello(frame.protocolVersion);
    if (!this.greeted) {
      this.peer.sendError('not_authenticated', 'send hello first');
      this.peer.close(CloseCode.authFailed, 'hello expected');
      return;
    }
    if (this.readAt < this.news) {
      // The session could not be read (the database unreachable): this frame is answered as failed, with its ref.
      const valid = await this.revalidate().catch((error: unknown) => {
        chatFrameFailed(frame, { peer: this.peer, log: this.log }, error);
        return false;
      });
      if (!valid) return;
    }
    return handleChatFrame(frame, {
      log: this.log,
      chats: this.services.chats,
      actor: { kind: 'operator', operator: this.operator },
      peer: this.peer,
      messages: this.messages,
      backlog: this.services.backlog,
      send: (f) => this.send(f),
      startLive: (chatId) => this.watch(chatId),
    });
  }

  private async hello(version: number): Promise<void> {
    if (version !== PROTOCOL_VERSION) {
      const mismatch = versionMismatch('console', version);
      this.peer.sendError('version_mismatch', mismatch.message);
      this.peer.close(CloseCode.versionMismatch, mismatch.reason);
      return;
    }
    if (this.greeted) return;
    this.greeted = true;
    const { displayName, id, username } = presentOperator(this.operator);
    this.send({
      type: 'welcome',
      protocolVersion: PROTOCOL_VERSION,
      operator: { id, username, displayName },
    });
    this.unsubscribe.set(
      subjects.devices,
      this.services.bus.subscribe(subjects.devices, (message) => {
        if (message.type === 'device_removed') {
          this.hide(message.deviceId);
          return;
        }
        if (message.type === 'device_chats') {
          // Only to consoles shown the device, which were shown it because their operator may read it.
          if (this.shown.has(message.deviceId))
            this.send({
              type: 'device.chats',
              deviceId: message.deviceId,
              chats: message.chats.map((chat) => presentDeviceChat(chat, this.operator.id)),
            });
          return;
        }
        if (message.type !== 'device_changed') return;
        const device = message.device;
        // Devices the operator may not read do not exist for them, in the live list as anywhere.
        void this.services.policy
          .may(this.operator, { kind: 'device.read', deviceId: device.id })
          .then((readable) => {
            if (!readable) return this.hide(device.id);
            this.shown.add(device.id);
            this.send({ type: 'device.updated', device });
          })
          .catch((error: unknown) => this.log.warn({ err: error }, 'device update not sent'));
      }),
    );
    // The list in parts under the chunk size (P-10): the console shows it once the last one (more: false) came.
    const devices = await this.services.devices.listFor(this.operator, this.services.policy);
    for (const device of devices) this.shown.add(device.id);
    const parts = chunkByBytes(devices);
    for (const [i, part] of parts.entries())
      this.send({ type: 'devices.snapshot', devices: part, more: i < parts.length - 1 });
  }

  /** A device shown here is gone for this operator: removed, or no longer readable. */
  private hide(deviceId: string): void {
    if (this.shown.delete(deviceId)) this.send({ type: 'device.removed', deviceId });
  }

  /**
   * The operator's access changed: the session is read again, devices they may no longer read leave their list and
   * devices they may now read join it.
   */
  async accessChanged(): Promise<void> {
    this.news++;
    if (!(await this.revalidate()) || !this.greeted) return;
    const devices = await this.services.devices.listFor(this.operator, this.services.policy);
    const readable = new Set(devices.map((device) => device.id));
    for (const id of [...this.shown]) if (!readable.has(id)) this.hide(id);
    for (const device of devices) {
      if (this.shown.has(device.id)) continue;
      this.shown.add(device.id);
      this.send({ type: 'device.updated', device });
    }
  }

  /** Some of the operator's sessions ended somewhere: whether this one did is read now, before the next frame. */
  async sessionsEnded(): Promise<void> {
    this.news++;
    await this.revalidate();
  }

  /**
   * Reads the session and the operator again (every heartbeat, and at once when their access or sessions changed on
   * any node): an ended session closes the socket with 4007. What they may do is asked per frame; chats they may no
   * longer take part in are ended by the chat service (P-28), and that close is the last the feed brings.
   */
  async revalidate(): Promise<boolean> {
    const news = this.news;
    const current = await this.services.auth.operatorForSession(this.sessionToken);
    if (!current) {
      this.peer.sendError('not_authenticated', 'your session ended; sign in again');
      this.peer.close(CloseCode.sessionEnded, 'session ended');
      return false;
    }
    this.operator = current;
    this.readAt = Math.max(this.readAt, news);
    return true;
  }

  /** Starts forwarding a chat's live frames to this socket (once per chat). */
  private watch(chatId: string): void {
    const key = subjects.chat(chatId);
    if (this.unsubscribe.has(key)) return;
    this.unsubscribe.set(
      key,
      this.services.bus.subscribe(key, (message) => {
        if (message.type === 'to_consoles') this.send(message.frame);
      }),
    );
  }

  private onClose(): void {
    for (const stop of this.unsubscribe.values()) stop();
    this.unsubscribe.clear();
  }
}
