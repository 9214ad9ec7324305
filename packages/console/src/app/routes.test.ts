import { describe, expect, it } from 'vitest';
import { buildPath, matchPath, normalizePath } from './paths';
import { afterSignIn, HOME, href, parsePath, routes, signInHref } from './routes';

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
