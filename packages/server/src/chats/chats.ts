import type {
  ChatEntry,
  ChatInfo,
  ChatServerFrame,
  ErrorCode,
  LoggedOnUser,
  Person,
  ReceiptState,
} from '@parley/protocol';
import type { Logger } from 'pino';
import { audit, SYSTEM } from '../audit/audit.js';
import { type Bus, subjects } from '../bus/bus.js';
import { uuidv7 } from '../ids.js';
import { type Operator, withGroups } from '../operators/operator.js';
import type { RecordingDecision } from '../recording/recording.js';
import type { Actor, Policy } from '../rights/policy.js';
import type { Store } from '../store/store.js';
import { type AppendResult, type ChatRecord, deviceChatOf, type QueuedMessage } from './chatStore.js';
import { GroupCommit } from './groupCommit.js';

/** Who acts on a chat: a signed-in operator, or the agent of a device on its end user's behalf. */
export type ChatActor = Actor;

export type ChatResult<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message: string };

export type OpenChatError =
  | 'not_found'
  | 'forbidden'
  | 'license_required'
  | 'device_offline'
  | 'no_user_logged_on'
  | 'choose_user'
  | 'user_not_logged_on'
  | 'display_name_required';

/** Whom an operator may choose among: the person at the computer first, then those of unknown and remote sessions. */
export function usersToChoose(users: readonly LoggedOnUser[]): LoggedOnUser[] {
  const order = (user: LoggedOnUser): number =>
    user.session === 'console' ? 0 : user.session === 'remote' ? 2 : 1;
  return [...users].sort((a, b) => order(a) - order(b));
}

/** History is sent in pages of this many entries. */
export const HISTORY_PAGE = 500;

function fail<T>(code: ErrorCode, message: string): ChatResult<T> {
  return { ok: false, code, message };
}

export function presentChat(chat: ChatRecord, organization: string): ChatInfo {
  return {
    chatId: chat.id,
    organization,
    deviceId: chat.deviceId,
    deviceName: chat.deviceName,
    operatorName: chat.operatorName,
    endUserName: chat.endUserName,
    status: chat.status,
    recorded: chat.recorded,
    ...(chat.recordingNotice === null ? {} : { recordingNotice: chat.recordingNotice }),
    receipts: chat.receipts,
  };
}

/** What the chat service asks of the recording manager, and tells the metrics. */
export interface ChatHooks {
  /** Whether a chat about to open is recorded (fixed for its life); unset: never. */
  decideRecording?: (operator: Operator, deviceId: string) => Promise<RecordingDecision>;
  /** Each group commit's number of messages. */
  commitBatch?: (size: number) => void;
}

const NO_RECEIPTS = { deliveredSeq: 0, readSeq: 0 };

/** How many open chats `send` keeps the record of (what a message needs of it never changes while it is open). */
const SENDING_CHATS = 10_000;

/** Opening chats, their messages and events, and who may see them. Transport-free: sockets call in. */
export class ChatService {
  private readonly commits: GroupCommit<QueuedMessage, AppendResult | null>;
  /**
   * Open chats messages were sent in lately, so a message does not read its chat again: who takes part, on which
   * device and under which names is fixed at open. Whether it is still open is what the append itself checks.
   */
  private readonly sending = new Map<string, ChatRecord>();

  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    private readonly policy: Policy,
    /** The organisation whose help desk this is, shown to end users. */
    private readonly organization: string,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
    private readonly hooks: ChatHooks = {},
  ) {
    this.commits = new GroupCommit((batch) => store.chats.appendMessages(batch), hooks.commitBatch);
    // Every node looks at the open chats of operators whose access changed; closing twice writes one close.
    bus.subscribe(subjects.access, (message) => {
      if (message.type !== 'access_changed') return;
      this.closeRevoked(message.operatorIds).catch((error: unknown) =>
        this.log.error({ err: error }, 'ending the chats of a revoked access failed'),
      );
    });
  }

  /**
   * Ends the open chats whose operator may no longer take part (capability or right withdrawn, operator disabled or
   * deleted): an `access_revoked` event both sides see, then the close.
   */
  async closeRevoked(operatorIds: readonly string[] | 'all'): Promise<void> {
    this.policy.forget();
    const ids = operatorIds === 'all' ? (await this.store.operators.list()).map((o) => o.id) : operatorIds;
    for (const operatorId of ids) {
      const chats = await this.store.chats.listOpenOfOperator(operatorId);
      if (chats.length === 0) continue;
      const record = await this.store.operators.findById(operatorId);
      const operator = record && !record.disabled ? await withGroups(this.store, record) : null;
      for (const chat of chats) {
        const decision =
          operator &&
          (await this.policy.authorize({ kind: 'operator', operator }, { kind: 'chat.take_part', chat }));
        // Without a license the chat waits (its messages are refused); it ends only for a lost right.
        const allowed = decision && (decision.allowed || decision.code === 'license_required');
        if (!allowed) await this.endChat(chat, 'access_revoked');
      }
    }
  }

  /** The open chats of a device removed, or whose credential was revoked, end for both sides (P-29). */
  async endChatsOfDevice(deviceId: string, why: 'device_removed' | 'credential_revoked'): Promise<void> {
    for (const chat of await this.store.chats.listOpen(deviceId)) await this.endChat(chat, why);
  }

  /** Ends a chat nobody closed: the event that says why, then the close. */
  private async endChat(
    chat: ChatRecord,
    why: 'access_revoked' | 'device_removed' | 'credential_revoked',
  ): Promise<void> {
    const at = this.now().toISOString();
    // One transaction: of the nodes that all end it, the first writes both entries, the others find it closed.
    const [revoked, closed] = await this.store.transaction(async (tx) => {
      const event = await tx.chats.appendEvent(chat.id, why, null, at);
      if (!event) return [null, null];
      const entry = await tx.chats.close(chat.id, null, at);
      await audit(tx, SYSTEM, 'chat.close', `device:${chat.deviceName}`, {
        chatId: chat.id,
        reason: why,
      });
      return [event, entry];
    });
    this.sending.delete(chat.id);
    const entries = [revoked, closed].filter((entry): entry is ChatEntry => entry !== null);
    if (entries.length === 0) return;
    this.publishEntries(chat, entries);
    this.publish(chat, {
      type: 'chat.info',
      chat: presentChat({ ...chat, status: 'closed', closedAt: at }, this.organization),
    });
    await this.announceChats(chat.deviceId);
  }

  /**
   * P-35: the consoles shown the device learn its open chats now (after the commit that changed them). The change is
   * made whatever happens here: a read that fails is logged, and the rows catch up with their next fetch.
   */
  private async announceChats(deviceId: string): Promise<void> {
    try {
      const open = await this.store.chats.listOpen(deviceId);
      this.bus.publish(subjects.devices, { type: 'device_chats', deviceId, chats: open.map(deviceChatOf) });
    } catch (error) {
      this.log.warn({ err: error, deviceId }, 'open chats of a device not announced');
    }
  }

  /**
   * Opens a chat with the device's end user, or (5b, 5c) shows again the one this operator has open with them: one
   * open chat per operator, device and end user, which a unique index keeps across nodes. Either way the agent is
   * asked to show the page, so a user who closed their window gets it back.
   */
  async open(
    operator: Operator,
    deviceId: string,
    /** Where the request came from, for the audit row. */
    address: string | null = null,
    /** With whom, by name; needed when several people are logged on. */
    user?: string,
  ): Promise<
    | { ok: true; chatId: string; reused: boolean }
    | { ok: false; error: OpenChatError; users?: LoggedOnUser[] }
  > {
    // Asked first, so an operator who may not cannot learn which device ids exist.
    if (!(await this.policy.may(operator, { kind: 'device.read', deviceId })))
      return { ok: false, error: 'not_found' };
    const decision = await this.policy.authorize(
      { kind: 'operator', operator },
      { kind: 'chat.open', deviceId },
    );
    if (!decision.allowed) return { ok: false, error: decision.code ?? 'forbidden' };
    // The end user is told who writes to them by this name: never a blank one (the first admin starts without).
    if (operator.displayName.trim() === '') return { ok: false, error: 'display_name_required' };
    const device = await this.store.devices.find(deviceId);
    if (!device) return { ok: false, error: 'not_found' };
    const present = device.onlineNode === null ? [] : device.loggedOnUsers;
    // Never "the first one listed": on a computer several people use that is whoever logged on first.
    if (user === undefined && present.length > 1)
      return { ok: false, error: 'choose_user', users: usersToChoose(present) };
    const endUser = user === undefined ? present[0] : present.find((u) => u.name === user);
    if (!endUser) {
      // Nobody to show it to now, but the operator's chat on this device (with them) is still theirs to look at.
      const mine = (await this.store.chats.listOpen(deviceId))
        .filter((c) => c.operatorId === operator.id && (user === undefined || c.endUserName === user))
        .at(-1);
      if (mine) return { ok: true, chatId: mine.id, reused: true };
      if (device.onlineNode === null) return { ok: false, error: 'device_offline' };
      return { ok: false, error: user === undefined ? 'no_user_logged_on' : 'user_not_logged_on' };
    }
    const existing = await this.store.chats.findOpenWith(operator.id, deviceId, endUser.name);
    if (existing) return { ok: true, chatId: this.showAgain(existing), reused: true };
    const recording = (await this.hooks.decideRecording?.(operator, deviceId)) ?? null;
    const chat: ChatRecord = {
      id: uuidv7(),
      deviceId,
      deviceName: device.name,
      operatorId: operator.id,
      operatorName: operator.displayName,
      endUserName: endUser.name,
      status: 'open',
      openedAt: this.now().toISOString(),
      closedAt: null,
      lastSeq: 1,
      recorded: recording?.recorded ?? false,
      recordEvents: recording?.recordEvents ?? true,
      recordingNotice: recording?.notice ?? null,
      receipts: { operator: NO_RECEIPTS, end_user: NO_RECEIPTS },
    };
    try {
      await this.store.transaction(async (tx) => {
        await tx.chats.create(chat, { role: 'operator', name: operator.displayName });
        await audit(tx, { name: operator.username, address }, 'chat.open', `device:${device.name}`, {
          chatId: chat.id,
          endUser: endUser.name,
          recorded: chat.recorded,
        });
      });
    } catch (error) {
      // Another request (another node, a double click) opened it a moment ago: that one is the chat.
      const opened = await this.store.chats.findOpenWith(operator.id, deviceId, endUser.name);
      if (!opened) throw error;
      return { ok: true, chatId: this.showAgain(opened), reused: true };
    }
    await this.announceChats(deviceId);
    return { ok: true, chatId: this.showAgain(chat), reused: false };
  }

  /** Asks the device's agent to show the chat's page to its end user. */
  private showAgain(chat: ChatRecord): string {
    this.bus.publish(subjects.device(chat.deviceId), {
      type: 'to_agent',
      frame: { type: 'agent.chat_open', chat: presentChat(chat, this.organization) },
    });
    return chat.id;
  }

  /** 5a: the agent could not show the page; the chat says why, so the operator can try again. */
  async pageFailed(chatId: string, deviceId: string, reason: string): Promise<ChatResult<null>> {
    const access = await this.authorize(chatId, { kind: 'device', deviceId });
    if (!access.ok) return access;
    const { chat } = access.value;
    if (chat.status === 'closed') return { ok: true, value: null };
    const entry = await this.store.chats.appendEvent(
      chatId,
      'page_failed',
      null,
      this.now().toISOString(),
      reason,
    );
    if (entry) this.publishEntries(chat, [entry]);
    return { ok: true, value: null };
  }

  /** The chat's facts and its entries after `afterSeq`, for a participant catching up. */
  async history(
    chatId: string,
    actor: ChatActor,
    afterSeq: number,
  ): Promise<ChatResult<{ info: ChatInfo; entries: ChatEntry[] }>> {
    const access = await this.authorize(chatId, actor);
    if (!access.ok) return access;
    const { chat } = access.value;
    const entries = await this.store.chats.entriesAfter(chatId, afterSeq, HISTORY_PAGE);
    return { ok: true, value: { info: presentChat(chat, this.organization), entries } };
  }

  async send(
    chatId: string,
    actor: ChatActor,
    clientId: string,
    text: string,
  ): Promise<ChatResult<{ seq: number; at: string }>> {
    const access = await this.authorize(chatId, actor, 'licensed', (id) => this.chatToSendIn(id));
    if (!access.ok) return access;
    const { chat } = access.value;
    if (chat.status === 'closed') return fail('chat_closed', 'this chat is closed');
    const from = this.personOf(chat, actor);
    let appended: AppendResult | null;
    try {
      // Committed (with whatever else arrived meanwhile) before the ack.
      appended = await this.commits.submit({
        chatId,
        message: { clientId, from, text, at: this.now().toISOString() },
      });
    } catch (error) {
      this.log.error({ err: error, chatId }, 'a batch of messages could not be stored');
      return fail('internal', 'the message was not stored (the database refused it); send it again');
    }
    if (!appended) {
      this.sending.delete(chatId);
      return fail('chat_closed', 'this chat is closed');
    }
    const { entry, duplicate } = appended;
    if (!duplicate) this.publishEntries(chat, [entry]);
    return { ok: true, value: { seq: entry.seq, at: entry.at } };
  }

  async typing(chatId: string, actor: ChatActor, typing: boolean): Promise<ChatResult<null>> {
    const access = await this.authorize(chatId, actor, 'licensed');
    if (!access.ok) return access;
    const { chat } = access.value;
    if (chat.status === 'closed') return { ok: true, value: null };
    const role = actor.kind === 'operator' ? 'operator' : 'end_user';
    const frame: ChatServerFrame = { type: 'chat.typing', chatId, role, typing };
    if (actor.kind === 'operator') {
      this.bus.publish(subjects.device(chat.deviceId), { type: 'to_agent', frame });
    } else {
      this.bus.publish(subjects.chat(chatId), { type: 'to_consoles', frame });
    }
    return { ok: true, value: null };
  }

  /** The actor's side has received or read the chat up to `seq`; the other side learns it. */
  async receipt(
    chatId: string,
    actor: ChatActor,
    seq: number,
    state: ReceiptState,
  ): Promise<ChatResult<null>> {
    const access = await this.authorize(chatId, actor);
    if (!access.ok) return access;
    const role = actor.kind === 'operator' ? 'operator' : 'end_user';
    const receipts = await this.store.chats.advanceReceipt(chatId, role, state, seq);
    if (receipts) this.publish(access.value.chat, { type: 'chat.receipts', chatId, role, ...receipts });
    return { ok: true, value: null };
  }

  /** Ends the chat for both sides. Closing a closed chat is not an error. */
  async close(chatId: string, actor: ChatActor): Promise<ChatResult<null>> {
    const access = await this.authorize(chatId, actor);
    if (!access.ok) return access;
    const { chat } = access.value;
    if (chat.status === 'closed') return { ok: true, value: null };
    const at = this.now().toISOString();
    const closer = actor.kind === 'operator' ? actor.operator.username : `device:${actor.deviceId}`;
    const event = await this.store.transaction(async (tx) => {
      const closed = await tx.chats.close(chatId, this.personOf(chat, actor), at);
      if (closed)
        await audit(tx, { name: closer, address: null }, 'chat.close', `device:${chat.deviceName}`, {
          chatId,
        });
      return closed;
    });
    this.sending.delete(chatId);
    if (!event) return { ok: true, value: null };
    this.publishEntries(chat, [event]);
    const info = presentChat({ ...chat, status: 'closed', closedAt: at }, this.organization);
    this.publish(chat, { type: 'chat.info', chat: info });
    await this.announceChats(chat.deviceId);
    return { ok: true, value: null };
  }

  /**
   * P-34: the operator signed out and has no session left: each of their open chats gets `operator_left` (the
   * operator), so the end user is told; the chats stay open, and the operator finds them again when back.
   */
  async operatorSignedOut(operatorId: string): Promise<void> {
    const at = this.now().toISOString();
    for (const chat of await this.store.chats.listOpenOfOperator(operatorId)) {
      const person: Person = { role: 'operator', name: chat.operatorName };
      const entry = await this.store.chats.appendEvent(chat.id, 'operator_left', person, at);
      if (entry) this.publishEntries(chat, [entry]);
    }
  }

  /** The end user's page connected to, or dropped from, the device's agent. */
  async endUserPresence(chatId: string, deviceId: string, connected: boolean): Promise<ChatResult<null>> {
    const access = await this.authorize(chatId, { kind: 'device', deviceId });
    if (!access.ok) return access;
    const { chat } = access.value;
    if (chat.status === 'closed') return { ok: true, value: null };
    const person: Person = { role: 'end_user', name: chat.endUserName };
    const event = connected ? 'end_user_connected' : 'end_user_disconnected';
    const entry = await this.store.chats.appendEvent(chatId, event, person, this.now().toISOString());
    if (entry) this.publishEntries(chat, [entry]);
    return { ok: true, value: null };
  }

  /** The operator's chats that are still open, oldest first, to put their windows back. */
  async openChatsOfOperator(operator: Operator): Promise<ChatInfo[]> {
    const chats = await this.store.chats.listOpenOfOperator(operator.id);
    return chats.map((chat) => presentChat(chat, this.organization));
  }

  async openChatsOf(deviceId: string): Promise<ChatInfo[]> {
    return (await this.store.chats.listOpen(deviceId)).map((chat) => presentChat(chat, this.organization));
  }

  /**
   * Whether `actor` may take part in the chat. Messages (and typing) need the license (`licensed`); reading,
   * receipts and closing do not, so a chat that lost its license can still be read and ended.
   */
  private async authorize(
    chatId: string,
    actor: ChatActor,
    needs: 'licensed' | 'unlicensed' = 'unlicensed',
    find: (chatId: string) => Promise<ChatRecord | undefined> = (id) => this.store.chats.find(id),
  ): Promise<ChatResult<{ chat: ChatRecord }>> {
    const chat = await find(chatId);
    if (!chat) return fail('not_found', 'no such chat');
    const decision = await this.policy.authorize(actor, { kind: 'chat.take_part', chat });
    if (decision.allowed) return { ok: true, value: { chat } };
    // The policy asks for the license after everything else: a refusal for it means the rest was allowed.
    if (decision.code === 'license_required')
      return needs === 'licensed'
        ? fail('license_required', decision.message)
        : { ok: true, value: { chat } };
    // A device is not told that another device's chat exists.
    return actor.kind === 'device'
      ? fail('not_found', 'no such chat')
      : fail('forbidden', `you may not take part in this chat: ${decision.message}`);
  }

  private async chatToSendIn(chatId: string): Promise<ChatRecord | undefined> {
    const known = this.sending.get(chatId);
    if (known) return known;
    const chat = await this.store.chats.find(chatId);
    if (chat?.status !== 'open') return chat;
    if (this.sending.size >= SENDING_CHATS) this.sending.delete(this.sending.keys().next().value ?? '');
    this.sending.set(chatId, chat);
    return chat;
  }

  private personOf(chat: ChatRecord, actor: ChatActor): Person {
    return actor.kind === 'operator'
      ? { role: 'operator', name: chat.operatorName }
      : { role: 'end_user', name: chat.endUserName };
  }

  private publishEntries(chat: ChatRecord, entries: ChatEntry[]): void {
    this.publish(chat, { type: 'chat.entries', chatId: chat.id, entries });
  }

  private publish(chat: ChatRecord, frame: ChatServerFrame): void {
    this.bus.publish(subjects.chat(chat.id), { type: 'to_consoles', frame });
    this.bus.publish(subjects.device(chat.deviceId), { type: 'to_agent', frame });
  }
}
