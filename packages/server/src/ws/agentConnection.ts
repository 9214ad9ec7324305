import {
  AgentClientFrame,
  type AgentHello,
  type AgentServerFrame,
  CloseCode,
  MESSAGE_BURST,
  MESSAGES_PER_SECOND,
  PROTOCOL_VERSION,
  versionMismatch,
} from '@parley/protocol';
import type { Logger } from 'pino';
import { subjects } from '../bus/bus.js';
import type { Services } from '../services.js';
import { handleChatFrame } from './chatFrames.js';
import { chunkByBytes } from './chunks.js';
import { Peer, type SocketLink } from './peer.js';
import { TokenBucket } from './rateLimit.js';

/** How long after a take-over's hello the agent's "page connected" frames count as re-announcements. */
const REANNOUNCE_MS = 5000;

/** A device agent's socket: presence, logged-on users, and the end user's side of the device's chats. */
export class AgentConnection {
  readonly peer: Peer<typeof AgentClientFrame>;
  private deviceId: string | null = null;
  private stopFeed: (() => void) | null = null;
  /** Chats whose end-user page is connected to the agent, to mark disconnected if the agent goes. */
  private readonly pagesConnected = new Set<string>();
  /**
   * When this connection took over from one whose end nobody recorded (the hello found the device still online:
   * its node crashed, or has not noticed yet). The chats the agent re-announces right after its welcome get the
   * end user away first, so the console shows away and back (P-26), as when a node sees the drop itself.
   */
  private tookOverAt: number | null = null;
  private readonly shownAway = new Set<string>();
  private readonly messages = new TokenBucket(MESSAGE_BURST, MESSAGES_PER_SECOND);

  constructor(
    link: SocketLink,
    /** Where the agent connects from (the device page shows it). */
    private readonly address: string | null,
    private readonly services: Services,
    private readonly log: Logger,
    /** Ends an older connection of the same device on this node. */
    private readonly claim: (deviceId: string, connection: AgentConnection) => void,
    /** Forgets this connection; false when a newer one of the same device already took over. */
    private readonly release: (deviceId: string, connection: AgentConnection) => boolean,
  ) {
    this.peer = new Peer(
      link,
      AgentClientFrame,
      log,
      { onFrame: (frame) => this.onFrame(frame), onClose: () => this.onClose() },
      services.backlog,
    );
    this.peer.requireHello(() => this.deviceId !== null);
  }

  private send(frame: AgentServerFrame): void {
    this.peer.send(frame);
  }

  private async onFrame(frame: AgentClientFrame): Promise<void> {
    if (frame.type === 'agent.hello') return this.hello(frame);
    const deviceId = this.deviceId;
    if (deviceId === null) {
      this.peer.sendError('not_authenticated', 'send agent.hello first');
      this.peer.close(CloseCode.authFailed, 'hello expected');
      return;
    }
    switch (frame.type) {
      case 'agent.users':
        await this.services.devices.usersChanged(deviceId, frame.loggedOnUsers);
        return;
      case 'agent.end_user': {
        if (frame.connected && this.reannouncing(frame.chatId)) {
          this.shownAway.add(frame.chatId);
          await this.services.chats.endUserPresence(frame.chatId, deviceId, false);
        }
        const result = await this.services.chats.endUserPresence(frame.chatId, deviceId, frame.connected);
        if (!result.ok) {
          this.peer.sendError(result.code, result.message, frame.chatId);
          return;
        }
        // Only chats of this device are remembered: the set cannot be filled with made-up ids.
        if (frame.connected) this.pagesConnected.add(frame.chatId);
        else this.pagesConnected.delete(frame.chatId);
        return;
      }
      case 'agent.page_failed': {
        const result = await this.services.chats.pageFailed(frame.chatId, deviceId, frame.reason);
        if (!result.ok) this.peer.sendError(result.code, result.message, frame.chatId);
        return;
      }
      default:
        return handleChatFrame(frame, {
          chats: this.services.chats,
          actor: { kind: 'device', deviceId },
          peer: this.peer,
          messages: this.messages,
          backlog: this.services.backlog,
          send: (f) => this.send(f),
          // Live frames reach the agent through its device feed; a subscription only catches up.
          startLive: () => {},
          log: this.log,
        });
    }
  }

  private async hello(frame: AgentHello): Promise<void> {
    if (this.deviceId !== null) return;
    if (frame.protocolVersion !== PROTOCOL_VERSION) {
      const mismatch = versionMismatch('agent', frame.protocolVersion);
      this.peer.sendError('version_mismatch', mismatch.message);
      this.peer.close(CloseCode.versionMismatch, mismatch.reason);
      return;
    }
    // Listening before the credential is checked: a removal or revocation that commits while the hello is under
    // way is heard, not missed (P-29). What comes for the agent meanwhile waits for its welcome.
    let cut = false;
    let held: AgentServerFrame[] | null = [];
    this.stopFeed = this.services.bus.subscribe(subjects.device(frame.deviceId), (message) => {
      if (message.type === 'cut_off') {
        cut = true;
        this.peer.close(message.code, message.reason);
      }
      if (message.type === 'to_agent') {
        if (held) held.push(message.frame);
        else this.send(message.frame);
      }
    });
    const device = await this.services.devices.authenticate(frame.deviceId, frame.credential);
    if (!device) {
      this.stopFeed();
      this.peer.sendError('not_authenticated', 'unknown device or wrong credential; enroll the agent again');
      this.peer.close(CloseCode.authFailed, 'authentication failed');
      return;
    }
    if (cut) return;
    if (device.onlineNode !== null) this.tookOverAt = Date.now();
    this.deviceId = device.id;
    this.claim(device.id, this);
    // False when the device was removed or its credential revoked since the check above (P-29).
    if (
      !(await this.services.devices.connected(device.id, frame.device, frame.loggedOnUsers, this.address))
    ) {
      this.peer.close(CloseCode.deviceRemoved, 'device removed or its credential revoked');
      return;
    }
    const openChats = chunkByBytes(await this.services.chats.openChatsOf(device.id));
    // The welcome, then the open chats in parts under the chunk size (P-11); the agent acts on the last one.
    this.send({ type: 'agent.welcome', protocolVersion: PROTOCOL_VERSION });
    for (const [i, chats] of openChats.entries())
      this.send({ type: 'agent.open_chats', chats, more: i < openChats.length - 1 });
    for (const waiting of held) this.send(waiting);
    held = null;
    this.log.info({ deviceId: device.id, name: frame.device.name }, 'agent connected');
  }

  /** A page's "connected" that re-announces one from before the take-over (it comes right after the welcome). */
  private reannouncing(chatId: string): boolean {
    return (
      this.tookOverAt !== null &&
      Date.now() - this.tookOverAt < REANNOUNCE_MS &&
      !this.pagesConnected.has(chatId) &&
      !this.shownAway.has(chatId)
    );
  }

  private async onClose(): Promise<void> {
    this.stopFeed?.();
    const deviceId = this.deviceId;
    if (deviceId === null) return;
    if (!this.release(deviceId, this)) return;
    // If the agent has already reconnected to another node, its pages are there too: no disconnect to record.
    if (!(await this.services.devices.disconnected(deviceId))) return;
    for (const chatId of this.pagesConnected) {
      await this.services.chats.endUserPresence(chatId, deviceId, false);
    }
    this.log.info({ deviceId }, 'agent disconnected');
  }
}
