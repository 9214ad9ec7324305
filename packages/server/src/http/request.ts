import type { ApiErrorCode } from '@parley/protocol';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { OperatorRecord } from '../auth/operatorStore.js';
import { type Action, authorize } from '../rights/policy.js';

/*
 * What every route handler needs from the HTTP layer, with nothing that points back at the routes: features import
 * this, `app.ts` imports the features' routes.
 */

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/**
 * Who may call a route (every /api route says, or the server refuses to serve it): anyone, or a signed-in operator
 * whom the policy allows the route's action.
 */
export type RouteAccess = 'public' | ((request: FastifyRequest) => Action);

declare module 'fastify' {
  interface FastifyRequest {
    operator: OperatorRecord | null;
  }
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

/** A route as the route table lists it (test/access.test.ts walks it). */
export interface RouteSummary {
  method: string;
  url: string;
  access: RouteAccess | undefined;
}

/** A validated path parameter, for a route's `access` (validation runs before it). */
export function param(request: FastifyRequest, name: string): string {
  return String((request.params as Record<string, unknown>)[name] ?? '');
}

/** preHandler of every route: 401 without a session, 403 when the policy says no (issue 7: one place). */
export async function checkAccess(request: FastifyRequest, reply: FastifyReply) {
  const access = request.routeOptions.config.access;
  if (access === 'public' || !request.routeOptions.url?.startsWith('/api/')) return;
  if (access === undefined) {
    return sendError(reply, 500, 'internal', `route ${request.routeOptions.url} declares no access`);
  }
  const operator = request.operator;
  if (!operator) return sendError(reply, 401, 'unauthorized', 'sign in first');
  const decision = authorize({ kind: 'operator', operator }, access(request));
  if (!decision.allowed) return sendError(reply, 403, 'forbidden', decision.message);
}

export interface RouteOptions {
  /** The public origin behind a TLS proxy (PARLEY_PUBLIC_URL); an https one makes cookies Secure. */
  publicOrigin: string | null;
  /** Sign-in attempts allowed per client address and minute. */
  loginAttemptsPerMinute: number;
}

export function sendError(reply: FastifyReply, status: number, error: ApiErrorCode, message: string) {
  return reply.code(status).send({ error, message });
}

/** The operator `checkAccess` let through. */
export function signedIn(request: FastifyRequest): OperatorRecord {
  if (!request.operator)
    throw new Error('checkAccess lets no request without an operator reach this handler');
  return request.operator;
}
