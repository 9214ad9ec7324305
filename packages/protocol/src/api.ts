import { z } from 'zod/mini';
import { ChatInfo, DeviceSummary, LoggedOnUser, MAX_USER_NAME_CHARS } from './protocol.js';

/** REST bodies and answers, shared by the server's routes, the console and the CLIs. */

export const LoginBody = z.object({
  username: z.string().check(z.minLength(1), z.maxLength(128)),
  password: z.string().check(z.minLength(1), z.maxLength(1024)),
});
export type LoginBody = z.infer<typeof LoginBody>;

export const OperatorView = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  capabilities: z.array(z.string()),
});
export type OperatorView = z.infer<typeof OperatorView>;

export const EnrollBody = z.object({
  token: z.string().check(z.minLength(16), z.maxLength(256)),
  name: z.string().check(z.minLength(1), z.maxLength(256)),
  os: z.string().check(z.maxLength(128)),
});
export type EnrollBody = z.infer<typeof EnrollBody>;

export const EnrollResult = z.object({ deviceId: z.string(), credential: z.string() });
export type EnrollResult = z.infer<typeof EnrollResult>;

export const DeviceList = z.array(DeviceSummary);

export const OpenChatList = z.array(ChatInfo);

/** 201 for a new chat; 200 with `reused` when the operator's open chat with this device and user is shown again. */
export const ChatCreated = z.object({ chatId: z.string(), reused: z.boolean() });
export type ChatCreated = z.infer<typeof ChatCreated>;

/**
 * `POST /api/devices/:id/chats`: with whom. Without `user`, a device with one person logged on opens a chat with
 * them, one with several answers 409 `choose_user` with the list to choose from (`ChooseUserError`).
 */
export const OpenChatBody = z.object({
  user: z.optional(z.string().check(z.minLength(1), z.maxLength(MAX_USER_NAME_CHARS))),
});
export type OpenChatBody = z.infer<typeof OpenChatBody>;

export const ApiErrorCode = z.enum([
  'bad_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'no_user_logged_on',
  /** Several people are logged on to the device: the answer lists them (`ChooseUserError`). */
  'choose_user',
  /** The person asked for is not (or no longer) logged on to the device. */
  'user_not_logged_on',
  /** The operator has no display name yet: the end user would not know who writes to them. */
  'display_name_required',
  'device_offline',
  'license_required',
  'invalid_license',
  'license_exceeded',
  'invalid_token',
  'bad_origin',
  'rate_limited',
  'method_not_allowed',
  'conflict',
  'too_large',
  'unsupported_media_type',
  'wrong_host',
  'internal',
]);

/** The code of an error that only its HTTP status describes (a framework's own 4xx): one code per status. */
export function errorCodeForStatus(status: number): ApiErrorCode {
  switch (status) {
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 405:
      return 'method_not_allowed';
    case 409:
      return 'conflict';
    case 413:
      return 'too_large';
    case 415:
      return 'unsupported_media_type';
    case 421:
      return 'wrong_host';
    case 429:
      return 'rate_limited';
    default:
      return status >= 500 ? 'internal' : 'bad_request';
  }
}
export type ApiErrorCode = z.infer<typeof ApiErrorCode>;

export const ApiError = z.object({ error: z.string(), message: z.string() });
export type ApiError = z.infer<typeof ApiError>;

/** 409 of `POST /api/devices/:id/chats` when several people are logged on: who, the console session first. */
export const ChooseUserError = z.object({
  error: z.literal('choose_user'),
  message: z.string(),
  users: z.array(LoggedOnUser),
});
export type ChooseUserError = z.infer<typeof ChooseUserError>;
