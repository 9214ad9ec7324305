import type { OperatorView } from '@parley/protocol';
import { LogOut, RefreshCw } from 'lucide-react';
import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { Notice } from '../chat/Notice';
import { api } from './api';
import { ChatDock } from './ChatDock';
import { ChatPage } from './ChatPage';
import { ConsoleSocket } from './consoleSocket';
import { type ChatOpened, DevicesPage } from './DevicesPage';
import { type DockedChat, dockOpen, dockRemove, dockToggleMinimized, loadDock, saveDock } from './dockState';
import { Logo } from './Logo';
import { chatPath, parseRoute } from './route';
import { SignInPage } from './SignInPage';

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
  const [focusChatId, setFocusChatId] = useState<string | null>(null);
  useEffect(() => saveDock(sessionStore(), dock), [dock]);

  const sessionEnded = useCallback(() => onSignedOut(SESSION_ENDED), [onSignedOut]);
  useEffect(() => {
    if (snapshot.status === 'signedOut') sessionEnded();
  }, [snapshot.status, sessionEnded]);

  const signOut = async () => {
    await api.logout();
    socket.stop();
    saveDock(sessionStore(), []);
    onSignedOut(null);
  };

  const chatOpened = (chat: ChatOpened) => {
    setDock((current) => dockOpen(current, chat));
    setFocusChatId(chat.chatId);
  };

  const popOut = (chatId: string) => {
    window.open(chatPath(chatId), '_blank');
    setDock((current) => dockRemove(current, chatId));
  };

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
          <span className="topbar__user" title={operator.username}>
            {operator.displayName}
          </span>
          <button type="button" className="button button--ghost button--small" onClick={() => void signOut()}>
            <LogOut size={16} aria-hidden="true" />
            <span>Sign out</span>
          </button>
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
            <button type="button" className="link-button" onClick={() => window.location.reload()}>
              <RefreshCw size={12} aria-hidden="true" />
              Reload
            </button>
          </Notice>
        </div>
      )}
      <main id="main" className="main">
        {route.page === 'devices' && (
          <DevicesPage devices={snapshot.devices} onChatOpened={chatOpened} onSignedOut={sessionEnded} />
        )}
        {route.page === 'chat' && (
          <ChatPage chatId={route.chatId} transport={socket.chatTransport(route.chatId)} />
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
      {route.page !== 'chat' && (
        <ChatDock
          chats={dock}
          transportFor={(chatId) => socket.chatTransport(chatId)}
          focusChatId={focusChatId}
          onToggleMinimized={(chatId) => setDock((current) => dockToggleMinimized(current, chatId))}
          onRemove={(chatId) => setDock((current) => dockRemove(current, chatId))}
          onPopOut={popOut}
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
