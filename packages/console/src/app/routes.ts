import type { Capability } from '@parley/protocol';
import { type ComponentType, createElement, lazy, type ReactElement } from 'react';
import { buildPath, matchPath, normalizePath, type Params } from './paths';

/**
 * The console's screens, one entry each: its address, who may see it, whether the chat dock shows on it, and its
 * component, loaded the first time it is shown (every screen is a chunk of its own, so the first page loads only
 * what it shows). A new screen is one entry here and one folder beside `devices/`.
 */

/** What a screen component gets: the params of its path. */
export interface ScreenProps<Path extends string> {
  params: Params<Path>;
}

export interface Route<Path extends string> {
  path: Path;
  /** operator: signed in only (otherwise sign in first, then back here); public: signed out only. */
  access: 'operator' | 'public';
  /** The chat dock shows on this screen (a full-page chat has its own). */
  dock: boolean;
  /** The capability an operator needs to use this screen; without it the screen says so instead. */
  capability?: Capability;
  /** Starts loading the screen's code (before it is needed). */
  preload(): void;
  render(params: Params<Path>): ReactElement;
}

function route<Path extends string>(
  path: Path,
  options: Pick<Route<Path>, 'access' | 'dock' | 'capability'>,
  load: () => Promise<ComponentType<ScreenProps<Path>>>,
): Route<Path> {
  const Screen = lazy(async () => ({ default: await load() }));
  return {
    path,
    ...options,
    preload: () => void load(),
    render: (params) => createElement(Screen, { params }),
  };
}

const table = {
  devices: route('/devices', { access: 'operator', dock: true }, () =>
    import('../devices/DevicesPage').then((m) => m.DevicesPage),
  ),
  device: route('/devices/:deviceId', { access: 'operator', dock: true }, () =>
    import('../devices/DevicePage').then((m) => m.DevicePage),
  ),
  chat: route('/chats/:chatId', { access: 'operator', dock: false }, () =>
    import('../chats/ChatPage').then((m) => m.ChatPage),
  ),
  signIn: route('/sign-in', { access: 'public', dock: false }, () =>
    import('../auth/SignInPage').then((m) => m.SignInPage),
  ),
  account: route('/account', { access: 'operator', dock: true }, () =>
    import('../account/AccountPage').then((m) => m.AccountPage),
  ),
  // Every operator may see the license (why Direct Access is dimmed); importing one needs settings.manage.
  license: route('/license', { access: 'operator', dock: true }, () =>
    import('../license/LicensePage').then((m) => m.LicensePage),
  ),
  // Operators with instant-messaging see their own, recordings.view everyone's: the server decides which.
  recordings: route('/recordings', { access: 'operator', dock: true }, () =>
    import('../recordings/RecordingsPage').then((m) => m.RecordingsPage),
  ),
  recording: route('/recordings/:chatId', { access: 'operator', dock: true }, () =>
    import('../recordings/RecordingPage').then((m) => m.RecordingPage),
  ),
  operators: route(
    '/admin/operators',
    { access: 'operator', dock: true, capability: 'operators.manage' },
    () => import('../admin/screens').then((m) => m.OperatorsPage),
  ),
  operator: route(
    '/admin/operators/:operatorId',
    { access: 'operator', dock: true, capability: 'operators.manage' },
    () => import('../admin/screens').then((m) => m.OperatorPage),
  ),
  operatorGroups: route(
    '/admin/operator-groups',
    { access: 'operator', dock: true, capability: 'operators.manage' },
    () => import('../admin/screens').then((m) => m.OperatorGroupsPage),
  ),
  deviceGroups: route(
    '/admin/device-groups',
    { access: 'operator', dock: true, capability: 'devices.manage' },
    () => import('../admin/screens').then((m) => m.DeviceGroupsPage),
  ),
  rights: route('/admin/rights', { access: 'operator', dock: true, capability: 'operators.manage' }, () =>
    import('../admin/screens').then((m) => m.RightsPage),
  ),
  effectiveRights: route(
    '/admin/effective-rights',
    { access: 'operator', dock: true, capability: 'operators.manage' },
    () => import('../admin/screens').then((m) => m.EffectiveRightsPage),
  ),
  audit: route('/admin/audit', { access: 'operator', dock: true, capability: 'audit.view' }, () =>
    import('../admin/screens').then((m) => m.AuditPage),
  ),
  recordingSettings: route(
    '/admin/recording',
    { access: 'operator', dock: true, capability: 'settings.manage' },
    () => import('../admin/screens').then((m) => m.RecordingSettingsPage),
  ),
  enrollmentTokens: route(
    '/admin/enrollment-tokens',
    { access: 'operator', dock: true, capability: 'devices.manage' },
    () => import('../admin/screens').then((m) => m.EnrollmentTokensPage),
  ),
};

export type RouteName = keyof typeof table;
type PathOf<Name extends RouteName> = (typeof table)[Name]['path'];
/** The table, typed so that `routes[name]` goes with `Params` of that name's path. */
export const routes: { [Name in RouteName]: Route<PathOf<Name>> } = table;

/** Where an operator goes by default (after signing in, from `/`). */
export const HOME: RouteName = 'devices';

/** Addresses that stand for a screen: the console's root and its file. */
const aliases: Readonly<Record<string, RouteName>> = { '/': HOME, '/index.html': HOME };

export type RouteMatch = { [Name in RouteName]: { name: Name; params: Params<PathOf<Name>> } }[RouteName];

/** What a path is: a screen, another address of one (to replace in the address bar), or no page. */
export type Parsed = RouteMatch | { name: 'alias'; to: Href } | { name: 'notFound' };

/** A path to a screen of the console (made by `href`, so a link cannot point at no page). */
export type Href = string & { readonly brand: unique symbol };

export function parsePath(pathname: string): Parsed {
  const path = normalizePath(pathname);
  const alias = aliases[path];
  if (alias) return { name: 'alias', to: href(alias) };
  for (const name of Object.keys(routes) as RouteName[]) {
    const params = matchPath(routes[name].path, path);
    if (params) return { name, params } as RouteMatch;
  }
  return { name: 'notFound' };
}

type ParamsArg<Name extends RouteName> = keyof Params<PathOf<Name>> extends never
  ? []
  : [Params<PathOf<Name>>];

/** The path of a screen: `href('devices')`, `href('chat', { chatId })`. */
export function href<Name extends RouteName>(name: Name, ...[params]: ParamsArg<Name>): Href {
  const route: Route<PathOf<Name>> = routes[name];
  return buildPath(route.path, params ?? ({} as Params<PathOf<Name>>)) as Href;
}

/** The screen a match shows. */
export function renderRoute<Name extends RouteName>(match: { name: Name; params: Params<PathOf<Name>> }) {
  const route: Route<PathOf<Name>> = routes[match.name];
  return route.render(match.params);
}

/** The capability a screen needs that the operator lacks (null: they may use it). */
export function missingCapability(name: RouteName, capabilities: readonly string[]): Capability | null {
  const needed = routes[name].capability;
  return needed === undefined || capabilities.includes(needed) ? null : needed;
}

/** The administration screens, in the order the administration menu lists them. */
export const ADMIN_SCREENS = [
  'operators',
  'operatorGroups',
  'deviceGroups',
  'rights',
  'effectiveRights',
  'enrollmentTokens',
  'recordingSettings',
  'audit',
] as const satisfies readonly RouteName[];

/** The administration screens this operator may use (empty: no administration link at all). */
export function adminScreensFor(capabilities: readonly string[]): RouteName[] {
  return ADMIN_SCREENS.filter((name) => missingCapability(name, capabilities) === null);
}

/** Past conversations: an operator's own with instant-messaging, everyone's with recordings.view. */
export function mayBrowseRecordings(capabilities: readonly string[]): boolean {
  return capabilities.includes('instant-messaging') || capabilities.includes('recordings.view');
}

/** Whether `path` is a page for signed-in operators (to come back to after signing in). */
function operatorPage(path: string): boolean {
  const parsed = parsePath(path);
  return parsed.name !== 'alias' && parsed.name !== 'notFound' && routes[parsed.name].access === 'operator';
}

/** The sign-in page's address; `back`: the operator page to return to afterwards (kept unless it is the default). */
export function signInHref(back: string | null): Href {
  const base = href('signIn');
  const path = back === null ? null : normalizePath(back);
  if (path === null || path === href(HOME) || !operatorPage(path)) return base;
  return `${base}?next=${encodeURIComponent(path)}` as Href;
}

/** Where to go after signing in: `next` from the sign-in address if it is an operator page, else the device list. */
export function afterSignIn(search: string): Href {
  const next = new URLSearchParams(search).get('next');
  return next?.startsWith('/') && operatorPage(next) ? (normalizePath(next) as Href) : href(HOME);
}

/** Starts loading the code of the screen at `pathname` (or of the one it stands for). */
export function preloadScreen(pathname: string): void {
  const parsed = parsePath(pathname);
  const screen = parsed.name === 'alias' ? parsePath(parsed.to) : parsed;
  if (screen.name !== 'alias' && screen.name !== 'notFound') routes[screen.name].preload();
}
