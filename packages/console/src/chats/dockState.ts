/** A chat window in the console's dock. The names come from the device row until the chat's info arrives. */
export interface DockedChat {
  chatId: string;
  /** The device the chat is on (missing in docks saved by older consoles). */
  deviceId?: string | null;
  deviceName: string | null;
  endUserName: string | null;
  minimized: boolean;
}

export const DOCK_KEY = 'parley.dock';

function isDockedChat(value: unknown): value is DockedChat {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const nameOrNull = (x: unknown) => x === null || typeof x === 'string';
  return (
    typeof v.chatId === 'string' &&
    v.chatId.length > 0 &&
    (v.deviceId === undefined || nameOrNull(v.deviceId)) &&
    nameOrNull(v.deviceName) &&
    nameOrNull(v.endUserName) &&
    typeof v.minimized === 'boolean'
  );
}

/** The chat windows open in this tab before a reload (sessionStorage: per tab). */
export function loadDock(storage: Pick<Storage, 'getItem'> | null): DockedChat[] {
  try {
    const raw = storage?.getItem(DOCK_KEY);
    if (!raw) return [];
    const value: unknown = JSON.parse(raw);
    if (!Array.isArray(value)) return [];
    const seen = new Set<string>();
    return value.filter((item): item is DockedChat => {
      if (!isDockedChat(item) || seen.has(item.chatId)) return false;
      seen.add(item.chatId);
      return true;
    });
  } catch {
    return [];
  }
}

export function saveDock(
  storage: Pick<Storage, 'setItem' | 'removeItem'> | null,
  chats: readonly DockedChat[],
): void {
  try {
    if (chats.length === 0) storage?.removeItem(DOCK_KEY);
    else storage?.setItem(DOCK_KEY, JSON.stringify(chats));
  } catch {
    // Not remembered; nothing else breaks.
  }
}

/** Adds a chat window (or shows the one already there, restored). */
export function dockOpen(chats: readonly DockedChat[], chat: Omit<DockedChat, 'minimized'>): DockedChat[] {
  if (chats.some((c) => c.chatId === chat.chatId)) {
    return chats.map((c) => (c.chatId === chat.chatId ? { ...c, minimized: false } : c));
  }
  return [...chats, { ...chat, minimized: false }];
}

export function dockRemove(chats: readonly DockedChat[], chatId: string): DockedChat[] {
  return chats.filter((c) => c.chatId !== chatId);
}

export function dockShow(chats: readonly DockedChat[], chatId: string): DockedChat[] {
  return chats.some((c) => c.chatId === chatId && c.minimized)
    ? chats.map((c) => (c.chatId === chatId ? { ...c, minimized: false } : c))
    : (chats as DockedChat[]);
}

export function dockToggleMinimized(chats: readonly DockedChat[], chatId: string): DockedChat[] {
  return chats.map((c) => (c.chatId === chatId ? { ...c, minimized: !c.minimized } : c));
}

/** An open chat as `GET /api/chats` lists it. */
export interface OpenChat {
  chatId: string;
  deviceId: string;
  deviceName: string;
  endUserName: string;
}

/**
 * Puts back the windows of the operator's open chats (after a reload, or in a new tab): windows this tab had keep
 * their place and state, the others come back minimized (their unread dot shows what is new). Windows of chats
 * that are no longer open are dropped when `dropClosed`; chats held by another tab (`elsewhere`) are left out.
 */
export function dockRestore(
  chats: readonly DockedChat[],
  open: readonly OpenChat[],
  {
    elsewhere = new Set<string>(),
    dropClosed = null,
  }: { elsewhere?: ReadonlySet<string>; dropClosed?: ReadonlySet<string> | null } = {},
): DockedChat[] {
  const openIds = new Set(open.map((chat) => chat.chatId));
  const kept = chats.filter(
    (chat) =>
      !elsewhere.has(chat.chatId) &&
      (dropClosed === null || !dropClosed.has(chat.chatId) || openIds.has(chat.chatId)),
  );
  const held = new Set(kept.map((chat) => chat.chatId));
  const byId = new Map(open.map((chat) => [chat.chatId, chat]));
  const updated = kept.map((chat) => {
    const info = byId.get(chat.chatId);
    return info && !chat.deviceId ? { ...chat, deviceId: info.deviceId } : chat;
  });
  const added = open
    .filter((chat) => !held.has(chat.chatId) && !elsewhere.has(chat.chatId))
    .map((chat) => ({
      chatId: chat.chatId,
      deviceId: chat.deviceId,
      deviceName: chat.deviceName,
      endUserName: chat.endUserName,
      minimized: true,
    }));
  const result = [...updated, ...added];
  const same = result.length === chats.length && result.every((chat, i) => chat === chats[i]);
  return same ? (chats as DockedChat[]) : result;
}
