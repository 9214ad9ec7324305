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

/**
 * Adds a chat window, or shows the one already there, restored and moved to the end (the newest place, which the
 * dock always has room for: a window collapsed into the inbox comes back).
 */
export function dockOpen(chats: readonly DockedChat[], chat: Omit<DockedChat, 'minimized'>): DockedChat[] {
  const there = chats.find((c) => c.chatId === chat.chatId);
  if (there) return [...chats.filter((c) => c !== there), { ...there, minimized: false }];
  return [...chats, { ...chat, minimized: false }];
}

export function dockRemove(chats: readonly DockedChat[], chatId: string): DockedChat[] {
  return chats.filter((c) => c.chatId !== chatId);
}

/**
 * Shows a chat's window (not minimized). With `toFront` (it had collapsed into the inbox) it moves to the end, the
 * place of the newest window, which always fits.
 */
export function dockShow(chats: readonly DockedChat[], chatId: string, toFront = false): DockedChat[] {
  const chat = chats.find((c) => c.chatId === chatId);
  if (!chat) return chats as DockedChat[];
  if (toFront && chats.at(-1) !== chat) {
    return [...chats.filter((c) => c !== chat), { ...chat, minimized: false }];
  }
  return chat.minimized
    ? chats.map((c) => (c.chatId === chatId ? { ...c, minimized: false } : c))
    : (chats as DockedChat[]);
}

/** A minimized window's width (chats.css `.chat-window--minimized`) and the gap between windows (`.dock`). */
export const MINIMIZED_WIDTH = 300;
export const DOCK_GAP = 12;
/** The dock's margins (16 px each side, chats.css) and the inbox button beside the windows. */
export const DOCK_MARGIN = 32;
export const INBOX_WIDTH = 180;

/**
 * Which windows the dock shows side by side in `available` pixels: the newest first (the end of the list), then
 * older ones while they fit; the others collapse into the inbox. The newest window is always shown (the window
 * itself is never wider than the viewport).
 */
export function dockLayout(
  chats: readonly DockedChat[],
  widthOf: (chat: DockedChat) => number,
  available: number,
): Set<string> {
  const shown = new Set<string>();
  let used = 0;
  for (let i = chats.length - 1; i >= 0; i--) {
    const chat = chats[i];
    if (!chat) continue;
    const width = widthOf(chat) + (shown.size > 0 ? DOCK_GAP : 0);
    if (shown.size > 0 && used + width > available) break;
    shown.add(chat.chatId);
    used += width;
  }
  return shown;
}

/** The room the dock's windows have in a viewport `viewportWidth` wide (the inbox button takes its part). */
export function dockRoom(viewportWidth: number): number {
  return viewportWidth - DOCK_MARGIN - INBOX_WIDTH - DOCK_GAP;
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
