import { ApiError, LoginBody, OperatorView } from '@parley/protocol';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { type App, type RouteOptions, sendError, signedIn } from '../http/request.js';
import type { Services } from '../services.js';
import { presentOperator, SESSION_COOKIE, SESSION_HOURS } from './sessions.js';

/** The session cookie's flags, the same when it is set and when sign-out clears it. */
function sessionCookieFlags(request: FastifyRequest, options: RouteOptions) {
  return {
    httpOnly: true,
    sameSite: 'strict',
    secure: request.protocol === 'https' || options.publicOrigin?.startsWith('https:') === true,
    path: '/',
  } as const;
}

export function registerAuthRoutes(app: App, { auth }: Services, options: RouteOptions): void {
  app.post(
    '/api/auth/login',
    {
      config: { access: 'public', rateLimit: { max: options.loginAttemptsPerMinute, timeWindow: 60_000 } },
      schema: {
        tags: ['auth'],
        summary: 'Sign in; sets the HttpOnly session cookie',
        body: LoginBody,
        response: { 200: OperatorView, 401: ApiError },
      },
    },
    async (request, reply) => {
      const session = await auth.login(request.body.username, request.body.password);
      if (!session) return sendError(reply, 401, 'unauthorized', 'wrong username or password');
      reply.setCookie(SESSION_COOKIE, session.token, {
        ...sessionCookieFlags(request, options),
        maxAge: SESSION_HOURS * 3600,
      });
      return presentOperator(session.operator);
    },
  );

  app.post(
    '/api/auth/logout',
    {
      config: { access: 'public' },
      schema: { tags: ['auth'], summary: 'Sign out', response: { 204: z.null() } },
    },
    async (request, reply) => {
      await auth.logout(request.cookies[SESSION_COOKIE]);
      reply.clearCookie(SESSION_COOKIE, sessionCookieFlags(request, options));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/auth/me',
    {
      config: { access: () => ({ kind: 'session.read' }) },
      schema: {
        tags: ['auth'],
        summary: 'The signed-in operator',
        response: { 200: OperatorView, 401: ApiError },
      },
    },
    async (request) => presentOperator(signedIn(request)),
  );
}
