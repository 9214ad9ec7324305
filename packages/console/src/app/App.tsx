import type { OperatorView } from '@parley/protocol';
import { useQueryClient } from '@tanstack/react-query';
import { LogOut, RefreshCw } from 'lucide-react';
import { useEffect, useMemo } from 'react';
import { AlertMenu } from '../alerts/AlertMenu';
import { AlertsContext, useOperatorAlerts } from '../alerts/alertsContext';
import { ConsoleSocket } from '../api/consoleSocket';
import { ConsoleSocketContext, useConnectionStatus } from '../api/socketContext';
import { SignInPage } from '../auth/SignInPage';
import { endSession, SESSION_ENDED, sessionStillValid, useSession, useSignOut } from '../auth/session';
import { Notice } from '../chat/Notice';
import { ChatPage } from '../chats/ChatPage';
import { DockProvider, forgetDock } from '../chats/dock';
import { DevicesPage } from '../devices/DevicesPage';
import { devicesSink } from '../devices/deviceList';
import { Button } from '../kit/Button';
import { Logo } from '../kit/Logo';
import { parseRoute } from './route';

/** The operator console: signed in, one socket, the current page and the chat dock. */
function Console({ operator }: { operator: OperatorView }) {
  const route = useMemo(() => parseRoute(window.location.pathname), []);
  const client = useQueryClient();
  const socket = useMemo(
    () => new ConsoleSocket({ checkSession: sessionStillValid, onDevices: devicesSink(client) }),
    [client],
  );
  useEffect(() => {
    socket.start();
    return () => socket.stop();
  }, [socket]);
  const status = useConnectionStatus(socket);
  useEffect(() => {
    if (status === 'signedOut') endSession(client, SESSION_ENDED);
  }, [status, client]);
  const [alerts, changeAlerts] = useOperatorAlerts(operator.id);
  const signOut = useSignOut(() => {
    socket.stop();
    forgetDock();
  });

  return (
    <ConsoleSocketContext value={socket}>
      <AlertsContext value={alerts}>
        <div className="app">
          <DockProvider shown={route.page !== 'chat'} operatorId={operator.id}>
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
                <Button small icon={LogOut} onClick={() => signOut.mutate()}>
                  Sign out
                </Button>
              </div>
            </header>
            {status === 'reconnecting' && (
              <div className="banner">
                <Notice icon="offline" tone="warning" role="status">
                  Connection to the server lost. Reconnecting…
                </Notice>
              </div>
            )}
            {status === 'reloadNeeded' && (
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
              {route.page === 'devices' && <DevicesPage />}
              {route.page === 'chat' && <ChatPage chatId={route.chatId} />}
              {route.page === 'notFound' && (
                <div className="page">
                  <h1 className="page__title">Page not found</h1>
                  <p>
                    <a href="/">Go to the device list</a>
                  </p>
                </div>
              )}
            </main>
          </DockProvider>
        </div>
      </AlertsContext>
    </ConsoleSocketContext>
  );
}

export function App() {
  const session = useSession();
  const operator = session.data?.operator ?? null;

  if (session.isPending) {
    return (
      <main className="boot" aria-busy="true">
        <Logo size={32} />
        <span className="visually-hidden">Loading…</span>
      </main>
    );
  }
  if (!operator) {
    return (
      <SignInPage
        notice={session.data?.notice ?? session.error?.message ?? null}
        onSignedIn={() => {
          // Signed in on an address that is no page: the device list.
          if (parseRoute(window.location.pathname).page === 'notFound')
            window.history.replaceState(null, '', '/');
        }}
      />
    );
  }
  return <Console operator={operator} />;
}
