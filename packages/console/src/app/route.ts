/** The console's client routes. The server answers every other GET with index.html, so each is a real URL. */
export type Route = { page: 'devices' } | { page: 'chat'; chatId: string } | { page: 'notFound' };

export function parseRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/' || path === '/index.html') return { page: 'devices' };
  const match = /^\/chats\/([^/]+)$/.exec(path);
  if (match?.[1]) {
    try {
      const chatId = decodeURIComponent(match[1]);
      if (chatId.length > 0 && chatId.length <= 64) return { page: 'chat', chatId };
    } catch {
      return { page: 'notFound' };
    }
  }
  return { page: 'notFound' };
}

export function chatPath(chatId: string): string {
  return `/chats/${encodeURIComponent(chatId)}`;
}
