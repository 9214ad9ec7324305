import { hostname, platform, release } from 'node:os';
import {
  type AgentClientFrame,
  type AgentServerFrame,
  type ChatClientFrame,
  type ChatInfo,
  type LoggedOnUser,
  MAX_CLIENT_FRAME_BYTES,
  MAX_LOGGED_ON_USERS,
  MAX_USER_NAME_CHARS,
  PROTOCOL_VERSION,
} from '@parley/protocol';
import { type AgentConfig, readConfig } from './config.js';
import { type AgentLiveFrame, ServerConnection } from './connection.js';
import { LaunchFiles, type LaunchOwner } from './launchFile.js';
import { PageServer } from './pageServer.js';
import { type DetectedUser, reportedName } from './platform/users.js';
import { rotateCredential } from './rotate.js';
import { agentSocketUrl, configuredLink, type Reach, type ServerLink } from './serverLink.js';
import { AGENT_VERSION } from './version.js';

export interface AgentOptions {
  config: AgentConfig;
  /**
   * The file `config` came from: each hello reads the credential from it again (so `parley-agent rotate` run beside
   * a running agent is picked up), and a rotation the server asks for is saved in it. Unset: neither.
   */
  configFile?: string;
  /** `run`'s --ca / --insecure, over what the config stored. */
  reach?: Reach;
  /** Who is logged on now (the OS's list, or what `--user`/`--no-user` say). */
  detectUsers(): Promise<DetectedUser[]>;
  /** Shows the end-user page to `endUser` (the OS opener, or `--open-with`). */
  openPage(url: string, endUser: DetectedUser | null): Promise<void>;
  log?(message: string): void;
  /** How often logged-on users are checked again. */
  usersPollMs?: number;
  /** Where the page server keeps its port and page keys across restarts (unset: nowhere). */
  pageStatePath?: string;
  /** How long pages of a restarted agent have to come back before their chat is shown again. */
  pageReturnMs?: number;
}

/** Pages open when the agent restarted reconnect within about two seconds (their backoff's cap). */
export const PAGE_RETURN_MS = 8000;

/**
 * Frames kept for the server while it is unreachable, and messages kept until acked; past this the oldest are
 * dropped (the page still shows such a message as not delivered and can retry it).
 */
const MAX_KEPT_FRAMES = 500;

/**
 * The device agent: one connection to the server, the logged-on users, and the end-user pages of open chats.
 * The CLI's `run` is a thin wrapper; tests drive this class directly.
 */
export class Agent {
  private readonly connection: ServerConnection;
  private pages: PageServer | null = null;
  private users: DetectedUser[] = [];
  private usersTimer: NodeJS.Timeout | null = null;
  /** The highest seq each served chat has seen, to catch up after a reconnect. */
  private readonly lastSeq = new Map<string, number>();
  /** Page frames other than messages that waited for the server. */
  private held: AgentClientFrame[] = [];
  /**
   * The pages' messages the server has not acked, by client id, with their chat. A message written into a socket
   * the server had already cut is lost in transit, so every unacked message is sent again after a reconnect; the
   * client id makes that harmless (P-20).
   */
  private readonly unacked = new Map<string, { chatId: string; frame: AgentClientFrame }>();
  /**
   * The latest receipt each chat's pages sent, per state: a receipt written into a socket the server had already
   * cut is lost like a message, and is sent again after a reconnect; receipts only move forward, so a repeat
   * changes nothing (P-25a).
   */
  private readonly receipts = new Map<string, Extract<ChatClientFrame, { type: 'chat.receipt' }>>();
  private readonly log: (message: string) => void;
  private readonly launchFiles = new LaunchFiles({
    onUnused: (chatId) => {
      if ((this.pages?.pagesOpen(chatId) ?? 0) > 0 || this.openFailed.delete(chatId)) return;
      const reason =
        'the chat page was not opened in 5 minutes (the browser may not be able to see the file)';
      this.forward({ type: 'agent.page_failed', chatId, reason });
    },
  });
  /** Chats of the saved page state, whose pages may come back after this restart. */
  private restored = new Set<string>();
  /** Waits for those pages to come back before their chats are shown again. */
  private readonly returnTimers = new Set<NodeJS.Timeout>();
  /** Chats whose page the opener could not show: already reported, not again when their launch file expires. */
  private readonly openFailed = new Set<string>();

  private readonly link: ServerLink;
  /** A rotation the server asked for, under way. */
  private rotating = false;

  constructor(private readonly options: AgentOptions) {
    this.log = options.log ?? ((message) => process.stderr.write(`parley-agent: ${message}\n`));
    // Throws for a refused URL or an unusable CA file: the agent does not start.
    const link = configuredLink(options.config, options.reach);
    this.link = link;
    this.connection = new ServerConnection({
      url: agentSocketUrl(link),
      link,
      hello: async () => ({
        type: 'agent.hello',
        protocolVersion: PROTOCOL_VERSION,
        deviceId: options.config.deviceId,
        credential: this.credential(),
        device: { name: options.config.name, os: `${platform()} ${release()}`, agentVersion: AGENT_VERSION },
        loggedOnUsers: await this.refreshUsers(),
      }),
      onWelcome: (welcome) => this.onWelcome(welcome.openChats),
      onFrame: (frame) => this.onServerFrame(frame),
      onDown: () => {
        this.log('connection to the server lost');
        this.pages?.setLink(false);
      },
      log: this.log,
    });
  }

  async start(): Promise<void> {
    this.pages = new PageServer(
      {
        onFrame: (chatId, frame) => this.fromPage(chatId, frame),
        onPresence: (chatId, connected) => {
          if (connected) this.launchFiles.remove(chatId);
          this.forward({ type: 'agent.end_user', chatId, connected });
        },
        onStateNotSaved: (reason) => this.log(`could not save the page state (${reason})`),
      },
      { statePath: this.options.pageStatePath ?? null },
    );
    await this.pages.listen();
    this.restored = new Set(this.pages.takeRestored());
    this.connection.start();
    this.usersTimer = setInterval(() => void this.pollUsers(), this.options.usersPollMs ?? 5000);
    this.usersTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.usersTimer) clearInterval(this.usersTimer);
    for (const timer of this.returnTimers) clearTimeout(timer);
    this.returnTimers.clear();
    await this.connection.stop();
    await this.pages?.close();
    this.launchFiles.removeAll();
  }

  get connected(): boolean {
    return this.connection.isReady;
  }

  private async refreshUsers(): Promise<LoggedOnUser[]> {
    this.users = await this.options.detectUsers();
    return reportableUsers(this.users);
  }

  private async pollUsers(): Promise<void> {
    const before = JSON.stringify(reportableUsers(this.users));
    const now = await this.refreshUsers();
    if (JSON.stringify(now) !== before) this.connection.send({ type: 'agent.users', loggedOnUsers: now });
  }

  private onWelcome(openChats: ChatInfo[]): void {
    const pages = this.pages;
    if (!pages) return;
    pages.setLink(true);
    // A chat this agent serves that is no longer open closed while the agent was away: its catch-up says so.
    const open = new Set(openChats.map((c) => c.chatId));
    for (const chatId of pages.servedChatIds()) {
      if (!open.has(chatId)) {
        this.connection.send({ type: 'chat.subscribe', chatId, afterSeq: this.lastSeq.get(chatId) ?? 0 });
      }
    }
    const restored = this.restored;
    this.restored = new Set();
    for (const chat of openChats) {
      if (restored.has(chat.chatId)) {
        // This agent restarted with the chat's page key: its page, if still open, comes back by itself.
        const timer = setTimeout(() => {
          this.returnTimers.delete(timer);
          if (pages.pagesOpen(chat.chatId) === 0 && pages.hasChat(chat.chatId)) void this.showPage(chat);
        }, this.options.pageReturnMs ?? PAGE_RETURN_MS);
        timer.unref();
        this.returnTimers.add(timer);
      }
      if (!pages.hasChat(chat.chatId)) {
        // The agent restarted while the chat was open: the old page is gone, show a new one.
        void this.showPage(chat);
        continue;
      }
      // Catch the page up on what it missed, and tell the server it is still there.
      this.connection.send({
        type: 'chat.subscribe',
        chatId: chat.chatId,
        afterSeq: this.lastSeq.get(chat.chatId) ?? 0,
      });
      if (pages.pagesOpen(chat.chatId) > 0) {
        this.connection.send({ type: 'agent.end_user', chatId: chat.chatId, connected: true });
      }
    }
    for (const { frame } of this.unacked.values()) this.connection.send(frame);
    for (const frame of this.receipts.values()) if (open.has(frame.chatId)) this.connection.send(frame);
    const held = this.held;
    this.held = [];
    for (const frame of held) this.forward(frame);
  }

  /** The credential to say hello with: the config file's as it is now, else the one the agent started with. */
  private credential(): string {
    const file = this.options.configFile;
    if (!file) return this.options.config.credential;
    try {
      return readConfig(file).credential;
    } catch (error) {
      this.log(`${(error as Error).message}; using the credential read at start`);
      return this.options.config.credential;
    }
  }

  /** The server asked for a new credential (P-30). */
  private async rotate(): Promise<void> {
    const file = this.options.configFile;
    if (!file) {
      this.log('the server asked for a new credential, but this agent has no config file to save it in');
      return;
    }
    if (this.rotating) return;
    this.rotating = true;
    try {
      await rotateCredential(file, this.link);
      this.log('credential rotated at the server’s request');
    } catch (error) {
      this.log(`credential not rotated: ${(error as Error).message}`);
    } finally {
      this.rotating = false;
    }
  }

  private onServerFrame(frame: AgentLiveFrame): void {
    switch (frame.type) {
      case 'agent.rotate_credential':
        void this.rotate();
        return;
      case 'agent.chat_open':
        // Asked again for a chat whose page is open (the operator chose Instant Messaging again): it is on screen.
        if ((this.pages?.pagesOpen(frame.chat.chatId) ?? 0) > 0) return;
        void this.showPage(frame.chat);
        return;
      case 'chat.info':
        if (frame.chat.status === 'closed') {
          this.lastSeq.delete(frame.chat.chatId);
          this.receipts.delete(`${frame.chat.chatId}:delivered`);
          this.receipts.delete(`${frame.chat.chatId}:read`);
          this.launchFiles.remove(frame.chat.chatId);
        }
        this.pages?.deliver(frame.chat.chatId, frame);
        return;
      case 'chat.entries': {
        const last = frame.entries.at(-1);
        if (last && last.seq > (this.lastSeq.get(frame.chatId) ?? 0))
          this.lastSeq.set(frame.chatId, last.seq);
        this.pages?.deliver(frame.chatId, frame);
        return;
      }
      case 'chat.ack':
        this.unacked.delete(frame.clientId);
        this.pages?.deliver(frame.chatId, frame);
        return;
      case 'chat.typing':
      case 'chat.receipts':
        this.pages?.deliver(frame.chatId, frame);
        return;
      case 'error':
        this.routeError(frame);
        return;
    }
  }

  /** Errors name the chat, or the client id of a message they refuse. */
  private routeError(frame: Extract<AgentServerFrame, { type: 'error' }>): void {
    const refused = frame.ref ? this.unacked.get(frame.ref) : undefined;
    if (refused && frame.ref) this.unacked.delete(frame.ref);
    const chatId = refused?.chatId ?? frame.ref;
    if (chatId && this.pages?.hasChat(chatId)) this.pages.deliver(chatId, frame);
    else this.log(`server: ${frame.code}: ${frame.message}`);
  }

  private fromPage(chatId: string, frame: ChatClientFrame): void {
    if (frame.type === 'chat.receipt') {
      const key = `${chatId}:${frame.state}`;
      if ((this.receipts.get(key)?.seq ?? 0) < frame.seq) {
        this.receipts.delete(key);
        this.receipts.set(key, frame);
        if (this.receipts.size > MAX_KEPT_FRAMES) {
          const oldest = this.receipts.keys().next().value;
          if (oldest !== undefined) this.receipts.delete(oldest);
        }
      }
    }
    if (frame.type !== 'chat.send') {
      this.forward(frame);
      return;
    }
    this.unacked.set(frame.clientId, { chatId, frame });
    if (this.unacked.size > MAX_KEPT_FRAMES) {
      const oldest = this.unacked.keys().next().value;
      if (oldest !== undefined) this.unacked.delete(oldest);
    }
    // When the server is unreachable, the message waits in `unacked` for the next welcome.
    this.connection.send(frame);
  }

  /** To the server now, or held until it is back. */
  private forward(frame: AgentClientFrame): void {
    if (this.connection.send(frame)) return;
    // Typing is not worth holding; page presence is re-announced from the pages' state on reconnect.
    if (frame.type === 'chat.typing' || frame.type === 'agent.end_user') return;
    this.held.push(frame);
    if (this.held.length > MAX_KEPT_FRAMES) this.held.shift();
  }

  /** The logged-on person a chat is with, looked for again if they just logged on; throws when they are not here. */
  private async endUserOf(chat: ChatInfo): Promise<DetectedUser> {
    const find = () => this.users.find((u) => reportedName(u) === chat.endUserName);
    let found = find();
    if (!found) {
      await this.pollUsers();
      found = find();
    }
    if (!found) throw new Error(`${chat.endUserName} is not logged on to this computer (any more)`);
    return found;
  }

  private async showPage(chat: ChatInfo): Promise<void> {
    const pages = this.pages;
    if (!pages) return;
    this.openFailed.delete(chat.chatId);
    let url: string | null = null;
    try {
      // The chat is with one person: their session, or nobody's (never whoever else is logged on).
      const endUser = await this.endUserOf(chat);
      url = this.launchFiles.write(chat.chatId, pages.addChat(chat), launchOwner(endUser));
      await this.options.openPage(url, endUser);
    } catch (error) {
      const reason = (error instanceof Error ? error.message : String(error)).slice(0, 1000);
      this.log(`could not show the chat page (${reason})`);
      if (url) {
        process.stdout.write(
          `\n  ${chat.operatorName} wants to chat with ${chat.endUserName}. Open: ${url}\n\n`,
        );
      }
      // 5a: the operator is told, instead of waiting for a page that will not come.
      this.openFailed.add(chat.chatId);
      this.forward({ type: 'agent.page_failed', chatId: chat.chatId, reason });
    }
  }
}

/** What the user list may take of a frame to the server, leaving room for the rest of `agent.hello`. */
const USERS_FRAME_BYTES = MAX_CLIENT_FRAME_BYTES / 2;

/**
 * The users to report: as detection orders them (graphical, local first), as many as the schema allows and fit in
 * a frame to the server, so a terminal server with a crowd logged on never sends a frame the server must refuse.
 */
export function reportableUsers(users: readonly DetectedUser[]): LoggedOnUser[] {
  const reported: LoggedOnUser[] = [];
  let bytes = 0;
  for (const detected of users) {
    const user: LoggedOnUser = { name: reportedName(detected).slice(0, MAX_USER_NAME_CHARS) };
    // The session's facts, for an operator choosing among several people (the session id is the OS's, no secret).
    if (detected.session !== undefined) user.session = detected.session;
    if (detected.since !== undefined) user.since = detected.since;
    if (detected.sessionId !== undefined && detected.sessionId.length <= 64)
      user.sessionId = detected.sessionId;
    bytes += Buffer.byteLength(JSON.stringify(user)) + 1;
    if (bytes > USERS_FRAME_BYTES || reported.length === MAX_LOGGED_ON_USERS) break;
    reported.push(user);
  }
  return reported;
}

/** An agent running as root hands the launch file to the end user it is for (their browser must read it). */
function launchOwner(endUser: DetectedUser | null): LaunchOwner | null {
  const agentUid = process.getuid?.();
  if (agentUid !== 0 || endUser?.uid === undefined || endUser.uid === agentUid) return null;
  return { uid: endUser.uid };
}

export function defaultDeviceName(): string {
  return hostname();
}
