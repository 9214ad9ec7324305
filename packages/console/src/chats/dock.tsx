import { useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, use, useCallback, useEffect, useMemo, useState } from 'react';
import { useConsoleSocket } from '../api/socketContext';
import { href } from '../app/routes';
import { setUnreadCount } from '../chat/tabBadge';
import { ChatDock } from './ChatDock';
import type { WindowStatus } from './ChatWindow';
import { chatsHeldElsewhere, openClaimChannel } from './chatClaims';
import { openChatsQuery } from './chatQueries';
import {
  type DockedChat,
  dockOpen,
  dockRemove,
  dockRestore,
  dockShow,
  dockToggleMinimized,
  loadDock,
  saveDock,
} from './dockState';

/** A chat to show in the dock: a new one, or the one already open with this device's user. */
export type ChatOpened = Omit<DockedChat, 'minimized'>;

interface Dock {
  /** Shows the chat's window (opened, or back from minimized) with the focus in its message box. */
  open(chat: ChatOpened): void;
}

const DockContext = createContext<Dock | null>(null);

export function useDock(): Dock {
  const dock = use(DockContext);
  if (!dock) throw new Error('useDock outside the DockProvider');
  return dock;
}

function sessionStore(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

/** Forgets this tab's chat windows (on sign out: the next operator starts with none of them). */
export function forgetDock(): void {
  saveDock(sessionStore(), []);
}

/** How long after a chat tab closed the dock looks for chats that need their window back. */
const RESYNC_AFTER_RELEASE_MS = 1500;

/**
 * The chat dock and its windows' state. `shown`: the current screen has the dock (a full-page chat has not); the
 * windows are put back and counted in the tab's title only then.
 */
export function DockProvider({
  shown,
  operatorId,
  children,
}: {
  shown: boolean;
  operatorId: string;
  children: ReactNode;
}) {
  const socket = useConsoleSocket();
  const client = useQueryClient();
  const [dock, setDock] = useState<DockedChat[]>(() => loadDock(sessionStore()));
  const [focus, setFocus] = useState<{ chatId: string; n: number } | null>(null);
  const [statuses, setStatuses] = useState<Readonly<Record<string, WindowStatus>>>({});
  /** The windows of open chats have been put back (tests and tools wait for it; see `data-restored`). */
  const [restored, setRestored] = useState(false);
  useEffect(() => saveDock(sessionStore(), dock), [dock]);

  // The windows of the operator's open chats come back after a reload or in a new tab (GET /api/chats), except
  // the chats another tab holds ("Open in new tab"): no second live copy. A chat tab that closes gives its window back.
  useEffect(() => {
    if (!shown) return;
    let live = true;
    let resync: ReturnType<typeof setTimeout> | null = null;
    const startedWith = new Set(loadDock(sessionStore()).map((chat) => chat.chatId));
    const sync = async (first: boolean) => {
      const [elsewhere, open] = await Promise.all([
        chatsHeldElsewhere(),
        client.fetchQuery(openChatsQuery).catch(() => null),
      ]);
      if (!live || !open) return;
      setDock((current) => dockRestore(current, open, { elsewhere, dropClosed: first ? startedWith : null }));
      setRestored(true);
    };
    void sync(true);
    const channel = openClaimChannel((message) => {
      if (message.type === 'claim') setDock((current) => dockRemove(current, message.chatId));
      if (message.type === 'release') {
        if (resync) clearTimeout(resync);
        resync = setTimeout(() => void sync(false), RESYNC_AFTER_RELEASE_MS);
      }
    });
    return () => {
      live = false;
      if (resync) clearTimeout(resync);
      channel?.close();
    };
  }, [shown, client]);

  // The tab's title and icon count what is unread in the docked windows (a chat page counts its own).
  const totalUnread = dock.reduce((sum, chat) => sum + (statuses[chat.chatId]?.unread ?? 0), 0);
  useEffect(() => {
    if (shown) setUnreadCount(totalUnread);
  }, [shown, totalUnread]);
  useEffect(() => () => setUnreadCount(0), []);

  const focusChat = useCallback(
    (chatId: string) => setFocus((current) => ({ chatId, n: (current?.n ?? 0) + 1 })),
    [],
  );
  const api = useMemo<Dock>(
    () => ({
      open(chat) {
        setDock((current) => dockOpen(current, chat));
        focusChat(chat.chatId);
      },
    }),
    [focusChat],
  );

  const showChat = (chatId: string) => {
    setDock((current) => dockShow(current, chatId));
    focusChat(chatId);
  };

  const removeChat = (chatId: string) => {
    setDock((current) => dockRemove(current, chatId));
    setStatuses((current) => {
      if (!(chatId in current)) return current;
      const { [chatId]: _gone, ...rest } = current;
      return rest;
    });
  };

  const statusChanged = useCallback((chatId: string, status: WindowStatus) => {
    setStatuses((current) => {
      const before = current[chatId];
      if (
        before &&
        before.unread === status.unread &&
        before.open === status.open &&
        before.deviceId === status.deviceId
      )
        return current;
      return { ...current, [chatId]: status };
    });
  }, []);

  return (
    <DockContext value={api}>
      {children}
      {shown && (
        <ChatDock
          chats={dock}
          restored={restored}
          transportFor={(chatId) => socket.chatTransport(chatId)}
          focus={focus}
          operatorId={operatorId}
          onToggleMinimized={(chatId) => setDock((current) => dockToggleMinimized(current, chatId))}
          onShow={showChat}
          onRemove={removeChat}
          onPopOut={(chatId) => {
            window.open(href('chat', { chatId }), '_blank', 'noopener');
            removeChat(chatId);
          }}
          onStatus={statusChanged}
        />
      )}
    </DockContext>
  );
}
