import { ChatCreated, OpenChatList } from '@parley/protocol';
import { queryOptions } from '@tanstack/react-query';
import { apiRequest } from '../api/http';

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
export function openChat(deviceId: string): Promise<ChatCreated> {
  return apiRequest('POST', `/api/devices/${encodeURIComponent(deviceId)}/chats`, ChatCreated);
}
