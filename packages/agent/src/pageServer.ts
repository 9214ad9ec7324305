import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, relative } from 'node:path';
import type { Duplex } from 'node:stream';
import {
  type ChatClientFrame,
  type ChatInfo,
  CloseCode,
  HELLO_TIMEOUT_MS,
  Heartbeat,
  Liveness,
  MAX_CLIENT_FRAME_BYTES,
  PageClientFrame,
  type PageServerFrame,
  PROTOCOL_VERSION,
  pageProofText,
  parseClientFrame,
} from '@parley/protocol';
import { WebSocket, WebSocketServer } from 'ws';
import { readPageState, writePageState } from './pageState.js';
import { STALE_PAGE_CSP, STALE_PAGE_HTML } from './stalePage.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** A file of the page, with the compressed copies the build wrote beside it (`.br`, `.gz`). */
interface PageFile {
  body: Buffer;
  type: string;
  encoded: Partial<Record<ContentEncoding, Buffer>>;
}

type ContentEncoding = 'br' | 'gzip';
const ENCODING_SUFFIX: Record<ContentEncoding, string> = { br: '.br', gzip: '.gz' };

/** The encoding to send a file in: brotli, else gzip, when the client takes it and the build made it. */
export function chooseEncoding(
  acceptEncoding: string | undefined,
  available: Partial<Record<ContentEncoding, Buffer>>,
): ContentEncoding | null {
  const accepted = new Set<string>();
  for (const part of (acceptEncoding ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (name && !(q && Number(q.slice(2)) === 0)) accepted.add(name);
  }
  for (const encoding of ['br', 'gzip'] as const) {
    if (available[encoding] && accepted.has(encoding)) return encoding;
  }
  return null;
}

/** The built end-user page: `enduser.html` and the assets of the console's Vite build. */
function loadPageFiles(): { html: Buffer; files: Map<string, PageFile> } {
  const pkg = createRequire(import.meta.url).resolve('@parley/console/package.json');
  const dist = join(dirname(pkg), 'dist');
  const htmlFile = join(dist, 'enduser.html');
  if (!existsSync(htmlFile))
    throw new Error(`the end-user page is not built (${htmlFile}): run npm run build`);
  const files = new Map<string, PageFile>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const type = CONTENT_TYPES[extname(name)];
        if (type && !name.endsWith('.html')) {
          const encoded: PageFile['encoded'] = {};
          for (const [encoding, suffix] of Object.entries(ENCODING_SUFFIX) as [ContentEncoding, string][]) {
            if (existsSync(path + suffix)) encoded[encoding] = readFileSync(path + suffix);
          }
          files.set(`/${relative(dist, path).split('\\').join('/')}`, {
            body: readFileSync(path),
            type,
            encoded,
          });
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

/** Page sockets in their handshake at once; a new one past that closes the one that waited longest. */
export const MAX_PENDING_HANDSHAKES = 32;

/** What `signer` proves with the chat's page key (P-13). */
export function pageProof(key: string, text: string): string {
  return createHmac('sha256', Buffer.from(key, 'base64url')).update(text).digest('base64url');
}

function sameProof(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface PageServerEvents {
  /** A frame from an end-user page that proved itself, already validated and checked to be about its chat. */
  onFrame(chatId: string, frame: ChatClientFrame): void;
  /** First page of a chat connected (true), or its last one left (false). */
  onPresence(chatId: string, connected: boolean): void;
  /** The saved state could not be written (why). */
  onStateNotSaved?(reason: string): void;
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
  /**
   * The chat's page key (32 random bytes, base64url). The page gets it in its URL's fragment, through a launch file
   * only the end user can read, and keeps it as a non-extractable key in its own origin's storage; on the socket
   * both ends only show that they hold it (P-13).
   */
  key: string;
  pages: Set<WebSocket>;
}

export interface PageServerOptions {
  /** Where the port and the page keys are kept across restarts (null: nowhere, a restart starts afresh). */
  statePath?: string | null;
}

/**
 * Serves end-user chat pages on 127.0.0.1. The page `/chat/<chatId>` is only a shell; everything of the chat goes
 * through its socket `/ws/page`, where the page and the agent each prove they hold the chat's page key before any
 * chat frame flows (P-13): a process of another user that binds the port after the agent died learns nothing and can
 * show nothing. No cookie is used (the browser would send it to every port of 127.0.0.1). Host and Origin must name
 * this server (no DNS rebinding, no other site's page). The port and keys are saved (`statePath`) so a restarted
 * agent comes back where its pages look for it; when another process holds that port, every key is new.
 */
/** How long pages get to answer the agent's close before their sockets are cut. */
const STOP_GRACE_MS = 1000;

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
  private readonly heartbeat: Heartbeat;
  /** Every page socket, from its upgrade on (its handshake answers pings too). */
  private readonly liveness = new Map<WebSocket, Liveness>();
  private readonly statePath: string | null;
  /** Page sockets still in their handshake, oldest first. */
  private readonly handshakes = new Set<WebSocket>();
  /** Chats brought back from the saved state at `listen`, whose pages may still be open. */
  private restored: string[] = [];

  constructor(
    private readonly events: PageServerEvents,
    options: PageServerOptions = {},
  ) {
    this.statePath = options.statePath ?? null;
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
    this.heartbeat = new Heartbeat(() => this.liveness.values());
    this.heartbeat.start();
  }

  /** Listens on the saved port with the saved keys when it is free, else on a new port with none. */
  async listen(): Promise<void> {
    const saved = this.statePath ? readPageState(this.statePath) : null;
    if (saved && (await this.listenOn(saved.port))) {
      for (const { info, key } of saved.chats) this.chats.set(info.chatId, { info, key, pages: new Set() });
      this.restored = saved.chats.map((chat) => chat.info.chatId);
    } else if (!(await this.listenOn(0))) {
      throw new Error('could not listen on 127.0.0.1');
    }
    this.port = (this.http.address() as AddressInfo).port;
    this.save();
  }

  private listenOn(port: number): Promise<boolean> {
    return new Promise((resolve) => {
      const failed = () => resolve(false);
      this.http.once('error', failed);
      this.http.listen(port, '127.0.0.1', () => {
        this.http.off('error', failed);
        resolve(true);
      });
    });
  }

  /** The chats the saved state brought back (their pages may reconnect); asked once, after `listen`. */
  takeRestored(): string[] {
    const restored = this.restored;
    this.restored = [];
    return restored;
  }

  /** Starts serving a chat (or updates its facts); returns its page URL, which holds the page key. */
  addChat(info: ChatInfo): string {
    let chat = this.chats.get(info.chatId);
    if (chat) chat.info = info;
    else {
      chat = { info, key: randomBytes(32).toString('base64url'), pages: new Set<WebSocket>() };
      this.chats.set(info.chatId, chat);
    }
    this.save();
    return `http://127.0.0.1:${this.port}/chat/${encodeURIComponent(info.chatId)}#k=${chat.key}`;
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

  /** A closed chat is served until its last page goes; then its page stops working. */
  private forgetIfOver(chat: ServedChat): void {
    if (chat.info.status === 'closed' && chat.pages.size === 0 && this.chats.delete(chat.info.chatId)) {
      this.save();
    }
  }

  /** Best effort: a disk that refuses the write costs the reconnect after a restart, never the chat. */
  private save(): void {
    if (!this.statePath || this.port === 0) return;
    try {
      writePageState(this.statePath, {
        port: this.port,
        chats: [...this.chats.values()].map(({ info, key }) => ({ info, key })),
      });
    } catch (error) {
      this.events.onStateNotSaved?.(error instanceof Error ? error.message : String(error));
    }
  }

  /** Whether the agent reaches the server: every page is told now, and each new page when it connects (P-14). */
  setLink(up: boolean): void {
    if (this.linkUp === up) return;
    this.linkUp = up;
    for (const chatId of this.chats.keys()) this.deliver(chatId, { type: 'page.link', up });
  }

  async close(): Promise<void> {
    this.heartbeat.stop();
    for (const client of this.wss.clients) client.close(CloseCode.goingAway, 'agent stopping');
    this.wss.close();
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    // A page that does not answer the close (a busy or frozen tab) must not hold the agent's exit up (ws would wait
    // 30 s): after a second, its socket and any other connection are cut.
    const cut = setTimeout(() => {
      for (const client of this.wss.clients) client.terminate();
      this.http.closeAllConnections();
    }, STOP_GRACE_MS);
    await closed;
    clearTimeout(cut);
  }

  // 127.0.0.1 only, as the agent opens it: `localhost` may resolve to ::1, where another process may listen.
  private hostAllowed(request: IncomingMessage): boolean {
    return request.headers.host === `127.0.0.1:${this.port}`;
  }

  private originAllowed(request: IncomingMessage): boolean {
    return request.headers.origin === `http://127.0.0.1:${this.port}`;
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
      if (!chatId || !this.chats.has(chatId)) {
        const headers = { 'content-security-policy': STALE_PAGE_CSP, 'referrer-policy': 'no-referrer' };
        return { status: 404, type: 'text/html; charset=utf-8', body: STALE_PAGE_HTML, headers };
      }
      const csp =
        `default-src 'self'; script-src 'self'; connect-src 'self' ws://127.0.0.1:${this.port}; ` +
        "img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";
      return {
        status: 200,
        type: 'text/html; charset=utf-8',
        body: this.page.html,
        headers: { 'content-security-policy': csp, 'referrer-policy': 'no-referrer' },
      };
    }
    const file = this.page.files.get(url.pathname);
    if (!file) return text(404, 'not found');
    const encoding = chooseEncoding(request.headers['accept-encoding'], file.encoded);
    const vary = Object.keys(file.encoded).length > 0 ? { vary: 'accept-encoding' } : undefined;
    if (!encoding) return { status: 200, type: file.type, body: file.body, ...(vary && { headers: vary }) };
    return {
      status: 200,
      type: file.type,
      body: file.encoded[encoding] ?? file.body,
      headers: { 'content-encoding': encoding, ...vary },
    };
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Until ws takes the socket nothing listens for its errors: a reset must not take the agent down.
    socket.on('error', () => socket.destroy());
    const url = this.hostAllowed(request) && this.originAllowed(request) ? parseRequestUrl(request) : null;
    if (url?.pathname !== '/ws/page') {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.handshake(ws));
  }

  /**
   * P-13: `page.hello {chatId, nonce}` → `page.challenge {nonce, proof}` (the agent signs the page's nonce) →
   * `page.auth {proof}` (the page signs the agent's). Anything else, or a wrong proof: close 4001.
   */
  private handshake(ws: WebSocket): void {
    const send = (frame: PageServerFrame) => ws.send(JSON.stringify(frame));
    const refuse = (code: number, reason: string) => {
      ws.removeAllListeners('message');
      ws.close(code, reason);
    };
    const timer = setTimeout(() => refuse(CloseCode.helloTimeout, 'no proof in time'), HELLO_TIMEOUT_MS);
    timer.unref();
    if (this.handshakes.size >= MAX_PENDING_HANDSHAKES) {
      const oldest = this.handshakes.values().next().value;
      if (oldest) {
        this.handshakes.delete(oldest);
        oldest.terminate();
      }
    }
    this.handshakes.add(ws);
    const settled = () => {
      this.handshakes.delete(ws);
      clearTimeout(timer);
    };
    const ownNonce = randomBytes(24).toString('base64url');
    let expected: { chat: ServedChat; proof: string } | null = null;
    ws.on('error', () => ws.terminate());
    ws.on('close', settled);
    // The heartbeat starts with the socket: a page answering pings during its handshake is alive.
    this.liveness.set(ws, new Liveness(ws));
    ws.on('close', () => this.liveness.delete(ws));
    ws.on('message', (data, isBinary) => {
      const parsed = parseClientFrame(PageClientFrame, isBinary ? '' : data.toString());
      if (!parsed.ok) {
        send(parsed.error);
        refuse(CloseCode.authFailed, 'authentication failed');
        return;
      }
      const frame = parsed.frame;
      if (frame.type === 'page.hello' && expected === null) {
        if (frame.protocolVersion !== PROTOCOL_VERSION) {
          send({ type: 'error', code: 'version_mismatch', message: `this agent speaks ${PROTOCOL_VERSION}` });
          refuse(CloseCode.versionMismatch, 'protocol version mismatch');
          return;
        }
        const chat = this.chats.get(frame.chatId);
        if (!chat) {
          refuse(CloseCode.authFailed, 'unknown chat');
          return;
        }
        const chatId = chat.info.chatId;
        expected = { chat, proof: pageProof(chat.key, pageProofText('page', chatId, ownNonce, frame.nonce)) };
        send({
          type: 'page.challenge',
          nonce: ownNonce,
          proof: pageProof(chat.key, pageProofText('agent', chatId, frame.nonce, ownNonce)),
        });
        return;
      }
      if (frame.type === 'page.auth' && expected !== null && sameProof(frame.proof, expected.proof)) {
        settled();
        ws.removeAllListeners('message');
        this.attach(expected.chat, ws);
        return;
      }
      send({ type: 'error', code: 'not_authenticated', message: 'prove the page key first' });
      refuse(CloseCode.authFailed, 'authentication failed');
    });
  }

  private attach(chat: ServedChat, ws: WebSocket): void {
    const chatId = chat.info.chatId;
    chat.pages.add(ws);
    ws.send(JSON.stringify({ type: 'page.link', up: this.linkUp } satisfies PageServerFrame));
    if (chat.pages.size === 1) this.events.onPresence(chatId, true);
    ws.on('message', (data, isBinary) => {
      const parsed = parseClientFrame(PageClientFrame, isBinary ? '' : data.toString());
      if (!parsed.ok) {
        ws.send(JSON.stringify(parsed.error));
        return;
      }
      const frame = parsed.frame;
      if (frame.type === 'page.hello' || frame.type === 'page.auth') {
        ws.send(JSON.stringify({ type: 'error', code: 'bad_frame', message: 'already authenticated' }));
        return;
      }
      if (frame.chatId !== chatId) {
        ws.send(
          JSON.stringify({ type: 'error', code: 'forbidden', message: 'this page belongs to another chat' }),
        );
        return;
      }
      this.events.onFrame(chatId, frame);
    });
    ws.on('close', () => {
      chat.pages.delete(ws);
      if (chat.pages.size === 0) this.events.onPresence(chatId, false);
      this.forgetIfOver(chat);
    });
  }
}
