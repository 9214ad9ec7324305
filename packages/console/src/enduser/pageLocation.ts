export interface PageTarget {
  chatId: string;
  token: string;
}

/**
 * The chat and its secret, from the URL the agent opened: `/chat/<chatId>?token=<secret>`
 * (`?chat=<chatId>&token=…` also works, e.g. `/enduser.html?chat=…&token=…` on the dev server).
 */
export function pageTarget(location: Pick<Location, 'pathname' | 'search'>): PageTarget | null {
  const params = new URLSearchParams(location.search);
  const token = params.get('token');
  let chatId = params.get('chat');
  const match = /^\/chat\/([^/]+)\/?$/.exec(location.pathname);
  if (match?.[1]) {
    try {
      chatId = decodeURIComponent(match[1]);
    } catch {
      return null;
    }
  }
  if (!chatId || !token) return null;
  return { chatId, token };
}

/** The agent's page socket on the same host: `ws://127.0.0.1:<port>/ws/page?chat=…&token=…`. */
export function pageSocketUrl(location: Pick<Location, 'protocol' | 'host'>, target: PageTarget): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const query = new URLSearchParams({ chat: target.chatId, token: target.token });
  return `${scheme}//${location.host}/ws/page?${query.toString()}`;
}
