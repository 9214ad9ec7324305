import { ChatCreated, ChooseUserError, type LoggedOnUser, OpenChatList } from '@parley/protocol';
import { queryOptions } from '@tanstack/react-query';
import { ApiProblem, apiRequest } from '../api/http';

/** `GET /api/chats`: the operator's open chats (the dock puts their windows back). Always asked afresh. */
export const openChatsQuery = queryOptions({
  queryKey: ['chats', 'open'] as const,
  queryFn: () => apiRequest('GET', '/api/chats', OpenChatList),
  staleTime: 0,
});

/**
 * `POST /api/devices/:id/chats` (Instant Messaging, the mutation behind it and behind Retry): a new chat, or the one
 * already open with this device's user, which the agent shows on the user's screen again.
 */
export function openChat(deviceId: string, user?: string): Promise<ChatCreated> {
  const path = `/api/devices/${encodeURIComponent(deviceId)}/chats`;
  return apiRequest('POST', path, ChatCreated, user === undefined ? undefined : { user });
}

/** The people to choose among when `openChat` answered that several are logged on (`choose_user`), else null. */
export function usersToChoose(error: unknown): LoggedOnUser[] | null {
  if (!(error instanceof ApiProblem) || error.code !== 'choose_user') return null;
  const parsed = ChooseUserError.safeParse(error.body);
  return parsed.success ? parsed.data.users : null;
}
