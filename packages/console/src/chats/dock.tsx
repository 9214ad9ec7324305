import { useQueryClient } from '@tanstack/react-query';
import {
  createContext,
  lazy,
  type ReactNode,
  Suspense,
  use,
  useCallback,
  useEffect,
  useMemo,
  useState,
} from 'react';
import { useConsoleSocket } from '../api/socketContext';
import { href } from '../app/routes';
import { setUnreadCount } from '../chat/tabBadge';
import type { InboxChat } from './ChatInbox';
import type { WindowStatus } from './ChatWindow';
import { chatsHeldElsewhere, focusChatTab, openClaimChannel } from './chatClaims';
import { openChatsQuery } from './chatQueries';
import {
  type DockedChat,
  dockLayout,
  dockOpen,
  dockRemove,
  dockRestore,
  dockRoom,
  dockShow,
  dockToggleMinimized,
  loadDock,
  MINIMIZED_WIDTH,
  type OpenChat,
  saveDock,
} from './dockState';

/**
 * The dock's windows and inbox load beside the first screen, not before it: the device list shows without them (the
 * console's first-load budget), and the state here keeps every chat meanwhile.
 */
const ChatDock = lazy(() => import('./ChatDock').then((m) => ({ default: m.ChatDock })));

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
  /** The operator's open chats as the server last listed them (names of the chats held by other tabs). */
  const [openList, setOpenList] = useState<readonly OpenChat[]>([]);
  /** Chats held by a tab of their own, with what is unread there. */
  const [tabs, setTabs] = useState<Readonly<Record<string, number>>>({});
  const [viewportWidth, setViewportWidth] = useState(() => window.innerWidth);
  useEffect(() => {
    const onResize = () => setViewportWidth(window.innerWidth);
    window.addEventListener('resize', onResize);
    return () => window.removeEventListener('resize', onResize);
  }, []);

  // The windows of the operator's open chats come back after a reload or in a new tab (GET /api/chats), except
  // the chats another tab holds ("Open in new tab"): no second live copy. A chat tab that closes gives its window back.
  useEffect(() => {
    if (!shown) return;
    let live = true;
    let resync: ReturnType<typeof setTimeout> | null = null;
    let known = new Set<string>();
    const startedWith = new Set(loadDock(sessionStore()).map((chat) => chat.chatId));
    const sync = async (first: boolean) => {
      const [elsewhere, open] = await Promise.all([
        chatsHeldElsewhere(),
        client.fetchQuery(openChatsQuery).catch(() => null),
      ]);
      if (!live || !open) return;
      known = new Set(open.map((chat) => chat.chatId));
      setOpenList(open);
      setTabs((current) => withoutClosed(current, open));
      setDock((current) => dockRestore(current, open, { elsewhere, dropClosed: first ? startedWith : null }));
      setRestored(true);
    };
    void sync(true);
    const channel = openClaimChannel((message) => {
      if (message.type === 'claim') {
        const { chatId, unread = 0 } = message;
        setDock((current) => dockRemove(current, chatId));
        setTabs((current) => (current[chatId] === unread ? current : { ...current, [chatId]: unread }));
        // A chat opened since the last list (its names are not known yet): list again.
        if (!known.has(chatId)) void sync(false);
      }
      if (message.type === 'release') {
        setTabs((current) => without(current, message.chatId));
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

  // The windows the dock has room for, newest first; the others collapse into the inbox.
  const shownWindows = dockLayout(
    dock,
    (chat) => statuses[chat.chatId]?.width ?? (chat.minimized ? MINIMIZED_WIDTH : 360),
    dockRoom(viewportWidth),
  );
  const inbox = inboxChats(dock, shownWindows, statuses, tabs, openList);

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
    setDock((current) => dockShow(current, chatId, !shownWindows.has(chatId)));
    focusChat(chatId);
  };

  const pickChat = (chatId: string) => {
    if (dock.some((chat) => chat.chatId === chatId)) showChat(chatId);
    else focusChatTab(chatId);
  };

  const removeChat = (chatId: string) => {
    setDock((current) => dockRemove(current, chatId));
    setStatuses((current) => without(current, chatId));
  };

  const statusChanged = useCallback((chatId: string, status: WindowStatus) => {
    setStatuses((current) => {
      const before = current[chatId];
      if (
        before &&
        before.unread === status.unread &&
        before.open === status.open &&
        before.deviceId === status.deviceId &&
        before.width === status.width &&
        before.endUserName === status.endUserName &&
        before.deviceName === status.deviceName
      )
        return current;
      return { ...current, [chatId]: status };
    });
  }, []);

  return (
    <DockContext value={api}>
      {children}
      {shown && (
        <Suspense fallback={null}>
          <ChatDock
            chats={dock}
            collapsed={(chatId) => !shownWindows.has(chatId)}
            inbox={inbox}
            onPick={pickChat}
            restored={restored}
            transportFor={(chatId) => socket.chatTransport(chatId)}
            focus={focus}
            operatorId={operatorId}
            onToggleMinimized={(chatId) => setDock((current) => dockToggleMinimized(current, chatId))}
            onShow={showChat}
            onRemove={removeChat}
            onPopOut={(chatId) => {
              window.open(href('chat', { chatId }), '_blank', 'noopener');
              setTabs((current) => ({ ...current, [chatId]: 0 }));
              removeChat(chatId);
            }}
            onStatus={statusChanged}
          />
        </Suspense>
      )}
    </DockContext>
  );
}

function without<T>(record: Readonly<Record<string, T>>, key: string): Readonly<Record<string, T>> {
  if (!(key in record)) return record;
  const { [key]: _gone, ...rest } = record;
  return rest;
}

/** Forgets the tabs of chats that are no longer open. */
function withoutClosed(
  tabs: Readonly<Record<string, number>>,
  open: readonly OpenChat[],
): Readonly<Record<string, number>> {
  const ids = new Set(open.map((chat) => chat.chatId));
  const kept = Object.entries(tabs).filter(([chatId]) => ids.has(chatId));
  return kept.length === Object.keys(tabs).length ? tabs : Object.fromEntries(kept);
}

/** Every open chat of the operator for the inbox: the dock's windows first (newest last), then those in tabs. */
function inboxChats(
  dock: readonly DockedChat[],
  shown: ReadonlySet<string>,
  statuses: Readonly<Record<string, WindowStatus>>,
  tabs: Readonly<Record<string, number>>,
  open: readonly OpenChat[],
): InboxChat[] {
  const docked = dock.map(
    (chat): InboxChat => ({
      chatId: chat.chatId,
      endUserName: statuses[chat.chatId]?.endUserName ?? chat.endUserName ?? 'the user',
      deviceName: statuses[chat.chatId]?.deviceName ?? chat.deviceName ?? 'the device',
      unread: statuses[chat.chatId]?.unread ?? 0,
      place:
        statuses[chat.chatId]?.open === false
          ? 'ended'
          : !shown.has(chat.chatId)
            ? 'collapsed'
            : chat.minimized
              ? 'minimized'
              : 'window',
    }),
  );
  const inDock = new Set(dock.map((chat) => chat.chatId));
  const names = new Map(open.map((chat) => [chat.chatId, chat]));
  const inTabs = Object.entries(tabs)
    .filter(([chatId]) => !inDock.has(chatId))
    .map(
      ([chatId, unread]): InboxChat => ({
        chatId,
        endUserName: names.get(chatId)?.endUserName ?? 'the user',
        deviceName: names.get(chatId)?.deviceName ?? 'the device',
        unread,
        place: 'tab',
      }),
    );
  return [...docked, ...inTabs];
}
