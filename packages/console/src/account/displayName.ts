import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiCommand } from '../api/http';
import { sessionQuery } from '../auth/session';

/** `PUT /api/auth/display-name`: the signed-in operator's own name, the one end users see; the session takes it. */
export function useDisplayNameChange() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (displayName: string) => apiCommand('PUT', '/api/auth/display-name', { displayName }),
    onSuccess: () => client.invalidateQueries({ queryKey: sessionQuery.queryKey }),
  });
}
