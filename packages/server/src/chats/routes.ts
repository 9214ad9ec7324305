import { ApiError, ChatCreated, ChooseUserError, OpenChatBody, OpenChatList } from '@parley/protocol';
import { z } from 'zod/mini';
import { SESSION_COOKIE } from '../auth/sessions.js';
import { type App, param, sendError, signedIn } from '../http/request.js';
import type { Services } from '../services.js';
import type { OpenChatError } from './chats.js';

const openErrors: Record<OpenChatError, { status: 403 | 404 | 409; message: string }> = {
  not_found: { status: 404, message: 'no such device' },
  forbidden: { status: 403, message: 'you may not chat with this device' },
  license_required: { status: 403, message: 'instant messaging needs a valid Direct Access license' },
  device_offline: { status: 409, message: 'the device is offline' },
  no_user_logged_on: {
    status: 409,
    message: 'Instant messaging is not possible: no user is logged on to this device.',
  },
  choose_user: {
    status: 409,
    message: 'Several people are logged on to this device: choose one (send {"user": NAME}).',
  },
  user_not_logged_on: {
    status: 409,
    message: 'That person is not logged on to this device (any more): choose someone who is.',
  },
  display_name_required: {
    status: 409,
    message:
      'Set the name the end user will see you as first (PUT /api/auth/display-name, or Account in the console).',
  },
};

export function registerChatRoutes(app: App, { chats }: Services): void {
  app.get(
    '/api/chats',
    {
      config: { access: () => ({ kind: 'session.read' }) },
      schema: {
        tags: ['chats'],
        summary: 'The signed-in operator’s open chats, oldest first',
        response: { 200: OpenChatList, 401: ApiError },
      },
    },
    async (request) => chats.openChatsOfOperator(signedIn(request)),
  );

  app.post(
    '/api/devices/:id/chats',
    {
      // Each chat opens a window on somebody's desktop: an operator opening dozens a minute is a script gone wrong.
      config: {
        access: (request) => ({ kind: 'chat.open', deviceId: param(request, 'id') }),
        rateLimit: {
          max: 30,
          timeWindow: 60_000,
          keyGenerator: (request) => request.cookies[SESSION_COOKIE] ?? request.ip,
        },
      },
      schema: {
        tags: ['chats'],
        summary:
          'Opens a chat with the user logged on to the device (201), or shows again the one already open with them (200)',
        description:
          'With several people logged on, `user` says which (409 `choose_user` lists them otherwise, the console session first); 409 `user_not_logged_on` for a `user` who is not; 409 `display_name_required` while the operator has no display name (the end user is told who writes by it).',
        params: z.object({ id: z.string().check(z.minLength(1), z.maxLength(64)) }),
        // Optional: a client from before it sends no body.
        body: z.nullish(OpenChatBody),
        response: {
          200: ChatCreated,
          201: ChatCreated,
          401: ApiError,
          403: ApiError,
          404: ApiError,
          409: z.union([ChooseUserError, ApiError]),
        },
      },
    },
    async (request, reply) => {
      const result = await chats.open(signedIn(request), request.params.id, request.ip, request.body?.user);
      if (!result.ok) {
        const { status, message } = openErrors[result.error];
        if (result.error === 'choose_user')
          return reply.code(status).send({ error: result.error, message, users: result.users ?? [] });
        return sendError(reply, status, result.error, message);
      }
      return reply.code(result.reused ? 200 : 201).send({ chatId: result.chatId, reused: result.reused });
    },
  );
}
