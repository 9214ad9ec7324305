/** A chat window in the console's dock. The names come from the device row until the chat's info arrives. */
export interface DockedChat {
  chatId: string;
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

export function dockToggleMinimized(chats: readonly DockedChat[], chatId: string): DockedChat[] {
  return chats.map((c) => (c.chatId === chatId ? { ...c, minimized: !c.minimized } : c));
}
