import { describe, expect, it } from 'vitest';
import { chatPath, parseRoute } from './route';

describe('routes', () => {
  it('knows the device list and the full-page chat', () => {
    expect(parseRoute('/')).toEqual({ page: 'devices' });
    expect(parseRoute('/index.html')).toEqual({ page: 'devices' });
    expect(parseRoute('/chats/0190a-b')).toEqual({ page: 'chat', chatId: '0190a-b' });
    expect(parseRoute('/chats/0190a-b/')).toEqual({ page: 'chat', chatId: '0190a-b' });
  });

  it('does not match anything else', () => {
    expect(parseRoute('/chats')).toEqual({ page: 'notFound' });
    expect(parseRoute('/chats/a/b')).toEqual({ page: 'notFound' });
    expect(parseRoute('/chats/%E0%A4%A')).toEqual({ page: 'notFound' });
    expect(parseRoute(`/chats/${'x'.repeat(65)}`)).toEqual({ page: 'notFound' });
    expect(parseRoute('/elsewhere')).toEqual({ page: 'notFound' });
  });

  it('round-trips a chat id', () => {
    expect(parseRoute(chatPath('a b/c'))).toEqual({ page: 'chat', chatId: 'a b/c' });
  });
});
