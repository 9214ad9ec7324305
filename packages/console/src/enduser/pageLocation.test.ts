import { describe, expect, it } from 'vitest';
import { pageSocketUrl, pageTarget } from './pageLocation';

describe('end-user page location', () => {
  it('reads the chat from the path and the token from the query', () => {
    expect(pageTarget({ pathname: '/chat/0190-abc', search: '?token=s3cr3t' })).toEqual({
      chatId: '0190-abc',
      token: 's3cr3t',
    });
  });

  it('also takes ?chat= (the dev server serves /enduser.html)', () => {
    expect(pageTarget({ pathname: '/enduser.html', search: '?chat=c1&token=t1' })).toEqual({
      chatId: 'c1',
      token: 't1',
    });
  });

  it('needs both', () => {
    expect(pageTarget({ pathname: '/chat/c1', search: '' })).toBeNull();
    expect(pageTarget({ pathname: '/', search: '?token=t' })).toBeNull();
    expect(pageTarget({ pathname: '/chat/%E0%A4%A', search: '?token=t' })).toBeNull();
  });

  it('builds the socket URL on the same host, escaping both values', () => {
    expect(
      pageSocketUrl({ protocol: 'http:', host: '127.0.0.1:41234' }, { chatId: 'c1', token: 'a+b/c=' }),
    ).toBe('ws://127.0.0.1:41234/ws/page?chat=c1&token=a%2Bb%2Fc%3D');
  });
});
