import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type Beatable, CloseCode, HEARTBEAT_MS, Heartbeat, MAX_CLIENT_FRAME_BYTES } from '@parley/protocol';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { SESSION_COOKIE } from '../auth/sessions.js';
import { subjects } from '../bus/bus.js';
import { type AddressList, clientAddress } from '../http/addresses.js';
import type { HostCheck } from '../http/hosts.js';
import { originAllowed } from '../http/origin.js';
import type { Services } from '../services.js';
import { AgentConnection } from './agentConnection.js';
import { ConsoleConnection, LIST_HINT_MS } from './consoleConnection.js';
import type { SocketLink } from './peer.js';

interface GatewayOptions {
  services: Services;
  log: Logger;
  parseCookies(header: string): Record<string, string | undefined>;
  heartbeatMs?: number;
  /** The least time between two `devices.changed` to one console (LIST_HINT_MS). */
  listHintMs?: number;
  /** See RouteOptions.publicOrigin. */
  publicOrigin: string | null;
  /** The names this server answers to (DNS rebinding), as for HTTP requests. */
  hosts: HostCheck;
  /** TLS proxies whose X-Forwarded-For and -Proto are believed, as for HTTP requests (the agent's address, the scheme). */
  trustedProxies: AddressList;
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** The WebSocket endpoints `/ws/console` and `/ws/agent`, on the HTTP server's port. */
export class Gateway {
  private readonly wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: MAX_CLIENT_FRAME_BYTES,
  });
  private readonly consoles = new Set<ConsoleConnection>();
  private readonly agents = new Map<string, AgentConnection>();
  private readonly pending = new Set<AgentConnection>();
  private readonly heartbeat: Heartbeat;
  /** One logger for every agent socket (a child logger each cost every idle agent its own). */
  private readonly agentLog: Logger;

  constructor(private readonly options: GatewayOptions) {
    this.agentLog = options.log.child({ socket: 'agent' });
    this.heartbeat = new Heartbeat(() => this.peers(), {
      intervalMs: options.heartbeatMs ?? HEARTBEAT_MS,
      // The console sockets re-read their session at every beat, so a sign-out ends live traffic too (P-24).
      onBeat: () => {
        for (const c of this.consoles) {
          c.revalidate().catch((error: unknown) =>
            this.options.log.error({ err: error }, 'session check failed'),
          );
        }
      },
    });
    this.heartbeat.start();
    // An operator's access changed on some node (disabled, password reset, capability or right withdrawn): their
    // consoles read it again now, not at the next beat (P-28).
    this.stopAccess = options.services.bus.subscribe(subjects.access, (message) => {
      const failed = (error: unknown) => this.options.log.error({ err: error }, 'session check failed');
      if (message.type === 'sessions_ended') {
        for (const c of this.consoles)
          if (c.operatorId === message.operatorId) c.sessionsEnded().catch(failed);
        return;
      }
      if (message.type !== 'access_changed') return;
      for (const c of this.consoles) {
        if (message.operatorIds !== 'all' && !message.operatorIds.includes(c.operatorId)) continue;
        c.accessChanged().catch(failed);
      }
    });
  }

  private readonly stopAccess: () => void;

  private *peers(): Iterable<Beatable> {
    for (const c of this.consoles) yield c.peer;
    for (const c of this.agents.values()) yield c.peer;
    for (const c of this.pending) yield c.peer;
  }

  get counts(): { consoles: number; agents: number } {
    return { consoles: this.consoles.size, agents: this.agents.size };
  }

  async handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const { log, services } = this.options;
    const path = (request.url ?? '').split('?')[0];
    const secure = this.secure(request, socket);
    if (!this.options.hosts.allows(request.headers.host)) return refuse(socket, 421, 'Misdirected Request');
    if (path === '/ws/console') {
      if (!originAllowed(request.headers, secure, true, this.options.publicOrigin))
        return refuse(socket, 403, 'Forbidden');
      const token = this.options.parseCookies(request.headers.cookie ?? '')[SESSION_COOKIE];
      const operator = await services.auth.operatorForSession(token);
      if (!operator || !token) return refuse(socket, 401, 'Unauthorized');
      this.wss.handleUpgrade(request, socket, head, (ws) => {
        const connection = new ConsoleConnection(
          { ws, socket },
          token,
          operator,
          services,
          log,
          this.options.listHintMs ?? LIST_HINT_MS,
        );
        this.consoles.add(connection);
        ws.on('close', () => this.consoles.delete(connection));
      });
      return;
    }
    if (path === '/ws/agent') {
      if (!originAllowed(request.headers, secure, false, this.options.publicOrigin))
        return refuse(socket, 403, 'Forbidden');
      const address = clientAddress(
        request.socket.remoteAddress,
        request.headers['x-forwarded-for'],
        this.options.trustedProxies,
      );
      // No closure here holds the request: each idle agent would keep its IncomingMessage (bench/fleet.ts).
      this.wss.handleUpgrade(request, socket, head, (ws) => this.agentConnected({ ws, socket }, address));
      return;
    }
    refuse(socket, 404, 'Not Found');
  }

  private agentConnected(link: SocketLink, address: string | null): void {
    const connection = new AgentConnection(
      link,
      address,
      this.options.services,
      this.agentLog,
      this.claim,
      this.release,
    );
    this.pending.add(connection);
    link.ws.on('close', () => this.pending.delete(connection));
  }

  /** TLS here, or at a trusted proxy that says so: the upgrade's Origin is then https:// (as Fastify decides). */
  private secure(request: IncomingMessage, socket: Duplex): boolean {
    if ('encrypted' in socket && socket.encrypted === true) return true;
    if (!this.options.trustedProxies.has(request.socket.remoteAddress)) return false;
    const proto = request.headers['x-forwarded-proto'];
    const first = (Array.isArray(proto) ? proto[0] : proto)?.split(',')[0]?.trim().toLowerCase();
    return first === 'https';
  }

  /**
   * Closes every socket (server shutdown): peers see "going away" and reconnect elsewhere. Resolves when every
   * connection's close handler has run, so the store can close after them.
   */
  async close(): Promise<void> {
    this.stopAccess();
    this.heartbeat.stop();
    const peers = [...this.consoles, ...this.agents.values(), ...this.pending].map((c) => c.peer);
    for (const peer of peers) peer.close(CloseCode.goingAway, 'server shutting down');
    const forced = setTimeout(() => {
      for (const client of this.wss.clients) client.terminate();
    }, 1000);
    await Promise.all(peers.map((p) => p.finished));
    clearTimeout(forced);
    this.wss.close();
  }

  // Arrow fields, one for every connection: a closure per connection cost each idle agent two.
  private readonly claim = (deviceId: string, connection: AgentConnection): void => {
    this.pending.delete(connection);
    const older = this.agents.get(deviceId);
    if (older && older !== connection) older.peer.close(CloseCode.replaced, 'replaced by a newer connection');
    this.agents.set(deviceId, connection);
  };

  private readonly release = (deviceId: string, connection: AgentConnection): boolean => {
    if (this.agents.get(deviceId) !== connection) return false;
    this.agents.delete(deviceId);
    return true;
  };
}
