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
import type { Doer } from '../audit/audit.js';
import type { Operator } from '../operators/operator.js';
import type { CommandResult } from '../result.js';
import type { Action, Policy } from '../rights/policy.js';

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
    operator: Operator | null;
    /** The session's id (its token's hash) when signed in. */
    sessionId: string | null;
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
export function checkAccess(policy: Policy) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const access = request.routeOptions.config.access;
    if (access === 'public' || !request.routeOptions.url?.startsWith('/api/')) return;
    if (access === undefined) {
      return sendError(reply, 500, 'internal', `route ${request.routeOptions.url} declares no access`);
    }
    const operator = request.operator;
    if (!operator) return sendError(reply, 401, 'unauthorized', 'sign in first');
    const action = access(request);
    // A device the operator may not read does not exist for them: 404, whatever the route would do with it.
    if (
      'deviceId' in action &&
      !(await policy.may(operator, { kind: 'device.read', deviceId: action.deviceId }))
    ) {
      return sendError(reply, 404, 'not_found', 'no such device');
    }
    const decision = await policy.authorize({ kind: 'operator', operator }, action);
    if (!decision.allowed) return sendError(reply, 403, decision.code ?? 'forbidden', decision.message);
  };
}

/** Who did it and from where, for the audit row of a change a route makes. */
export function doer(request: FastifyRequest): Doer & { operatorId: string } {
  const operator = signedIn(request);
  return {
    name: operator.username,
    address: request.ip,
    operatorId: operator.id,
    superAdmin: operator.superAdmin,
  };
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
export function signedIn(request: FastifyRequest): Operator {
  if (!request.operator)
    throw new Error('checkAccess lets no request without an operator reach this handler');
  return request.operator;
}

const FAILURE_STATUS = {
  not_found: 404,
  conflict: 409,
  forbidden: 403,
  bad_request: 400,
  invalid_license: 400,
} as const;

/** Sends a command's value with `status`, or its failure with the status its code names. */
export function sendResult<T>(reply: FastifyReply, result: CommandResult<T>, status = 200) {
  if (!result.ok) return sendError(reply, FAILURE_STATUS[result.code], result.code, result.message);
  return status === 204 ? reply.code(204).send(null) : reply.code(status).send(result.value);
}
