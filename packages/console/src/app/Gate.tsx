import { lazy, Suspense } from 'react';
import { useSession } from '../auth/session';
import { Logo } from '../kit/Logo';
import { normalizePath } from './paths';
import { Redirect, useLocation } from './router';
import { afterSignIn, parsePath, renderRoute, routes, signInHref } from './routes';

const loadConsole = () => import('./App');
// The signed-in console (its socket, top bar, alerts and chat dock) is a chunk of its own: the sign-in page is
// all a signed-out visitor loads.
const Console = lazy(() => loadConsole().then((m) => ({ default: m.Console })));

/** Starts loading the signed-in console with the page, unless the page is one anyone may see (sign-in). */
export function preloadConsole(pathname: string): void {
  const parsed = parsePath(pathname);
  const screen = parsed.name === 'alias' ? parsePath(parsed.to) : parsed;
  if (screen.name === 'notFound' || screen.name === 'alias' || routes[screen.name].access !== 'public') {
    void loadConsole();
  }
}

function Boot() {
  return (
    <main className="boot" aria-busy="true">
      <Logo size={32} />
      <span className="visually-hidden">Loading…</span>
    </main>
  );
}

/**
 * The router's gate: an old address is replaced; signed out, every operator page goes to sign-in (and comes back
 * after it); signed in, the sign-in page goes to where the operator was going.
 */
export function Gate() {
  const session = useSession();
  const { pathname, search } = useLocation();
  const parsed = parsePath(pathname);
  if (parsed.name === 'alias') return <Redirect to={parsed.to} />;
  if (session.isPending) return <Boot />;
  const operator = session.data?.operator ?? null;
  const publicPage = parsed.name !== 'notFound' && routes[parsed.name].access === 'public';
  if (!operator) {
    if (parsed.name === 'notFound' || !publicPage)
      return <Redirect to={signInHref(session.data?.signedOut ? null : pathname)} />;
    return <Suspense fallback={<Boot />}>{renderRoute(parsed)}</Suspense>;
  }
  if (publicPage) return <Redirect to={afterSignIn(search)} />;
  return (
    <Suspense fallback={<Boot />}>
      <Console operator={operator} shown={parsed} pathname={normalizePath(pathname)} />
    </Suspense>
  );
}
