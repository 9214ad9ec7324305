import type { OperatorView } from '@parley/protocol';
import { LogOut, RefreshCw } from 'lucide-react';
import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { AlertMenu } from '../alerts/AlertMenu';
import { type AlertSettings, loadAlertSettings, saveAlertSettings } from '../alerts/alertSettings';
import { primeSound } from '../alerts/alerts';
import { ConsoleSocket } from '../api/consoleSocket';
import { api } from '../api/http';
import { SignInPage } from '../auth/SignInPage';
import { Notice } from '../chat/Notice';
import { setUnreadCount } from '../chat/tabBadge';
import { ChatDock } from '../chats/ChatDock';
import { ChatPage } from '../chats/ChatPage';
import type { WindowStatus } from '../chats/ChatWindow';
import { chatsHeldElsewhere, openClaimChannel } from '../chats/chatClaims';
import {
  type DockedChat,
  dockOpen,
  dockRemove,
  dockRestore,
  dockShow,
  dockToggleMinimized,
  loadDock,
  saveDock,
} from '../chats/dockState';
import { type ChatOpened, DevicesPage } from '../devices/DevicesPage';
import { Button } from '../kit/Button';
import { Logo } from '../kit/Logo';
import { chatPath, parseRoute } from './route';

type Session =
  | { kind: 'loading' }
  | { kind: 'signedOut'; notice: string | null }
  | { kind: 'signedIn'; operator: OperatorView };

function sessionStore(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

const SESSION_ENDED = 'Your session has ended. Sign in again.';

function localStore(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/** How long after a chat tab closed the dock looks for chats that need their window back. */
const RESYNC_AFTER_RELEASE_MS = 1500;

/** The operator console: signed in, one socket, the current page and the chat dock. */
function Console({
  operator,
  onSignedOut,
}: {
  operator: OperatorView;
  onSignedOut(notice: string | null): void;
}) {
  const route = useMemo(() => parseRoute(window.location.pathname), []);
  const socket = useMemo(
    () => new ConsoleSocket({ checkSession: async () => (await api.me()).status !== 401 }),
    [],
  );
  useEffect(() => {
    socket.start();
    return () => socket.stop();
  }, [socket]);
  const snapshot = useSyncExternalStore(socket.subscribe, socket.getSnapshot);

  const [dock, setDock] = useState<DockedChat[]>(() => loadDock(sessionStore()));
  const [focus, setFocus] = useState<{ chatId: string; n: number } | null>(null);
  const [statuses, setStatuses] = useState<Readonly<Record<string, WindowStatus>>>({});
  /** The windows of open chats have been put back (tests and tools wait for it; see `data-restored`). */
  const [restored, setRestored] = useState(false);
  useEffect(() => saveDock(sessionStore(), dock), [dock]);

  const [alerts, setAlerts] = useState<AlertSettings>(() => loadAlertSettings(localStore(), operator.id));
  const changeAlerts = (next: AlertSettings) => {
    setAlerts(next);
    saveAlertSettings(localStore(), operator.id, next);
  };
  // Browsers let a page make sound only after a click or key press in it: get the chime ready at the first one.
  useEffect(() => {
    if (!alerts.sound) return;
    const prime = () => primeSound();
    window.addEventListener('pointerdown', prime, { once: true });
    window.addEventListener('keydown', prime, { once: true });
    return () => {
      window.removeEventListener('pointerdown', prime);
      window.removeEventListener('keydown', prime);
    };
  }, [alerts.sound]);

  const sessionEnded = useCallback(() => onSignedOut(SESSION_ENDED), [onSignedOut]);
  useEffect(() => {
    if (snapshot.status === 'signedOut') sessionEnded();
  }, [snapshot.status, sessionEnded]);

  // The windows of the operator's open chats come back after a reload or in a new tab (GET /api/chats), except
  // the chats another tab holds ("Open in new tab"): no second live copy. A chat tab that closes gives its window back.
  const dockPage = route.page !== 'chat';
  useEffect(() => {
    if (!dockPage) return;
    let live = true;
    let resync: ReturnType<typeof setTimeout> | null = null;
    const startedWith = new Set(loadDock(sessionStore()).map((chat) => chat.chatId));
    const sync = async (first: boolean) => {
      const [elsewhere, open] = await Promise.all([chatsHeldElsewhere(), api.openChats()]);
      if (!live || !open.ok) return;
      setDock((current) =>
        dockRestore(current, open.data, { elsewhere, dropClosed: first ? startedWith : null }),
      );
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
  }, [dockPage]);

  // The tab's title and icon count what is unread in the docked windows (a chat page counts its own).
  const totalUnread = dock.reduce((sum, chat) => sum + (statuses[chat.chatId]?.unread ?? 0), 0);
  useEffect(() => {
    if (dockPage) setUnreadCount(totalUnread);
  }, [dockPage, totalUnread]);
  useEffect(() => () => setUnreadCount(0), []);

  const signOut = async () => {
    await api.logout();
    socket.stop();
    saveDock(sessionStore(), []);
    onSignedOut(null);
  };

  const focusChat = (chatId: string) => setFocus((current) => ({ chatId, n: (current?.n ?? 0) + 1 }));

  const chatOpened = (chat: ChatOpened) => {
    setDock((current) => dockOpen(current, chat));
    focusChat(chat.chatId);
  };

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

  const popOut = (chatId: string) => {
    window.open(chatPath(chatId), '_blank', 'noopener');
    removeChat(chatId);
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
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <a className="topbar__brand" href="/">
          <Logo size={26} />
          <span>Parley</span>
        </a>
        <div className="topbar__right">
          <AlertMenu settings={alerts} onChange={changeAlerts} />
          <span className="topbar__user" title={operator.username}>
            {operator.displayName}
          </span>
          <Button small icon={LogOut} onClick={() => void signOut()}>
            Sign out
          </Button>
        </div>
      </header>
      {snapshot.status === 'reconnecting' && (
        <div className="banner">
          <Notice icon="offline" tone="warning" role="status">
            Connection to the server lost. Reconnecting…
          </Notice>
        </div>
      )}
      {snapshot.status === 'reloadNeeded' && (
        <div className="banner">
          <Notice icon="alert" tone="danger" role="alert">
            Parley was updated on the server. Reload this page to go on.{' '}
            <Button variant="link" icon={RefreshCw} onClick={() => window.location.reload()}>
              Reload
            </Button>
          </Notice>
        </div>
      )}
      <main id="main" className="main">
        {route.page === 'devices' && (
          <DevicesPage devices={snapshot.devices} onChatOpened={chatOpened} onSignedOut={sessionEnded} />
        )}
        {route.page === 'chat' && (
          <ChatPage chatId={route.chatId} transport={socket.chatTransport(route.chatId)} alerts={alerts} />
        )}
        {route.page === 'notFound' && (
          <div className="page">
            <h1 className="page__title">Page not found</h1>
            <p>
              <a href="/">Go to the device list</a>
            </p>
          </div>
        )}
      </main>
      {dockPage && (
        <ChatDock
          chats={dock}
          restored={restored}
          transportFor={(chatId) => socket.chatTransport(chatId)}
          focus={focus}
          operatorId={operator.id}
          alerts={alerts}
          onToggleMinimized={(chatId) => setDock((current) => dockToggleMinimized(current, chatId))}
          onShow={showChat}
          onRemove={removeChat}
          onPopOut={popOut}
          onStatus={statusChanged}
        />
      )}
    </div>
  );
}

export function App() {
  const [session, setSession] = useState<Session>({ kind: 'loading' });

  useEffect(() => {
    let live = true;
    void api.me().then((result) => {
      if (!live) return;
      if (result.ok) setSession({ kind: 'signedIn', operator: result.data });
      else setSession({ kind: 'signedOut', notice: result.status === 401 ? null : result.message });
    });
    return () => {
      live = false;
    };
  }, []);

  const signedOut = useCallback((notice: string | null) => setSession({ kind: 'signedOut', notice }), []);

  if (session.kind === 'loading') {
    return (
      <main className="boot" aria-busy="true">
        <Logo size={32} />
        <span className="visually-hidden">Loading…</span>
      </main>
    );
  }
  if (session.kind === 'signedOut') {
    return (
      <SignInPage
        notice={session.notice}
        onSignedIn={(operator) => {
          if (parseRoute(window.location.pathname).page === 'notFound')
            window.history.replaceState(null, '', '/');
          setSession({ kind: 'signedIn', operator });
        }}
      />
    );
  }
  return <Console operator={session.operator} onSignedOut={signedOut} />;
}
