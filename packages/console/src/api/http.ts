import { ApiError } from '@parley/protocol';

/** A request the server refused or could not answer: its status (0: no answer), `{error}` code and message. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The whole answer, for errors that carry more than a code and a message (e.g. `choose_user`'s list). */
    readonly body: unknown = null,
  ) {
    super(message);
    this.name = 'ApiProblem';
  }
}

interface SafeParser<T> {
  safeParse(data: unknown): { success: true; data: T } | { success: false };
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

const NETWORK_MESSAGE = 'Could not reach the server. Check the connection and try again.';

/** Sends one request; the JSON answer of a 2xx, else an `ApiProblem` with the server's `{error, message}`. */
async function send(method: Method, path: string, body: unknown): Promise<{ status: number; data: unknown }> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers:
        body === undefined
          ? { Accept: 'application/json' }
          : { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiProblem(0, 'network', NETWORK_MESSAGE);
  }
  const text = await response.text().catch(() => '');
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (response.ok) return { status: response.status, data };
  const problem = ApiError.safeParse(data);
  throw problem.success
    ? new ApiProblem(response.status, problem.data.error, problem.data.message, data)
    : new ApiProblem(
        response.status,
        `http_${response.status}`,
        `The server answered with status ${response.status}.`,
      );
}

/**
 * One JSON request to the server's API: the answer, checked against `schema`, or an `ApiProblem`. The browser sends
 * the session cookie and the Origin header. The queries and mutations of each feature call this; nothing else
 * fetches.
 */
export async function apiRequest<T>(
  method: Method,
  path: string,
  schema: SafeParser<T>,
  body?: unknown,
): Promise<T> {
  const { status, data } = await send(method, path, body);
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  throw new ApiProblem(
    status,
    'bad_response',
    'The server sent an answer this console does not understand. Reload the page.',
  );
}

/** A request whose answer has no body worth reading (e.g. sign out, a 204 of a change). */
export async function apiCommand(
  method: Exclude<Method, 'GET'>,
  path: string,
  body?: unknown,
): Promise<void> {
  await send(method, path, body);
}

/** Whether an error is the server saying the session is gone. */
export function isSignedOut(error: unknown): boolean {
  return error instanceof ApiProblem && error.status === 401;
}
