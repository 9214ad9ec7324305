import { type ComponentProps, type MouseEvent, useLayoutEffect, useSyncExternalStore } from 'react';
import type { Href } from './routes';

/**
 * The console's router: the History API, nothing else. `navigate` pushes (or replaces) an address, Back and Forward
 * come in as `popstate`; `useLocation` is the address as React state. Which screen an address shows is `routes.ts`.
 */

export interface Place {
  pathname: string;
  search: string;
}

let place: Place | null = null;
const listeners = new Set<() => void>();

function current(): Place {
  const { pathname, search } = window.location;
  // The same object while the address is the same (a `#main` skip link changes only the fragment).
  if (!place || place.pathname !== pathname || place.search !== search) place = { pathname, search };
  return place;
}

function changed(): void {
  current();
  for (const listener of [...listeners]) listener();
}

function subscribe(listener: () => void): () => void {
  if (listeners.size === 0) window.addEventListener('popstate', changed);
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) window.removeEventListener('popstate', changed);
  };
}

export function useLocation(): Place {
  return useSyncExternalStore(subscribe, current);
}

/** Goes to `to` (a new history entry, or in place of this one with `replace`), at the top of the page. */
export function navigate(to: Href, { replace = false }: { replace?: boolean } = {}): void {
  if (replace) window.history.replaceState(null, '', to);
  else {
    window.history.pushState(null, '', to);
    window.scrollTo(0, 0);
  }
  changed();
}

/** Replaces the address with `to` as soon as it renders (an old address, or a page this operator may not see). */
export function Redirect({ to }: { to: Href }) {
  useLayoutEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

function plainClick(event: MouseEvent<HTMLAnchorElement>): boolean {
  return (
    !event.defaultPrevented &&
    event.button === 0 &&
    !event.metaKey &&
    !event.ctrlKey &&
    !event.shiftKey &&
    !event.altKey &&
    !event.currentTarget.target
  );
}

/** A link to a screen: a real `<a href>` (new tab, copy address), followed in the page on a plain click. */
export function Link({ to, onClick, ...rest }: Omit<ComponentProps<'a'>, 'href'> & { to: Href }) {
  return (
    <a
      href={to}
      onClick={(event) => {
        onClick?.(event);
        if (!plainClick(event)) return;
        event.preventDefault();
        navigate(to);
      }}
      {...rest}
    />
  );
}
