import {
  ApiError,
  ChangeOwnDisplayNameBody,
  ChangeOwnPasswordBody,
  LoginBody,
  OperatorView,
  SessionList,
} from '@parley/protocol';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod/mini';
import { type App, doer, type RouteOptions, sendError, sendResult, signedIn } from '../http/request.js';
import type { Services } from '../services.js';
import { type Client, presentOperator, SESSION_COOKIE, SESSION_HOURS } from './sessions.js';

export function clientOf(request: FastifyRequest): Client {
  return { address: request.ip, userAgent: request.headers['user-agent'] ?? null };
}

/** "45 s", "3 min": how long to wait, as a person says it. */
export function waitText(seconds: number): string {
  return seconds < 90 ? `${seconds} s` : `${Math.ceil(seconds / 60)} min`;
}

/** The session cookie's flags, the same when it is set and when sign-out clears it. */
function sessionCookieFlags(request: FastifyRequest, options: RouteOptions) {
  return {
    httpOnly: true,
    sameSite: 'strict',
    secure: request.protocol === 'https' || options.publicOrigin?.startsWith('https:') === true,
    path: '/',
  } as const;
}

export function registerAuthRoutes(
  app: App,
  { auth, operators, chats }: Services,
  options: RouteOptions,
): void {
  app.post(
    '/api/auth/login',
    {
      config: { access: 'public', rateLimit: { max: options.loginAttemptsPerMinute, timeWindow: 60_000 } },
      schema: {
        tags: ['auth'],
        summary: 'Sign in; sets the HttpOnly session cookie',
        body: LoginBody,
        response: { 200: OperatorView, 401: ApiError, 403: ApiError, 429: ApiError },
      },
    },
    async (request, reply) => {
      const session = await auth.login(request.body.username, request.body.password, clientOf(request));
      if (!session.ok) {
        if (session.reason === 'locked') {
          reply.header('retry-after', String(session.retryAfterSeconds));
          return sendError(
            reply,
            429,
            'rate_limited',
            `too many failed sign-ins; try again in ${waitText(session.retryAfterSeconds)}`,
          );
        }
        if (session.reason === 'disabled') {
          return sendError(reply, 403, 'forbidden', 'this operator is disabled; ask an administrator');
        }
        return sendError(reply, 401, 'unauthorized', 'wrong username or password');
      }
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
      const ended = await auth.logout(request.cookies[SESSION_COOKIE], clientOf(request));
      // P-34: signed out for good (no other session): the people they were chatting with are told.
      if (ended?.lastSession) await chats.operatorSignedOut(ended.operatorId);
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

  app.put(
    '/api/auth/display-name',
    {
      config: { access: () => ({ kind: 'session.read' }) },
      schema: {
        tags: ['auth'],
        summary:
          'Change your own display name: the name the people you chat with see (chats opened from now on)',
        body: ChangeOwnDisplayNameBody,
        response: { 204: z.null(), 400: ApiError, 401: ApiError },
      },
    },
    async (request, reply) =>
      sendResult(
        reply,
        await operators.changeOwnDisplayName(signedIn(request), request.body.displayName, doer(request)),
        204,
      ),
  );

  app.put(
    '/api/auth/password',
    {
      config: { access: () => ({ kind: 'session.read' }) },
      schema: {
        tags: ['auth'],
        summary: 'Change your own password (the current one first); your other sessions end',
        body: ChangeOwnPasswordBody,
        response: { 204: z.null(), 400: ApiError, 401: ApiError },
      },
    },
    async (request, reply) =>
      sendResult(
        reply,
        await operators.changeOwnPassword(
          signedIn(request),
          request.body.currentPassword,
          request.body.newPassword,
          request.sessionId ?? '',
          doer(request),
        ),
        204,
      ),
  );

  app.get(
    '/api/auth/sessions',
    {
      config: { access: () => ({ kind: 'session.read' }) },
      schema: {
        tags: ['auth'],
        summary: 'Your live sessions, the latest used first',
        response: { 200: SessionList, 401: ApiError },
      },
    },
    async (request) =>
      (await auth.sessionsOf(signedIn(request).id)).map((session) => ({
        id: session.id,
        createdAt: session.createdAt,
        lastSeenAt: session.lastSeenAt,
        expiresAt: session.expiresAt,
        address: session.address,
        userAgent: session.userAgent,
        current: session.id === request.sessionId,
      })),
  );

  app.delete(
    '/api/auth/sessions/:id',
    {
      config: { access: () => ({ kind: 'session.read' }) },
      schema: {
        tags: ['auth'],
        summary: 'End one of your sessions',
        params: z.object({ id: z.string().check(z.minLength(1), z.maxLength(128)) }),
        response: { 204: z.null(), 401: ApiError, 404: ApiError },
      },
    },
    async (request, reply) =>
      sendResult(reply, await auth.endSession(signedIn(request), request.params.id, clientOf(request)), 204),
  );
}
