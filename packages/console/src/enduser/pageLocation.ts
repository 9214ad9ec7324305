export interface PageTarget {
  chatId: string;
}

/**
 * The chat of this page, from its path `/chat/<chatId>` (`?chat=<chatId>` also works, e.g. `/enduser.html?chat=…`
 * on the dev server). The page's secret is not in the URL: the agent's one-time link traded it for an HttpOnly
 * cookie, which the browser sends with the page socket.
 */
export function pageTarget(location: Pick<Location, 'pathname' | 'search'>): PageTarget | null {
  let chatId = new URLSearchParams(location.search).get('chat');
  const match = /^\/chat\/([^/]+)\/?$/.exec(location.pathname);
  if (match?.[1]) {
    try {
      chatId = decodeURIComponent(match[1]);
    } catch {
      return null;
    }
  }
  return chatId ? { chatId } : null;
}

/** The agent's page socket on the same host: `ws://127.0.0.1:<port>/ws/page?chat=…`. */
export function pageSocketUrl(location: Pick<Location, 'protocol' | 'host'>, target: PageTarget): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const query = new URLSearchParams({ chat: target.chatId });
  return `${scheme}//${location.host}/ws/page?${query.toString()}`;
}
