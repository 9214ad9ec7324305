import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, relative } from 'node:path';
import type { Duplex } from 'node:stream';
import {
  type ChatInfo,
  CloseCode,
  MAX_CLIENT_FRAME_BYTES,
  PageClientFrame,
  type PageServerFrame,
  parseClientFrame,
} from '@parley/protocol';
import { WebSocket, WebSocketServer } from 'ws';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** The built end-user page: `enduser.html` and the assets of the console's Vite build. */
function loadPageFiles(): { html: Buffer; files: Map<string, { body: Buffer; type: string }> } {
  const pkg = createRequire(import.meta.url).resolve('@parley/console/package.json');
  const dist = join(dirname(pkg), 'dist');
  const htmlFile = join(dist, 'enduser.html');
  if (!existsSync(htmlFile))
    throw new Error(`the end-user page is not built (${htmlFile}): run npm run build`);
  const files = new Map<string, { body: Buffer; type: string }>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const type = CONTENT_TYPES[extname(name)];
        if (type && !name.endsWith('.html')) {
          files.set(`/${relative(dist, path).split('\\').join('/')}`, { body: readFileSync(path), type });
        }
      }
    }
  };
  walk(dist);
  return { html: readFileSync(htmlFile), files };
}

/** The request's path and query, or null when it is not a path this server could have made. Never throws. */
function parseRequestUrl(request: IncomingMessage): URL | null {
  const target = request.url ?? '/';
  if (!target.startsWith('/')) return null;
  try {
    return new URL(target, 'http://127.0.0.1');
  } catch {
    return null;
  }
}

function safeDecode(component: string): string | null {
  try {
    return decodeURIComponent(component);
  } catch {
    return null;
  }
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface PageServerEvents {
  /** A frame from an end-user page, already validated and checked to be about that page's chat. */
  onFrame(chatId: string, frame: PageClientFrame): void;
  /** First page of a chat connected (true), or its last one left (false). */
  onPresence(chatId: string, connected: boolean): void;
}

interface PageResponse {
  status: number;
  type: string;
  body: string | Buffer;
  headers?: Record<string, string>;
}

function text(status: number, body: string): PageResponse {
  return { status, type: 'text/plain; charset=utf-8', body };
}

interface ServedChat {
  info: ChatInfo;
  /** The link's secret: good for one visit, which trades it for `session` (the link is seen by the OS opener). */
  linkToken: string | null;
  /** The page's secret, kept in an HttpOnly cookie of the browser that opened the link. */
  session: string;
  pages: Set<WebSocket>;
}

/** The cookie that holds a chat's page secret. */
export function pageCookieName(chatId: string): string {
  return `parley_page_${chatId.replace(/[^A-Za-z0-9_-]/g, '')}`;
}

function cookieValue(request: IncomingMessage, name: string): string | null {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return null;
}

/**
 * Serves end-user chat pages on 127.0.0.1 (random port). The agent opens `/chat/<chatId>?token=<secret>`; that
 * link works once: it sets the page's secret in an HttpOnly, SameSite=Strict cookie and redirects to
 * `/chat/<chatId>`, so a copy of the link (a process list, a history) is worth nothing afterwards. The page and its
 * socket `/ws/page?chat=<chatId>` then need the cookie. Host and Origin must name this server (no DNS rebinding,
 * no other site's page).
 */
export class PageServer {
  private readonly http: Server;
  private readonly wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: MAX_CLIENT_FRAME_BYTES,
  });
  private readonly chats = new Map<string, ServedChat>();
  private readonly page = loadPageFiles();
  private port = 0;
  private linkUp = false;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(private readonly events: PageServerEvents) {
    // Whatever a local process or web page sends, the agent must not fall over: handlers never throw out.
    this.http = createServer((request, response) => {
      try {
        this.serve(request, response);
      } catch {
        response.destroy();
      }
    });
    this.http.on('upgrade', (request, socket, head) => {
      try {
        this.upgrade(request, socket, head);
      } catch {
        socket.destroy();
      }
    });
    this.http.on('clientError', (_error, socket) => socket.destroy());
    this.heartbeat = setInterval(() => {
      for (const client of this.wss.clients) {
        if ((client as WebSocket & { missedPong?: boolean }).missedPong) client.terminate();
        else {
          (client as WebSocket & { missedPong?: boolean }).missedPong = true;
          client.ping();
        }
      }
    }, 5000);
    this.heartbeat.unref();
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.http.listen(0, '127.0.0.1', resolve));
    this.port = (this.http.address() as AddressInfo).port;
  }

  /** Starts serving a chat (or updates its facts); returns its page URL. */
  addChat(info: ChatInfo): string {
    const existing = this.chats.get(info.chatId);
    if (existing) existing.info = info;
    const chat = existing ?? {
      info,
      linkToken: null,
      session: randomBytes(24).toString('base64url'),
      pages: new Set<WebSocket>(),
    };
    // Every link handed out is new; an older one that was never used stops working.
    chat.linkToken = randomBytes(24).toString('base64url');
    this.chats.set(info.chatId, chat);
    return `http://127.0.0.1:${this.port}/chat/${encodeURIComponent(info.chatId)}?token=${chat.linkToken}`;
  }

  hasChat(chatId: string): boolean {
    return this.chats.has(chatId);
  }

  servedChatIds(): string[] {
    return [...this.chats.keys()];
  }

  pagesOpen(chatId: string): number {
    return this.chats.get(chatId)?.pages.size ?? 0;
  }

  /** Sends a frame to every page of its chat. */
  deliver(chatId: string, frame: PageServerFrame): void {
    const chat = this.chats.get(chatId);
    if (!chat) return;
    if (frame.type === 'chat.info') chat.info = frame.chat;
    const data = JSON.stringify(frame);
    for (const ws of chat.pages) if (ws.readyState === WebSocket.OPEN) ws.send(data);
    this.forgetIfOver(chat);
  }

  /** A closed chat is served until its last page goes; then its link stops working. */
  private forgetIfOver(chat: ServedChat): void {
    if (chat.info.status === 'closed' && chat.pages.size === 0) this.chats.delete(chat.info.chatId);
  }

  /** Whether the agent reaches the server: every page is told now, and each new page when it connects (P-14). */
  setLink(up: boolean): void {
    if (this.linkUp === up) return;
    this.linkUp = up;
    for (const chatId of this.chats.keys()) this.deliver(chatId, { type: 'page.link', up });
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const client of this.wss.clients) client.close(CloseCode.goingAway, 'agent stopping');
    this.wss.close();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private hostAllowed(request: IncomingMessage): boolean {
    const host = request.headers.host;
    return host === `127.0.0.1:${this.port}` || host === `localhost:${this.port}`;
  }

  private originAllowed(request: IncomingMessage): boolean {
    const origin = request.headers.origin;
    return origin === `http://127.0.0.1:${this.port}` || origin === `http://localhost:${this.port}`;
  }

  /** The chat whose page cookie this request carries, if any. */
  private chatOfSession(chatId: string | null, request: IncomingMessage): ServedChat | null {
    const chat = chatId ? this.chats.get(chatId) : undefined;
    const session = chat ? cookieValue(request, pageCookieName(chat.info.chatId)) : null;
    return chat && session && sameSecret(session, chat.session) ? chat : null;
  }

  private serve(request: IncomingMessage, response: ServerResponse): void {
    const { status, type, body, headers } = this.route(request);
    response.writeHead(status, {
      'content-type': type,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      ...headers,
    });
    response.end(body);
  }

  private route(request: IncomingMessage): PageResponse {
    if (!this.hostAllowed(request)) return text(421, 'wrong host');
    const url = parseRequestUrl(request);
    if (!url) return text(400, 'bad request');
    if (request.method !== 'GET' && request.method !== 'HEAD') return text(405, 'GET only');
    const chatPath = /^\/chat\/([^/]+)$/.exec(url.pathname);
    if (chatPath) {
      const chatId = safeDecode(chatPath[1] ?? '');
      const token = url.searchParams.get('token');
      const linked = chatId ? this.chats.get(chatId) : undefined;
      if (token && linked?.linkToken && sameSecret(token, linked.linkToken)) {
        linked.linkToken = null;
        const cookie = `${pageCookieName(linked.info.chatId)}=${linked.session}; HttpOnly; SameSite=Strict; Path=/`;
        const location = `/chat/${encodeURIComponent(linked.info.chatId)}`;
        return { ...text(303, 'see the chat page'), headers: { location, 'set-cookie': cookie } };
      }
      const chat = this.chatOfSession(chatId, request);
      if (!chat)
        return text(404, 'this chat page does not exist, has ended, or was opened in another browser');
      const csp =
        `default-src 'self'; connect-src 'self' ws://127.0.0.1:${this.port} ws://localhost:${this.port}; ` +
        "img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";
      return {
        status: 200,
        type: 'text/html; charset=utf-8',
        body: this.page.html,
        headers: { 'content-security-policy': csp, 'referrer-policy': 'no-referrer' },
      };
    }
    const file = this.page.files.get(url.pathname);
    return file ? { status: 200, type: file.type, body: file.body } : text(404, 'not found');
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = this.hostAllowed(request) && this.originAllowed(request) ? parseRequestUrl(request) : null;
    const chat =
      url && url.pathname === '/ws/page' ? this.chatOfSession(url.searchParams.get('chat'), request) : null;
    if (!chat) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.attach(chat, ws));
  }

  private attach(chat: ServedChat, ws: WebSocket): void {
    const chatId = chat.info.chatId;
    chat.pages.add(ws);
    ws.send(JSON.stringify({ type: 'page.link', up: this.linkUp } satisfies PageServerFrame));
    if (chat.pages.size === 1) this.events.onPresence(chatId, true);
    ws.on('pong', () => {
      (ws as WebSocket & { missedPong?: boolean }).missedPong = false;
    });
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? '' : data.toString();
      const parsed = parseClientFrame(PageClientFrame, text);
      if (!parsed.ok) {
        ws.send(JSON.stringify(parsed.error));
        return;
      }
      if (parsed.frame.chatId !== chatId) {
        ws.send(
          JSON.stringify({ type: 'error', code: 'forbidden', message: 'this page belongs to another chat' }),
        );
        return;
      }
      this.events.onFrame(chatId, parsed.frame);
    });
    ws.on('close', () => {
      chat.pages.delete(ws);
      if (chat.pages.size === 0) this.events.onPresence(chatId, false);
      this.forgetIfOver(chat);
    });
    ws.on('error', () => ws.terminate());
  }
}
