export interface PageTarget {
  chatId: string;
}

/**
 * The chat of this page, from its path `/chat/<chatId>` (`?chat=<chatId>` also works, e.g. `/enduser.html?chat=…`
 * on the dev server). The page key comes in the fragment (`pageKey.ts`), never in the path or query.
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

/** The agent's page socket on the same host: `ws://127.0.0.1:<port>/ws/page` (the chat is named in `page.hello`). */
export function pageSocketUrl(location: Pick<Location, 'protocol' | 'host'>): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws/page`;
}
