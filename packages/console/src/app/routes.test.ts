import { describe, expect, it } from 'vitest';
import { buildPath, matchPath, normalizePath } from './paths';
import {
  ADMIN_SCREENS,
  adminScreensFor,
  afterSignIn,
  HOME,
  href,
  missingCapability,
  parsePath,
  routes,
  signInHref,
} from './routes';

describe('path patterns', () => {
  it('match literal segments and decode params', () => {
    expect(matchPath('/devices', '/devices')).toEqual({});
    expect(matchPath('/chats/:chatId', '/chats/a%20b%2Fc')).toEqual({ chatId: 'a b/c' });
    expect(matchPath('/groups/:groupId/members/:operatorId', '/groups/g1/members/o2')).toEqual({
      groupId: 'g1',
      operatorId: 'o2',
    });
    expect(matchPath('/chats/:chatId', '/chats')).toBeNull();
    expect(matchPath('/chats/:chatId', '/chats/a/b')).toBeNull();
    expect(matchPath('/devices', '/device')).toBeNull();
  });

  it('build a path back, each param one segment', () => {
    expect(buildPath('/chats/:chatId', { chatId: 'a b/c' })).toBe('/chats/a%20b%2Fc');
    expect(buildPath('/devices', {})).toBe('/devices');
  });

  it('ignore trailing slashes', () => {
    expect(normalizePath('/chats/x/')).toBe('/chats/x');
    expect(normalizePath('///')).toBe('/');
    expect(normalizePath('')).toBe('/');
  });
});

describe('the console routes', () => {
  it('know the device list, the full-page chat and sign-in, with or without a trailing slash', () => {
    expect(parsePath('/devices')).toEqual({ name: 'devices', params: {} });
    expect(parsePath('/chats/0190a-b')).toEqual({ name: 'chat', params: { chatId: '0190a-b' } });
    expect(parsePath('/chats/0190a-b/')).toEqual({ name: 'chat', params: { chatId: '0190a-b' } });
    expect(parsePath('/sign-in')).toEqual({ name: 'signIn', params: {} });
  });

  it('send the root and its file to the device list', () => {
    expect(parsePath('/')).toEqual({ name: 'alias', to: '/devices' });
    expect(parsePath('/index.html')).toEqual({ name: 'alias', to: '/devices' });
  });

  it('match nothing else', () => {
    expect(parsePath('/chats')).toEqual({ name: 'notFound' });
    expect(parsePath('/chats/a/b')).toEqual({ name: 'notFound' });
    expect(parsePath('/chats/%E0%A4%A')).toEqual({ name: 'notFound' });
    expect(parsePath(`/chats/${'x'.repeat(65)}`)).toEqual({ name: 'notFound' });
    expect(parsePath('/elsewhere')).toEqual({ name: 'notFound' });
  });

  it('round-trip every route through href', () => {
    expect(parsePath(href('chat', { chatId: 'a b/c' }))).toEqual({
      name: 'chat',
      params: { chatId: 'a b/c' },
    });
    expect(href('devices')).toBe('/devices');
    expect(href('signIn')).toBe('/sign-in');
    for (const name of Object.keys(routes) as (keyof typeof routes)[]) {
      const path = routes[name].path.replaceAll(/:\w+/g, 'id-1');
      expect(parsePath(path)).toMatchObject({ name });
    }
  });

  it('say which screens need a signed-in operator and which show the dock', () => {
    expect(routes.devices).toMatchObject({ access: 'operator', dock: true });
    expect(routes.chat).toMatchObject({ access: 'operator', dock: false });
    expect(routes.signIn).toMatchObject({ access: 'public', dock: false });
    expect(HOME).toBe('devices');
  });
});

describe('route access by capability', () => {
  it('knows the administration screens and the account page', () => {
    expect(parsePath('/admin/operators')).toEqual({ name: 'operators', params: {} });
    expect(parsePath('/admin/operators/o-1')).toEqual({ name: 'operator', params: { operatorId: 'o-1' } });
    expect(parsePath('/admin/audit/')).toEqual({ name: 'audit', params: {} });
    expect(parsePath('/account')).toEqual({ name: 'account', params: {} });
  });

  it('says which capability each screen needs', () => {
    expect(routes.operators.capability).toBe('operators.manage');
    expect(routes.operator.capability).toBe('operators.manage');
    expect(routes.operatorGroups.capability).toBe('operators.manage');
    expect(routes.rights.capability).toBe('operators.manage');
    expect(routes.effectiveRights.capability).toBe('operators.manage');
    expect(routes.deviceGroups.capability).toBe('devices.manage');
    expect(routes.audit.capability).toBe('audit.view');
    for (const name of ['devices', 'chat', 'signIn', 'account'] as const)
      expect(routes[name].capability).toBeUndefined();
  });

  it('names the capability an operator lacks for a screen, or nothing', () => {
    expect(missingCapability('audit', ['instant-messaging'])).toBe('audit.view');
    expect(missingCapability('audit', ['audit.view'])).toBeNull();
    expect(missingCapability('devices', [])).toBeNull();
    expect(missingCapability('account', [])).toBeNull();
    expect(missingCapability('deviceGroups', ['operators.manage'])).toBe('devices.manage');
  });

  it('lists only the administration screens the operator may use', () => {
    expect(adminScreensFor([])).toEqual([]);
    expect(adminScreensFor(['instant-messaging'])).toEqual([]);
    expect(adminScreensFor(['audit.view'])).toEqual(['audit']);
    expect(adminScreensFor(['devices.manage', 'audit.view'])).toEqual([
      'deviceGroups',
      'enrollmentTokens',
      'audit',
    ]);
    expect(adminScreensFor(['settings.manage'])).toEqual(['recordingSettings']);
    expect(adminScreensFor(['operators.manage', 'devices.manage', 'settings.manage', 'audit.view'])).toEqual([
      ...ADMIN_SCREENS,
    ]);
  });

  it('lets sign-in come back to an administration screen', () => {
    expect(signInHref('/admin/audit')).toBe('/sign-in?next=%2Fadmin%2Faudit');
    expect(afterSignIn('?next=%2Fadmin%2Faudit')).toBe('/admin/audit');
  });
});

describe('sign-in and back', () => {
  it.each([
    ['/chats/abc', '/sign-in?next=%2Fchats%2Fabc', '/chats/abc'],
    ['/chats/abc/', '/sign-in?next=%2Fchats%2Fabc', '/chats/abc'],
    ['/devices', '/sign-in', '/devices'],
    ['/nowhere', '/sign-in', '/devices'],
    ['/sign-in', '/sign-in', '/devices'],
    [null, '/sign-in', '/devices'],
  ])('from %s: sign in at %s, then on to %s', (back, signIn, then) => {
    expect(signInHref(back)).toBe(signIn);
    expect(afterSignIn(new URL(signIn, 'http://console.example').search)).toBe(then);
  });

  it('goes on only to an operator page of this console, whatever the address says', () => {
    for (const next of ['/sign-in', '/nowhere', 'https://evil.example/chats/x', '//evil.example/chats/x'])
      expect(afterSignIn(`?next=${encodeURIComponent(next)}`)).toBe('/devices');
  });
});
