import { z } from 'zod/mini';

/**
 * The wire protocol every Parley piece speaks. PROTOCOL.md (beside this package) documents each frame.
 * Bump PROTOCOL_VERSION on any change a peer of the previous version could not understand.
 */
export const PROTOCOL_VERSION = 5;

/**
 * Largest frame a client sends: the console and the agent to the server, an end-user page to its agent. The
 * receiving end checks it before parsing (`parseClientFrame`) and closes the socket with 1009 past it.
 */
export const MAX_CLIENT_FRAME_BYTES = 64 * 1024;
/**
 * Largest frame a server sends: the server to consoles and agents, the agent to its end-user pages. Every client
 * accepts frames up to this size (`parseServerFrame`); lists are sent in parts so that nothing grows past it.
 */
export const MAX_SERVER_FRAME_BYTES = 1024 * 1024;
/**
 * A list a server sends in parts (history `chat.entries`, `devices.watched`, `agent.open_chats`) is cut into
 * frames of about this size: a part passes it only by its one item, well under MAX_SERVER_FRAME_BYTES.
 */
export const FRAME_CHUNK_BYTES = 256 * 1024;
/** Longest message text, in characters. */
export const MAX_MESSAGE_CHARS = 8000;

/** WebSocket close codes (4000–4999 is the application range). */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  tooBig: 1009,
  authFailed: 4001,
  versionMismatch: 4002,
  helloTimeout: 4003,
  replaced: 4004,
  slowConsumer: 4006,
  sessionEnded: 4007,
  /** The device was removed, or its credential revoked: the agent must be enrolled again (P-29). */
  deviceRemoved: 4008,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/**
 * P-12: what a server tells a peer whose `protocolVersion` is not its own, saying which side is too old: the error
 * frame's `message` and the close frame's reason.
 */
export function versionMismatch(
  peer: 'console' | 'agent',
  theirs: number,
): { message: string; reason: 'client too old' | 'server too old' } {
  if (theirs < PROTOCOL_VERSION) {
    const fix = peer === 'console' ? 'reload the console' : 'update the agent';
    return {
      message: `the ${peer} is too old: it speaks protocol ${theirs}, this server ${PROTOCOL_VERSION}; ${fix}`,
      reason: 'client too old',
    };
  }
  return {
    message: `this server is too old: it speaks protocol ${PROTOCOL_VERSION}, the ${peer} ${theirs}; update the server`,
    reason: 'server too old',
  };
}

const id = z.string().check(z.minLength(1), z.maxLength(64));
const clientId = z.string().check(z.minLength(8), z.maxLength(64));
const seq = z.number().check(z.int(), z.nonnegative());
const isoTime = z.string().check(z.minLength(1), z.maxLength(40));
/** Limits of a device's logged-on users list (`agent.hello`, `agent.users`). */
export const MAX_USER_NAME_CHARS = 256;
export const MAX_LOGGED_ON_USERS = 256;
const userName = z.string().check(z.minLength(1), z.maxLength(MAX_USER_NAME_CHARS));

export const MessageText = z.string().check(
  z.maxLength(MAX_MESSAGE_CHARS),
  z.refine((s) => s.trim().length > 0, 'message text is empty'),
);

export const Role = z.enum(['operator', 'end_user']);
export type Role = z.infer<typeof Role>;

export const Person = z.object({ role: Role, name: z.string() });
export type Person = z.infer<typeof Person>;

/** How a person is logged on: at the computer itself, or from elsewhere (RDP, ssh, a remote X session…). */
export const SessionKind = z.enum(['console', 'remote']);
export type SessionKind = z.infer<typeof SessionKind>;

/**
 * A person logged on to a device. Only `name` is always there: the session facts are what the agent could tell (an
 * agent from before them, or an OS that does not say, leaves them out), so an operator choosing among several
 * people sees where and since when each sits.
 */
export const LoggedOnUser = z.object({
  name: userName,
  session: z.optional(SessionKind),
  /** When they logged on (ISO 8601, UTC). */
  since: z.optional(isoTime),
  /** The operating system's id of the session (a logind session, a Windows session ID). */
  sessionId: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
});
export type LoggedOnUser = z.infer<typeof LoggedOnUser>;

export const DeviceSummary = z.object({
  id,
  name: z.string(),
  os: z.string(),
  online: z.boolean(),
  loggedOnUsers: z.array(LoggedOnUser),
});
export type DeviceSummary = z.infer<typeof DeviceSummary>;

/** Events that share a chat's sequence with its messages. */
export const ChatEventName = z.enum([
  'chat_opened',
  'chat_closed',
  'end_user_connected',
  'end_user_disconnected',
  /** The operator signed out and has no session left; the chat stays open (P-34). */
  'operator_left',
  /** The agent could not show the end-user page (no browser, the opener failed): `detail` says why. */
  'page_failed',
  /** The operator lost the capability or the right to chat with this device (or was disabled): the chat ends. */
  'access_revoked',
  /** The device was removed from Parley: its chats end (P-29). */
  'device_removed',
  /** The device's credential was revoked: its agent is cut off and its chats end (P-29). */
  'credential_revoked',
]);
export type ChatEventName = z.infer<typeof ChatEventName>;

export const ChatEntry = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('message'),
    seq,
    at: isoTime,
    clientId,
    from: Person,
    text: z.string(),
  }),
  z.object({
    kind: z.literal('event'),
    seq,
    at: isoTime,
    event: ChatEventName,
    from: z.nullable(Person),
    /** What went wrong, for `page_failed`. */
    detail: z.optional(z.string().check(z.maxLength(1000))),
  }),
]);
export type ChatEntry = z.infer<typeof ChatEntry>;

export const ChatStatus = z.enum(['open', 'closed']);
export type ChatStatus = z.infer<typeof ChatStatus>;

/** How far one side has received (`deliveredSeq`) and looked at (`readSeq`) a chat's entries. */
export const Receipts = z.object({ deliveredSeq: seq, readSeq: seq });
export type Receipts = z.infer<typeof Receipts>;

/** Who the chat is between, as both ends show it. */
export const ChatInfo = z.object({
  chatId: id,
  /** The organisation whose help desk is talking, as the end user's page names it. */
  organization: z.string(),
  deviceId: id,
  deviceName: z.string(),
  operatorName: z.string(),
  endUserName: z.string(),
  status: ChatStatus,
  recorded: z.boolean(),
  /** P-32: what the end-user page says before the first message, when the chat is recorded and they are told. */
  recordingNotice: z.optional(z.string().check(z.maxLength(1000))),
  receipts: z.object({ operator: Receipts, end_user: Receipts }),
});
export type ChatInfo = z.infer<typeof ChatInfo>;

// ---------------------------------------------------------------------------------------------
// Chat frames: spoken by the console (operator side), and by the end-user page through the agent.

export const ChatSubscribe = z.object({ type: z.literal('chat.subscribe'), chatId: id, afterSeq: seq });
export const ChatSend = z.object({ type: z.literal('chat.send'), chatId: id, clientId, text: MessageText });
export const ChatTyping = z.object({ type: z.literal('chat.typing'), chatId: id, typing: z.boolean() });
export const ChatClose = z.object({ type: z.literal('chat.close'), chatId: id });
export const ReceiptState = z.enum(['delivered', 'read']);
export type ReceiptState = z.infer<typeof ReceiptState>;

/** The sender has received (`delivered`) or shown to its person (`read`) every entry up to `seq`. */
export const ChatReceipt = z.object({
  type: z.literal('chat.receipt'),
  chatId: id,
  seq,
  state: ReceiptState,
});

/** Frames a chat participant sends. */
const chatClientFrames = [ChatSubscribe, ChatSend, ChatTyping, ChatClose, ChatReceipt] as const;
export const ChatClientFrame = z.discriminatedUnion('type', [...chatClientFrames]);
export type ChatClientFrame = z.infer<typeof ChatClientFrame>;

export const ChatInfoFrame = z.object({ type: z.literal('chat.info'), chat: ChatInfo });
export const ChatEntriesFrame = z.object({
  type: z.literal('chat.entries'),
  chatId: id,
  entries: z.array(ChatEntry),
});
export const ChatAck = z.object({
  type: z.literal('chat.ack'),
  chatId: id,
  clientId,
  seq,
  at: isoTime,
});
/** A side's receipts moved forward. */
export const ChatReceiptsFrame = z.object({
  type: z.literal('chat.receipts'),
  chatId: id,
  role: Role,
  deliveredSeq: seq,
  readSeq: seq,
});
export const ChatTypingFrame = z.object({
  type: z.literal('chat.typing'),
  chatId: id,
  role: Role,
  typing: z.boolean(),
});

export const ErrorCode = z.enum([
  'bad_frame',
  'unknown_type',
  'too_big',
  'not_authenticated',
  'forbidden',
  'not_found',
  'chat_closed',
  'rate_limited',
  'version_mismatch',
  /** Instant messaging needs a valid Direct Access license (P-31). */
  'license_required',
  /** The node is too far behind to take a message now: nothing was stored; send it again after `retryAfterMs` (P-36). */
  'overloaded',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorFrame = z.object({
  type: z.literal('error'),
  code: ErrorCode,
  message: z.string(),
  /** The chatId or clientId of the frame this answers, when there is one. */
  ref: z.optional(z.string()),
  /** With `overloaded`: how long to wait before sending the same frame again (P-36). */
  retryAfterMs: z.optional(z.number().check(z.int(), z.minimum(0), z.maximum(60_000))),
});
export type ErrorFrame = z.infer<typeof ErrorFrame>;

/** Frames a chat participant receives. */
const chatServerFrames = [
  ChatInfoFrame,
  ChatEntriesFrame,
  ChatAck,
  ChatTypingFrame,
  ChatReceiptsFrame,
  ErrorFrame,
] as const;
export const ChatServerFrame = z.discriminatedUnion('type', [...chatServerFrames]);
export type ChatServerFrame = z.infer<typeof ChatServerFrame>;

// ---------------------------------------------------------------------------------------------
// /ws/console: the operator's browser. Authenticated by the session cookie at upgrade.

export const ConsoleHello = z.object({
  type: z.literal('hello'),
  protocolVersion: z.number().check(z.int()),
});

/** Most devices one console watches at once (P-37): more than a screen of rows. */
export const MAX_WATCHED_DEVICES = 500;

/**
 * The devices the console shows now (P-37), replacing the ones it said before: it gets their state at once
 * (`devices.watched`) and their changes from then on. `listChanges`: it shows a list, and wants `devices.changed`
 * when a device it does not watch changed.
 */
export const DevicesWatch = z.object({
  type: z.literal('devices.watch'),
  deviceIds: z.array(id).check(z.maxLength(MAX_WATCHED_DEVICES)),
  listChanges: z.boolean(),
});
export type DevicesWatch = z.infer<typeof DevicesWatch>;
/** The `ref` of an error about a `devices.watch` (P-37): ids not watched (`not_found`), or none read (`internal`). */
export const WATCH_REF = 'devices.watch';

export const ConsoleClientFrame = z.discriminatedUnion('type', [
  ConsoleHello,
  DevicesWatch,
  ...chatClientFrames,
]);
export type ConsoleClientFrame = z.infer<typeof ConsoleClientFrame>;

export const ConsoleWelcome = z.object({
  type: z.literal('welcome'),
  protocolVersion: z.number().check(z.int()),
  operator: z.object({ id, username: z.string(), displayName: z.string() }),
});
/**
 * One part of the answer to `devices.watch` (P-37): the state now of the devices asked for that the operator may read;
 * the answer is complete with the part whose `more` is false.
 */
export const DevicesWatched = z.object({
  type: z.literal('devices.watched'),
  devices: z.array(DeviceSummary),
  more: z.boolean(),
});
/** A device this console does not watch changed, or its operator's access did: the list shown may be stale (P-37). */
export const DevicesChanged = z.object({ type: z.literal('devices.changed') });
export const DeviceUpdated = z.object({ type: z.literal('device.updated'), device: DeviceSummary });
/** A chat open on a device, as its row shows it: whose it is, and whether it is this operator's. */
export const DeviceChat = z.object({ chatId: z.string(), operator: z.string(), mine: z.boolean() });
export type DeviceChat = z.infer<typeof DeviceChat>;
/** A chat opened or ended on a device this console was shown: the device's open chats now (P-35). */
export const DeviceChats = z.object({
  type: z.literal('device.chats'),
  deviceId: id,
  chats: z.array(DeviceChat),
});
/** A device this console was shown is gone for it: removed, or no longer readable by the operator (P-29). */
export const DeviceRemoved = z.object({ type: z.literal('device.removed'), deviceId: id });

export const ConsoleServerFrame = z.discriminatedUnion('type', [
  ConsoleWelcome,
  DevicesWatched,
  DevicesChanged,
  DeviceUpdated,
  DeviceRemoved,
  DeviceChats,
  ...chatServerFrames,
]);
export type ConsoleServerFrame = z.infer<typeof ConsoleServerFrame>;

// ---------------------------------------------------------------------------------------------
// /ws/agent: the device agent. Authenticated by its device credential in the first frame.

export const DeviceFacts = z.object({
  name: z.string().check(z.minLength(1), z.maxLength(256)),
  os: z.string().check(z.maxLength(128)),
  agentVersion: z.string().check(z.maxLength(64)),
});
export type DeviceFacts = z.infer<typeof DeviceFacts>;

export const AgentHello = z.object({
  type: z.literal('agent.hello'),
  protocolVersion: z.number().check(z.int()),
  deviceId: id,
  credential: z.string().check(z.minLength(16), z.maxLength(256)),
  device: DeviceFacts,
  loggedOnUsers: z.array(LoggedOnUser).check(z.maxLength(MAX_LOGGED_ON_USERS)),
});
export type AgentHello = z.infer<typeof AgentHello>;
export const AgentUsers = z.object({
  type: z.literal('agent.users'),
  loggedOnUsers: z.array(LoggedOnUser).check(z.maxLength(MAX_LOGGED_ON_USERS)),
});
/** The end-user page of a chat connected to (or dropped from) the agent. */
export const AgentEndUserPresence = z.object({
  type: z.literal('agent.end_user'),
  chatId: id,
  connected: z.boolean(),
});

/** The agent could not show a chat's page to its end user (5a): the operator is told, and may try again. */
export const AgentPageFailed = z.object({
  type: z.literal('agent.page_failed'),
  chatId: id,
  reason: z.string().check(z.maxLength(1000)),
});

export const AgentClientFrame = z.discriminatedUnion('type', [
  AgentHello,
  AgentUsers,
  AgentEndUserPresence,
  AgentPageFailed,
  ...chatClientFrames,
]);
export type AgentClientFrame = z.infer<typeof AgentClientFrame>;

/** Followed by the device's open chats in `agent.open_chats` parts (at least one). */
export const AgentWelcome = z.object({
  type: z.literal('agent.welcome'),
  protocolVersion: z.number().check(z.int()),
});
/**
 * One part of the chats open on this device, so a reconnecting agent can serve them again; the list is complete
 * with the part whose `more` is false.
 */
export const AgentOpenChats = z.object({
  type: z.literal('agent.open_chats'),
  chats: z.array(ChatInfo),
  more: z.boolean(),
});
/** The operator opened a chat: show the end-user page. */
export const AgentChatOpen = z.object({ type: z.literal('agent.chat_open'), chat: ChatInfo });
/** An operator asked for a new device credential: the agent rotates it (POST /api/agents/credential, P-30). */
export const AgentRotateCredential = z.object({ type: z.literal('agent.rotate_credential') });

export const AgentServerFrame = z.discriminatedUnion('type', [
  AgentWelcome,
  AgentOpenChats,
  AgentChatOpen,
  AgentRotateCredential,
  ...chatServerFrames,
]);
export type AgentServerFrame = z.infer<typeof AgentServerFrame>;

// ---------------------------------------------------------------------------------------------
// The end-user page's socket to its agent (127.0.0.1). Both ends prove they hold the chat's page key (P-13);
// the key itself never crosses the socket.

const proof = z.string().check(z.minLength(16), z.maxLength(128));
const nonce = z.string().check(z.minLength(16), z.maxLength(128));

/** The page's first frame: which chat, and a fresh nonce the agent must sign. */
export const PageHello = z.object({
  type: z.literal('page.hello'),
  protocolVersion: z.number().check(z.int()),
  chatId: id,
  nonce,
});
/** The agent proves it holds the chat's page key, and gives the page a nonce of its own to sign. */
export const PageChallenge = z.object({ type: z.literal('page.challenge'), nonce, proof });
/** The page proves it holds the key; from then on chat frames flow. */
export const PageAuth = z.object({ type: z.literal('page.auth'), proof });

export const PageClientFrame = z.discriminatedUnion('type', [PageHello, PageAuth, ...chatClientFrames]);
export type PageClientFrame = z.infer<typeof PageClientFrame>;

/** The agent's own link to the server went down or came back; sent on connect and on every change. */
export const PageLink = z.object({ type: z.literal('page.link'), up: z.boolean() });

export const PageServerFrame = z.discriminatedUnion('type', [PageChallenge, PageLink, ...chatServerFrames]);
export type PageServerFrame = z.infer<typeof PageServerFrame>;

/**
 * What each end of the page socket signs (HMAC-SHA-256 with the chat's page key, base64url): its role, the chat,
 * the other end's nonce, then its own. Different roles sign different texts, so a proof cannot be echoed back.
 */
export function pageProofText(
  signer: 'agent' | 'page',
  chatId: string,
  theirNonce: string,
  ownNonce: string,
): string {
  return `parley-page/${PROTOCOL_VERSION}|${signer}|${chatId}|${theirNonce}|${ownNonce}`;
}
