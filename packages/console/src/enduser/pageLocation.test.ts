import { describe, expect, it } from 'vitest';
import { pageSocketUrl, pageTarget } from './pageLocation';

describe('end-user page location', () => {
  it('reads the chat from the path', () => {
    expect(pageTarget({ pathname: '/chat/0190-abc', search: '' })).toEqual({ chatId: '0190-abc' });
  });

  it('also takes ?chat= (the dev server serves /enduser.html)', () => {
    expect(pageTarget({ pathname: '/enduser.html', search: '?chat=c1' })).toEqual({ chatId: 'c1' });
  });

  it('needs a chat, well encoded', () => {
    expect(pageTarget({ pathname: '/', search: '' })).toBeNull();
    expect(pageTarget({ pathname: '/chat/%E0%A4%A', search: '' })).toBeNull();
  });

  it('builds the socket URL on the same host, with nothing of the chat in it', () => {
    expect(pageSocketUrl({ protocol: 'http:', host: '127.0.0.1:41234' })).toBe(
      'ws://127.0.0.1:41234/ws/page',
    );
  });
});
