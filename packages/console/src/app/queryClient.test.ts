import { describe, expect, it } from 'vitest';
import { ApiProblem } from '../api/http';
import { SESSION_ENDED, type Session, sessionQuery } from '../auth/session';
import { createQueryClient } from './queryClient';

const operator = { id: 'op-1', username: 'maria', displayName: 'Maria', capabilities: [] };

describe('the console data layer', () => {
  it('a 401 from any request while signed in ends the session, with what the sign-in page says, and drops the cache', async () => {
    const client = createQueryClient();
    client.setQueryData<Session>(sessionQuery.queryKey, { operator, notice: null });
    client.setQueryData(['devices'], ['cached']);
    await client
      .fetchQuery({
        queryKey: ['audit'],
        queryFn: () => Promise.reject(new ApiProblem(401, 'unauthorized', 'sign in first')),
      })
      .catch(() => undefined);
    expect(client.getQueryData(sessionQuery.queryKey)).toEqual({
      operator: null,
      notice: SESSION_ENDED,
      signedOut: false,
    });
    expect(client.getQueryData(['devices'])).toBeUndefined();
  });

  it('another refusal leaves the session as it is', async () => {
    const client = createQueryClient();
    client.setQueryData<Session>(sessionQuery.queryKey, { operator, notice: null });
    await client
      .fetchQuery({
        queryKey: ['audit'],
        queryFn: () => Promise.reject(new ApiProblem(403, 'forbidden', 'not yours')),
      })
      .catch(() => undefined);
    expect(client.getQueryData(sessionQuery.queryKey)).toEqual({ operator, notice: null });
  });
});
