import type { ChatEntry, ChatInfo, ErrorFrame, Receipts, Role } from '@parley/protocol';

/**
 * Where a message this side wrote stands: on its way, stored by the server (`sent`), received by the other side's
 * page or console (`delivered`), looked at there (`read`), or refused / unanswered (`failed`, retryable).
 */
export type DeliveryStatus = 'sending' | 'sent' | 'delivered' | 'read' | 'failed';

export type MessageEntry = Extract<ChatEntry, { kind: 'message' }>;

/** Both sides' receipt marks. */
export type ChatReceipts = Record<Role, Receipts>;

const NO_RECEIPTS: Receipts = { deliveredSeq: 0, readSeq: 0 };

/** A message written here that is not yet in the chat's entries (keyed by its client-made id). */
export interface PendingMessage {
  clientId: string;
  text: string;
  /** When it was written (ISO), shown until the server's time is known. */
  createdAt: string;
  status: DeliveryStatus;
  /** From the ack. */
  seq: number | null;
  at: string | null;
  /** Why it was not delivered. */
  error: string | null;
  /** A failure the client may retry by itself after a reconnect (no answer), not a refusal by the server. */
  autoRetry: boolean;
  /** Bumped on every transmission, so the ack timeout of an earlier one is ignored. */
  attempt: number;
}

export interface ChatProblem {
  code: string;
  message: string;
}

export interface ChatState {
  chatId: string;
  /** Which side this client is on: its own messages are the ones from this role. */
  myRole: Role;
  info: ChatInfo | null;
  /** The chat's entries, sorted by seq, one per seq. */
  entries: readonly ChatEntry[];
  /** The highest seq held (0 = none): what a re-subscribe asks to continue after. */
  lastSeq: number;
  /** Messages written here and not yet seen in `entries`, oldest first. */
  pending: readonly PendingMessage[];
  /** The other side is typing. */
  peerTyping: boolean;
  /** The transport is up (and, for the console, greeted). */
  connected: boolean;
  /** A refusal about the chat itself (ref = chatId), e.g. not allowed to take part. */
  problem: ChatProblem | null;
  /**
   * How far each side has received and read the chat. Only moves forward: the server's marks (from `chat.info` and
   * `chat.receipts`), and for this side also the receipts it has just sent (so its unread count drops at once).
   */
  receipts: ChatReceipts;
}

export type ChatAction =
  | { type: 'connection'; up: boolean }
  | { type: 'info'; info: ChatInfo }
  | { type: 'entries'; entries: readonly ChatEntry[] }
  | { type: 'ack'; clientId: string; seq: number; at: string }
  | { type: 'peerTyping'; typing: boolean }
  | { type: 'receipts'; role: Role; receipts: Receipts }
  | { type: 'error'; frame: ErrorFrame }
  | { type: 'queue'; clientId: string; text: string; createdAt: string }
  | { type: 'transmitted'; clientId: string }
  | { type: 'retry'; clientId: string }
  | { type: 'timeout'; clientId: string; attempt: number };

export function initialChatState(chatId: string, myRole: Role): ChatState {
  return {
    chatId,
    myRole,
    info: null,
    entries: [],
    lastSeq: 0,
    pending: [],
    peerTyping: false,
    connected: false,
    problem: null,
    receipts: { operator: NO_RECEIPTS, end_user: NO_RECEIPTS },
  };
}

/** Marks that only move forward: the later of each. Returns `current` itself when nothing moved. */
export function advanceReceipts(current: Receipts, next: Receipts): Receipts {
  const deliveredSeq = Math.max(current.deliveredSeq, next.deliveredSeq, next.readSeq);
  const readSeq = Math.max(current.readSeq, next.readSeq);
  if (deliveredSeq === current.deliveredSeq && readSeq === current.readSeq) return current;
  return { deliveredSeq, readSeq };
}

function withReceipts(state: ChatState, role: Role, next: Receipts): ChatState {
  const current = state.receipts[role];
  const merged = advanceReceipts(current, next);
  if (merged === current) return state;
  return { ...state, receipts: { ...state.receipts, [role]: merged } };
}

export function otherRole(role: Role): Role {
  return role === 'operator' ? 'end_user' : 'operator';
}

/**
 * Merges entries into a sorted, seq-unique list. Overlap and reordering are harmless: an entry already held (same seq)
 * is kept as it is. Returns `existing` itself when nothing is new, so a repeat does not re-render.
 */
export function mergeEntries(
  existing: readonly ChatEntry[],
  incoming: readonly ChatEntry[],
): readonly ChatEntry[] {
  if (incoming.length === 0) return existing;
  const last = existing.at(-1)?.seq ?? 0;
  const ascending = incoming.every((entry, i) => i === 0 || entry.seq > (incoming[i - 1]?.seq ?? 0));
  if (ascending && (incoming[0]?.seq ?? 0) > last) return [...existing, ...incoming];
  const bySeq = new Map<number, ChatEntry>();
  for (const entry of existing) bySeq.set(entry.seq, entry);
  let added = false;
  for (const entry of incoming) {
    if (!bySeq.has(entry.seq)) {
      bySeq.set(entry.seq, entry);
      added = true;
    }
  }
  if (!added) return existing;
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

function updatePending(
  state: ChatState,
  clientId: string,
  change: (message: PendingMessage) => PendingMessage | null,
): ChatState {
  const index = state.pending.findIndex((message) => message.clientId === clientId);
  const current = state.pending[index];
  if (!current) return state;
  const next = change(current);
  if (next === current || next === null) return state;
  const pending = [...state.pending];
  pending[index] = next;
  return { ...state, pending };
}

/** Error codes about a chat that stop this client from taking part (shown instead of the conversation). */
const CHAT_LEVEL_PROBLEMS = new Set<ErrorFrame['code']>([
  'forbidden',
  'not_found',
  'not_authenticated',
  'internal',
]);

export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  switch (action.type) {
    case 'connection':
      if (state.connected === action.up) return state;
      return { ...state, connected: action.up, peerTyping: action.up ? state.peerTyping : false };

    case 'info': {
      if (action.info.chatId !== state.chatId) return state;
      const withInfo: ChatState = {
        ...state,
        info: action.info,
        problem: null,
        peerTyping: action.info.status === 'closed' ? false : state.peerTyping,
      };
      const { operator, end_user } = action.info.receipts;
      return withReceipts(withReceipts(withInfo, 'operator', operator), 'end_user', end_user);
    }

    case 'receipts':
      return withReceipts(state, action.role, action.receipts);

    case 'entries': {
      const entries = mergeEntries(state.entries, action.entries);
      const arrivedIds = new Set<string>();
      let peerSpoke = false;
      for (const entry of action.entries) {
        if (entry.kind !== 'message') continue;
        if (entry.from.role === state.myRole) arrivedIds.add(entry.clientId);
        else peerSpoke = true;
      }
      const pending = state.pending.some((message) => arrivedIds.has(message.clientId))
        ? state.pending.filter((message) => !arrivedIds.has(message.clientId))
        : state.pending;
      if (entries === state.entries && pending === state.pending) return state;
      return {
        ...state,
        entries,
        lastSeq: contiguousSeq(entries),
        pending,
        peerTyping: peerSpoke ? false : state.peerTyping,
      };
    }

    case 'ack':
      return updatePending(state, action.clientId, (message) => ({
        ...message,
        status: 'sent',
        seq: action.seq,
        at: action.at,
        error: null,
        autoRetry: false,
      }));

    case 'peerTyping':
      return state.peerTyping === action.typing ? state : { ...state, peerTyping: action.typing };

    case 'error': {
      const { ref, code, message } = action.frame;
      if (ref === undefined) return state;
      if (state.pending.some((pending) => pending.clientId === ref)) {
        return updatePending(state, ref, (pending) =>
          pending.status === 'sent'
            ? pending
            : { ...pending, status: 'failed', error: message, autoRetry: false },
        );
      }
      if (ref === state.chatId && CHAT_LEVEL_PROBLEMS.has(code))
        return { ...state, problem: { code, message } };
      return state;
    }

    case 'queue':
      if (state.pending.some((message) => message.clientId === action.clientId)) return state;
      return {
        ...state,
        pending: [
          ...state.pending,
          {
            clientId: action.clientId,
            text: action.text,
            createdAt: action.createdAt,
            status: 'sending',
            seq: null,
            at: null,
            error: null,
            autoRetry: false,
            attempt: 0,
          },
        ],
      };

    case 'transmitted':
      return updatePending(state, action.clientId, (message) =>
        message.status === 'sent'
          ? message
          : { ...message, status: 'sending', error: null, autoRetry: false, attempt: message.attempt + 1 },
      );

    case 'retry':
      return updatePending(state, action.clientId, (message) =>
        message.status === 'failed'
          ? { ...message, status: 'sending', error: null, autoRetry: false }
          : message,
      );

    case 'timeout':
      return updatePending(state, action.clientId, (message) =>
        message.status === 'sending' && message.attempt === action.attempt
          ? { ...message, status: 'failed', error: 'No answer from the server', autoRetry: true }
          : message,
      );
  }
}

/** Pending messages to (re)send once the transport is up again: not yet acked, and not refused by the server. */
export function toResend(state: ChatState): PendingMessage[] {
  return state.pending.filter(
    (message) => message.status === 'sending' || (message.status === 'failed' && message.autoRetry),
  );
}

/** Where a message of this side that the server stored (`seq`) stands, from the other side's receipts. */
export function storedStatus(seq: number, peer: Receipts): 'sent' | 'delivered' | 'read' {
  if (peer.readSeq >= seq) return 'read';
  if (peer.deliveredSeq >= seq) return 'delivered';
  return 'sent';
}

/** A pending message's status: its own until acked, then what the other side's receipts say. */
export function pendingStatus(message: PendingMessage, peer: Receipts): DeliveryStatus {
  if (message.status === 'sent' && message.seq !== null) return storedStatus(message.seq, peer);
  return message.status;
}

/** The other side's messages this side has not read yet (after its read mark). */
export function unreadMessages(state: Pick<ChatState, 'entries' | 'myRole' | 'receipts'>): MessageEntry[] {
  const readSeq = state.receipts[state.myRole].readSeq;
  const unread: MessageEntry[] = [];
  for (let i = state.entries.length - 1; i >= 0; i--) {
    const entry = state.entries[i];
    if (!entry || entry.seq <= readSeq) break;
    if (entry.kind === 'message' && entry.from.role !== state.myRole) unread.unshift(entry);
  }
  return unread;
}

export function unreadCount(state: Pick<ChatState, 'entries' | 'myRole' | 'receipts'>): number {
  return unreadMessages(state).length;
}

export type TimelineItem = { kind: 'entry'; entry: ChatEntry } | { kind: 'pending'; message: PendingMessage };

/**
 * What the log shows, in order: the entries by seq, an acked message not yet seen in the entries at its seq, and the
 * messages still on their way at the end, in the order they were written.
 */
export function timeline(state: Pick<ChatState, 'entries' | 'pending'>): TimelineItem[] {
  const items: TimelineItem[] = state.entries.map((entry) => ({ kind: 'entry', entry }));
  const acked = state.pending
    .filter((message) => message.seq !== null)
    .sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  for (const message of acked) {
    const seq = message.seq ?? 0;
    const index = items.findIndex((item) => item.kind === 'entry' && item.entry.seq > seq);
    const item: TimelineItem = { kind: 'pending', message };
    if (index === -1) items.push(item);
    else items.splice(index, 0, item);
  }
  for (const message of state.pending) {
    if (message.seq === null) items.push({ kind: 'pending', message });
  }
  return items;
}

export type EndUserPresence = 'unknown' | 'connected' | 'disconnected';

/** Whether the end user's page is connected, from the last presence event ('unknown' before the first). */
/**
 * The highest seq up to which every entry is held (P-23): what to catch up after, and how far receipts may go.
 * A later entry that came over a gap (a live frame lost between nodes) does not count until the gap is filled.
 */
export function contiguousSeq(entries: readonly ChatEntry[]): number {
  let seq = 0;
  for (const entry of entries) {
    if (entry.seq === seq + 1) seq = entry.seq;
    else if (entry.seq > seq + 1) break;
  }
  return seq;
}

export function endUserPresence(entries: readonly ChatEntry[]): EndUserPresence {
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i];
    if (entry?.kind !== 'event') continue;
    if (entry.event === 'end_user_connected') return 'connected';
    if (entry.event === 'end_user_disconnected') return 'disconnected';
  }
  return 'unknown';
}

/**
 * 5a: why the agent could not show the end user's page, when that is the latest news of the page (no
 * `end_user_connected` since); null otherwise.
 */
export function pageFailure(entries: readonly ChatEntry[]): string | null {
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i];
    if (entry?.kind !== 'event') continue;
    if (entry.event === 'end_user_connected') return null;
    if (entry.event === 'page_failed') return entry.detail ?? 'no reason given';
  }
  return null;
}

/** Who ended the chat: the role on its `chat_closed` event, or 'operator' after `operator_left`; null if open. */
export function closedBy(entries: readonly ChatEntry[]): Role | null {
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i];
    if (entry?.kind !== 'event') continue;
    if (entry.event === 'operator_left') return 'operator';
    if (entry.event === 'chat_closed') return entry.from?.role ?? 'operator';
  }
  return null;
}

/** P-34: the operator signed out and has not written since (the chat is still open). */
export function operatorSignedOut(entries: readonly ChatEntry[]): boolean {
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i];
    if (entry?.kind === 'message' && entry.from.role === 'operator') return false;
    if (entry?.kind === 'event' && entry.event === 'operator_left') return true;
  }
  return false;
}

export function isClosed(state: Pick<ChatState, 'info'>): boolean {
  return state.info?.status === 'closed';
}
