import type { OperatorView } from '@parley/protocol';
import { useQueryClient } from '@tanstack/react-query';
import { LogOut, RefreshCw } from 'lucide-react';
import { lazy, Suspense, useEffect, useMemo, useRef } from 'react';
import { AlertMenu } from '../alerts/AlertMenu';
import { AlertsContext, useOperatorAlerts } from '../alerts/alertsContext';
import { ConsoleSocket } from '../api/consoleSocket';
import { ConsoleSocketContext, useConnectionStatus } from '../api/socketContext';
import { endSession, SESSION_ENDED, sessionStillValid, useSignOut } from '../auth/session';
import { Notice } from '../chat/Notice';
import { DockProvider, forgetDock } from '../chats/dock';
import { devicesSink } from '../devices/deviceList';
import { Button } from '../kit/Button';
import { Logo } from '../kit/Logo';
import { LicenseBanner } from '../license/LicenseBanner';
import { NotFoundPage } from './NotFoundPage';
import { Link } from './router';
import {
  ADMIN_SCREENS,
  adminScreensFor,
  HOME,
  href,
  mayBrowseRecordings,
  missingCapability,
  type RouteMatch,
  type RouteName,
  renderRoute,
  routes,
} from './routes';

// Shown only to an operator who opens a screen they lack the capability for: loaded then.
const MissingCapabilityPage = lazy(() =>
  import('../admin/screens').then((m) => ({ default: m.MissingCapabilityPage })),
);

const ADMIN_AREA: readonly RouteName[] = [...ADMIN_SCREENS, 'operator'];

/** The top bar's links: the device list, the administration screens (if the operator may use any), the account. */
function TopNav({ operator, shown }: { operator: OperatorView; shown: Shown }) {
  const admin = adminScreensFor(operator.capabilities)[0];
  const current = (names: readonly string[]) => (names.includes(shown.name) ? 'page' : undefined);
  return (
    <nav className="topbar__nav" aria-label="Console">
      <Link to={href('devices')} aria-current={current(['devices'])}>
        Devices
      </Link>
      {admin && (
        <Link to={href(admin)} aria-current={current(ADMIN_AREA)}>
          Administration
        </Link>
      )}
      {mayBrowseRecordings(operator.capabilities) && (
        <Link to={href('recordings')} aria-current={current(['recordings', 'recording'])}>
          Past conversations
        </Link>
      )}
      <Link to={href('license')} aria-current={current(['license'])}>
        License
      </Link>
      <Link to={href('account')} aria-current={current(['account'])}>
        Account
      </Link>
    </nav>
  );
}

export type Shown = RouteMatch | { name: 'notFound' };

/**
 * The operator console: signed in, one socket, the top bar, the current screen and the chat dock. Its own chunk,
 * loaded by the gate (Gate.tsx) once an operator is signed in, so the sign-in page does not load it.
 */
export function Console({
  operator,
  shown,
  pathname,
}: {
  operator: OperatorView;
  shown: Shown;
  pathname: string;
}) {
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
  const missing = shown.name === 'notFound' ? null : missingCapability(shown.name, operator.capabilities);
  useEffect(() => {
    if (status === 'signedOut') endSession(client, SESSION_ENDED);
  }, [status, client]);
  const [alerts, changeAlerts] = useOperatorAlerts(operator.id);
  const signOut = useSignOut(() => {
    socket.stop();
    forgetDock();
  });

  // After going to another screen in the page, the focus is not left on nothing: it goes to the main area.
  const mainRef = useRef<HTMLElement>(null);
  const shownPath = useRef(pathname);
  useEffect(() => {
    if (shownPath.current === pathname) return;
    shownPath.current = pathname;
    const active = document.activeElement;
    if (!active || active === document.body) mainRef.current?.focus();
  }, [pathname]);

  return (
    <ConsoleSocketContext value={socket}>
      <AlertsContext value={alerts}>
        <div className="app">
          <DockProvider shown={shown.name === 'notFound' || routes[shown.name].dock} operatorId={operator.id}>
            <a className="skip-link" href="#main">
              Skip to content
            </a>
            <header className="topbar">
              <Link className="topbar__brand" to={href(HOME)}>
                <Logo size={26} />
                <span>Parley</span>
              </Link>
              <TopNav operator={operator} shown={shown} />
              <div className="topbar__right">
                <AlertMenu settings={alerts} onChange={changeAlerts} />
                <span className="topbar__user" title={operator.username}>
                  {operator.displayName || operator.username}
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
            {operator.capabilities.includes('settings.manage') && <LicenseBanner />}
            <main id="main" className="main" tabIndex={-1} ref={mainRef}>
              <Suspense key={pathname} fallback={null}>
                {shown.name === 'notFound' ? (
                  <NotFoundPage />
                ) : missing ? (
                  <MissingCapabilityPage capability={missing} />
                ) : (
                  renderRoute(shown)
                )}
              </Suspense>
            </main>
          </DockProvider>
        </div>
      </AlertsContext>
    </ConsoleSocketContext>
  );
}
