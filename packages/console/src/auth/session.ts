import { OperatorView } from '@parley/protocol';
import { type QueryClient, queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiProblem, apiCommand, apiRequest, isSignedOut } from '../api/http';

/** Who is signed in (null: nobody), and what the sign-in page should say about how the last session went. */
export interface Session {
  operator: OperatorView | null;
  notice: string | null;
  /** The operator signed out (the session did not just end): the next sign-in starts on the device list. */
  signedOut?: boolean;
}

export const SESSION_ENDED = 'Your session has ended. Sign in again.';

/** `GET /api/auth/me`: 401 is "signed out"; a server that cannot be reached is signed out with its reason. */
export const sessionQuery = queryOptions({
  queryKey: ['session'] as const,
  queryFn: async (): Promise<Session> => {
    try {
      return { operator: await apiRequest('GET', '/api/auth/me', OperatorView), notice: null };
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      return { operator: null, notice: isSignedOut(error) ? null : error.message };
    }
  },
  staleTime: Number.POSITIVE_INFINITY,
});

export function useSession() {
  return useQuery(sessionQuery);
}

/** Whether an operator is signed in (as the cache knows it). */
export function signedIn(client: QueryClient): boolean {
  return Boolean(client.getQueryData(sessionQuery.queryKey)?.operator);
}

/** The session is over: everything cached was that operator's, so it goes too; the sign-in page says `notice`. */
export function endSession(client: QueryClient, notice: string | null, signedOut = false): void {
  client.removeQueries({ predicate: (query) => query.queryKey[0] !== sessionQuery.queryKey[0] });
  client.setQueryData(sessionQuery.queryKey, { operator: null, notice, signedOut });
}

/** For the console socket, after a refused upgrade: false only when the server says the session is gone. */
export async function sessionStillValid(): Promise<boolean> {
  try {
    await apiRequest('GET', '/api/auth/me', OperatorView);
    return true;
  } catch (error) {
    return !isSignedOut(error);
  }
}

export function useSignIn() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ username, password }: { username: string; password: string }) =>
      apiRequest('POST', '/api/auth/login', OperatorView, { username, password }),
    onSuccess: (operator) => client.setQueryData(sessionQuery.queryKey, { operator, notice: null }),
  });
}

/**
 * Signs out. `beforeRequest` runs before the request is sent (e.g. to stop the console socket and forget this
 * tab's chat windows): the server closes the session's sockets as it answers, and a socket still listening would
 * take that close for a session ended elsewhere.
 */
export function useSignOut(beforeRequest: () => void) {
  const client = useQueryClient();
  return useMutation({
    onMutate: beforeRequest,
    mutationFn: () => apiCommand('POST', '/api/auth/logout'),
    onSettled: () => endSession(client, null, true),
  });
}
