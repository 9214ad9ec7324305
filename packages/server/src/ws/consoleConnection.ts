import {
  CloseCode,
  ConsoleClientFrame,
  type ConsoleServerFrame,
  type DevicesWatch,
  MESSAGE_BURST,
  MESSAGES_PER_SECOND,
  PROTOCOL_VERSION,
  versionMismatch,
  WATCH_REF,
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

/**
 * At most one `devices.changed` per console this often (P-37). A console watches only the rows it shows; a change to
 * any other device may still move rows in or out of an online-first list. A fleet of 10,000 devices changes several
 * times a second (people logging on, laptops sleeping), so the hint is coarse and throttled: the first change is told
 * at once, the next ones at most every 5 s. The operator sees the rows they look at change at once, and the order and
 * counts of the list catch up within seconds, without the rows jumping under their pointer at every change and
 * without any work per device and console: no right is checked for a device no console shows.
 */
export const LIST_HINT_MS = 5000;

/** An operator's console socket: the device list, and the chats the operator watches. */
export class ConsoleConnection {
  readonly peer: Peer<typeof ConsoleClientFrame>;
  private greeted = false;
  private readonly unsubscribe = new Map<string, () => void>();
  private readonly messages = new TokenBucket(MESSAGE_BURST, MESSAGES_PER_SECOND);
  /**
   * The devices this console watches (P-37): the readable ones of its last `devices.watch`. Only these get
   * `device.updated`, `device.chats` and `device.removed` (P-29); any other device's change is a `devices.changed`.
   */
  private watched = new Set<string>();
  /** The ids of a `devices.watch` being answered: their updates go out (if readable) before the answer's last part. */
  private asked = new Set<string>();
  /** Whether the console shows a list, and wants `devices.changed`; when it last got one, and the one waiting. */
  private listChanges = false;
  private hintAt = 0;
  private hintTimer: NodeJS.Timeout | null = null;
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
    /** The least time between two `devices.changed` (LIST_HINT_MS). */
    private readonly hintMs = LIST_HINT_MS,
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
        if (frame.type === 'devices.watch') this.watchFailed(error);
        else chatFrameFailed(frame, { peer: this.peer, log: this.log }, error);
        return false;
      });
      if (!valid) return;
    }
    if (frame.type === 'devices.watch') return this.watchDevices(frame);
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

  private hello(version: number): void {
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
        if (message.type === 'device_removed') return this.hide(message.deviceId);
        if (message.type === 'device_chats')
          return this.tell(message.deviceId, () => ({
            type: 'device.chats',
            deviceId: message.deviceId,
            chats: message.chats.map((chat) => presentDeviceChat(chat, this.operator.id)),
          }));
        if (message.type === 'device_changed')
          this.tell(message.device.id, () => ({ type: 'device.updated', device: message.device }));
      }),
    );
    // No device list at hello (P-37): the console says which devices it shows, and gets those.
  }

  /**
   * A watched device's news goes to the console if its operator may still read it (a check per shown device, never
   * per device of the fleet); any other device's is only a hint that the list may have changed.
   */
  private tell(deviceId: string, frame: () => ConsoleServerFrame): void {
    if (!this.watched.has(deviceId) && !this.asked.has(deviceId)) {
      this.listChanged();
      return;
    }
    // Devices the operator may not read do not exist for them, in the live list as anywhere.
    void this.services.policy
      .may(this.operator, { kind: 'device.read', deviceId })
      .then((readable) => {
        if (!readable) return this.hide(deviceId);
        if (this.watched.has(deviceId) || this.asked.has(deviceId)) this.send(frame());
      })
      .catch((error: unknown) => this.log.warn({ err: error }, 'device update not sent'));
  }

  /** `devices.watch` (P-37): the shown devices' state now, in parts, and their news from then on. */
  private async watchDevices(frame: DevicesWatch): Promise<void> {
    const ids = [...new Set(frame.deviceIds)];
    this.listChanges = frame.listChanges;
    this.asked = new Set(ids);
    try {
      const devices = await this.services.devices.shown(this.operator, this.services.policy, ids);
      const watched = new Set(devices.map((device) => device.id));
      // Devices no longer shown get nothing more; nor is a device.removed sent for them: the console let them go.
      this.watched = watched;
      const parts = chunkByBytes(devices);
      for (const [i, part] of parts.entries())
        this.send({ type: 'devices.watched', devices: part, more: i < parts.length - 1 });
      const missing = ids.length - watched.size;
      // Unknown and unreadable ids get the same answer, and it names none of them.
      if (missing > 0)
        this.peer.sendError(
          'not_found',
          `${missing} of the ${ids.length} devices asked for ${missing === 1 ? 'is' : 'are'} not found, or not yours to read: not watched`,
          WATCH_REF,
        );
    } catch (error) {
      this.watchFailed(error);
    } finally {
      this.asked = new Set();
    }
  }

  private watchFailed(error: unknown): void {
    this.log.error({ err: error }, 'devices.watch failed');
    this.peer.sendError('internal', 'the devices could not be read now; send devices.watch again', WATCH_REF);
  }

  /** Something the console's list may show changed: a `devices.changed` now, or once `hintMs` passed since the last. */
  private listChanged(): void {
    if (!this.listChanges || this.hintTimer) return;
    const hint = () => {
      this.hintTimer = null;
      this.hintAt = Date.now();
      if (this.listChanges) this.send({ type: 'devices.changed' });
    };
    const wait = this.hintAt + this.hintMs - Date.now();
    if (wait <= 0) hint();
    else this.hintTimer = setTimeout(hint, wait);
  }

  /** A device shown here is gone for this operator: removed, or no longer readable. */
  private hide(deviceId: string): void {
    if (this.watched.delete(deviceId)) this.send({ type: 'device.removed', deviceId });
    else if (!this.asked.has(deviceId)) this.listChanged();
  }

  /**
   * The operator's access changed: the session is read again, the watched devices they may no longer read leave the
   * console, and a list is told it may have changed (devices they may now read belong in it).
   */
  async accessChanged(): Promise<void> {
    this.news++;
    if (!(await this.revalidate()) || !this.greeted) return;
    const readable = await this.services.policy.readable(this.operator, [...this.watched]);
    for (const id of [...this.watched]) if (!readable.has(id)) this.hide(id);
    this.listChanged();
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
    if (this.hintTimer) clearTimeout(this.hintTimer);
    this.hintTimer = null;
    for (const stop of this.unsubscribe.values()) stop();
    this.unsubscribe.clear();
  }
}
