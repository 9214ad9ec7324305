import { createHash, timingSafeEqual } from 'node:crypto';
import type { Registry } from 'prom-client';
import type { AddressList } from '../http/addresses.js';
import { type App, sendError } from '../http/request.js';

export interface MetricsAccess {
  /** Scrapers on these addresses need no token (loopback by default). */
  allow: AddressList;
  /** Anyone else sends `Authorization: Bearer <token>`; null: nobody else. */
  token: string | null;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function tokenMatches(header: string | undefined, token: string | null): boolean {
  if (token === null || !header?.startsWith('Bearer ')) return false;
  return timingSafeEqual(digest(header.slice('Bearer '.length)), digest(token));
}

/** `/metrics` for Prometheus: what it tells (sockets, memory, event loop) is for the people running the server. */
export function registerMetricsRoute(app: App, registry: Registry, access: MetricsAccess): void {
  app.get(
    '/metrics',
    {
      config: { access: 'public' },
      schema: { hide: true },
      preHandler: async (request, reply) => {
        if (access.allow.has(request.ip) || tokenMatches(request.headers.authorization, access.token)) return;
        return sendError(
          reply,
          403,
          'forbidden',
          'metrics are served to PARLEY_METRICS_ALLOW addresses, or with the PARLEY_METRICS_TOKEN bearer token',
        );
      },
    },
    async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
  );
}
