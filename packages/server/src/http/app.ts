import { existsSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import { errorCodeForStatus } from '@parley/protocol';
import Fastify, { type FastifyBaseLogger, LogController } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { SESSION_COOKIE } from '../auth/sessions.js';
import { Refused } from '../result.js';
import type { Services } from '../services.js';
import type { HostCheck } from './hosts.js';
import { originAllowed } from './origin.js';
import { type App, checkAccess, type RouteOptions, type RouteSummary, sendError } from './request.js';
import { registerRoutes } from './routes.js';
import type { TlsIdentity } from './tls.js';

/** Largest request body any route takes. */
export const BODY_LIMIT = 64 * 1024;

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function consoleDist(): string | null {
  try {
    const pkg = createRequire(import.meta.url).resolve('@parley/console/package.json');
    const dist = join(dirname(pkg), 'dist');
    return existsSync(join(dist, 'index.html')) ? dist : null;
  } catch {
    return null;
  }
}

export interface AppOptions extends RouteOptions {
  services: Services;
  log: Logger;
  hosts: HostCheck;
  /** Proxies whose X-Forwarded-For / -Proto are believed (request.ip, request.protocol); none by default. */
  trustedProxies: readonly string[];
  /** Serve HTTPS (and so WSS on the same port) with this certificate and key. */
  tls: TlsIdentity | null;
}

/**
 * Sent with every response: console pages, their assets and API answers alike. No inline script or style, no
 * framing by any site, no sniffing, no referrer to the links an operator follows out of a chat.
 */
export const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
} as const;

/** The HTTP side: plugins, the Origin check, sessions, error shape, OpenAPI and the console's files. */
export async function createApp({
  services,
  log,
  hosts,
  trustedProxies,
  tls,
  ...routeOptions
}: AppOptions): Promise<{ app: App; routeTable: readonly RouteSummary[] }> {
  const app: App = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    trustProxy: trustedProxies.length > 0 ? [...trustedProxies] : false,
    logController: new LogController({ disableRequestLogging: true }),
    // The router's own refusals (a path that is not valid percent-encoding, a parameter longer than it takes) in
    // the one error shape too: Fastify's default body has no code of ours.
    frameworkErrors: (error, _request, reply) => {
      const status = error.statusCode ?? 400;
      return sendError(reply, status, errorCodeForStatus(status), error.message);
    },
    // An https.Server is an http.Server with TLS underneath: one App type, whichever it is.
    serverFactory: (handler) =>
      tls ? https.createServer({ cert: tls.cert, key: tls.key }, handler) : http.createServer(handler),
  }).withTypeProvider<ZodTypeProvider>();
  const routeTable: RouteSummary[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      routeTable.push({ method, url: route.url, access: route.config?.access });
    }
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(fastifyCookie);
  await app.register(fastifyRateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      error: 'rate_limited',
      message: `too many attempts; try again in ${Math.ceil(context.ttl / 1000)} s`,
    }),
  });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Parley', version: '1', description: 'Help-desk chat for managed computers' },
    },
    transform: jsonSchemaTransform,
  });

  app.decorateRequest('operator', null);
  app.decorateRequest('sessionId', null);
  app.addHook('onSend', async (_request, reply) => {
    reply.headers(SECURITY_HEADERS);
    // Served over TLS by this server itself: browsers keep to https for it (behind a proxy, the proxy decides).
    if (tls) reply.header('strict-transport-security', 'max-age=31536000');
  });
  app.addHook('onRequest', async (request, reply) => {
    if (!hosts.allows(request.headers.host)) {
      return sendError(
        reply,
        421,
        'wrong_host',
        'this server does not answer to that name: add it to PARLEY_ALLOWED_HOSTS or set PARLEY_PUBLIC_URL',
      );
    }
    if (
      UNSAFE_METHODS.has(request.method) &&
      !originAllowed(request.headers, request.protocol === 'https', true, routeOptions.publicOrigin)
    ) {
      return sendError(
        reply,
        403,
        'bad_origin',
        'cross-origin request refused (send an Origin header of this server)',
      );
    }
    const signedIn = await services.auth.signedIn(request.cookies[SESSION_COOKIE]);
    request.operator = signedIn?.operator ?? null;
    request.sessionId = signedIn?.session.id ?? null;
  });
  // Before validation: who may not call a route learns nothing from how it checks a body.
  app.addHook('preValidation', checkAccess(services.policy));

  app.setErrorHandler((error, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const first = error.validation[0];
      const where = first?.instancePath ? `${first.instancePath.slice(1).replaceAll('/', '.')}: ` : '';
      return sendError(reply, 400, 'bad_request', `${where}${first?.message ?? 'invalid request'}`);
    }
    if (error instanceof Refused) return sendError(reply, error.status, error.code, error.message);
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status >= 400 && status < 500)
      return sendError(reply, status, errorCodeForStatus(status), (error as Error).message);
    request.log.error({ err: error }, 'request failed');
    return sendError(reply, 500, 'internal', 'something went wrong on the server');
  });

  app.get('/healthz', { config: { access: 'public' }, schema: { hide: true } }, async () => ({
    status: 'ok',
  }));
  app.get('/api/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () =>
    app.swagger(),
  );

  registerRoutes(app, services, routeOptions);

  const dist = consoleDist();
  if (dist) {
    await app.register(fastifyStatic, {
      root: dist,
      wildcard: false,
      // The build writes `.br` and `.gz` beside each asset: sent per Accept-Encoding, with Vary: Accept-Encoding.
      preCompressed: true,
      globIgnore: ['**/*.br', '**/*.gz'],
      // Assets are named by their content's hash: a browser keeps them; the page (index.html) it asks again.
      setHeaders: (reply, path) => {
        if (/[\\/]assets[\\/]/.test(path))
          reply.header('cache-control', 'public, max-age=31536000, immutable');
      },
    });
    app.setNotFoundHandler((request, reply) => {
      if (request.method === 'GET' && !request.url.startsWith('/api/') && !request.url.startsWith('/ws/')) {
        return reply.sendFile('index.html');
      }
      return sendError(reply, 404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`);
    });
  } else {
    log.warn('console is not built (npm run build): serving the API only');
    app.setNotFoundHandler((request, reply) =>
      sendError(reply, 404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`),
    );
  }
  return { app, routeTable };
}
