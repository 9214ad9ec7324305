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
import type { OperatorRecord } from '../store/store.js';

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

declare module 'fastify' {
  interface FastifyRequest {
    operator: OperatorRecord | null;
  }
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

/** preHandler: the request's session operator, or 401. */
export async function requireOperator(request: FastifyRequest, reply: FastifyReply) {
  if (!request.operator) return sendError(reply, 401, 'unauthorized', 'sign in first');
}

/** The operator `requireOperator` let through. */
export function signedIn(request: FastifyRequest): OperatorRecord {
  if (!request.operator) throw new Error('requireOperator must run before this handler');
  return request.operator;
}
