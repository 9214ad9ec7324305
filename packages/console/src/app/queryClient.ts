import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { ApiProblem, isSignedOut } from '../api/http';
import { endSession, SESSION_ENDED, signedIn } from '../auth/session';
import { licenseMayHaveChanged } from '../license/licenseQuery';

/**
 * The console's one data layer: every server answer goes through this client's queries and mutations. An answer
 * that says the session is gone (401) while signed in ends it here, whichever screen asked. No retries and no
 * refetch on focus: the console socket keeps what changes live, and a failure is shown as it is.
 */
export function createQueryClient(): QueryClient {
  const onError = (error: unknown) => {
    if (isSignedOut(error) && signedIn(client)) endSession(client, SESSION_ENDED);
    if (error instanceof ApiProblem && error.code.startsWith('license_')) licenseMayHaveChanged(client);
  };
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({ onError }),
    mutationCache: new MutationCache({ onError }),
    defaultOptions: {
      queries: { retry: false, refetchOnWindowFocus: false },
      mutations: { retry: false },
    },
  });
  return client;
}
