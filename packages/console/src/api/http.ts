import {
  ApiError,
  ChatCreated,
  type ChatInfo,
  EnrollmentTokenCreated,
  OpenChatList,
  OperatorView,
} from '@parley/protocol';

export type ApiResult<T> =
  | { ok: true; status: number; data: T }
  | { ok: false; status: number; error: string; message: string };

interface SafeParser<T> {
  safeParse(data: unknown): { success: true; data: T } | { success: false };
}

const NETWORK_MESSAGE = 'Could not reach the server. Check the connection and try again.';

/**
 * One JSON request to the server's API, never throwing: the parsed answer, or the server's `{error, message}`.
 * The browser sends the session cookie and the Origin header itself.
 */
async function request<T>(
  method: 'GET' | 'POST',
  path: string,
  schema: SafeParser<T> | null,
  body?: unknown,
) {
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
    return { ok: false, status: 0, error: 'network', message: NETWORK_MESSAGE } satisfies ApiResult<T>;
  }
  const text = await response.text().catch(() => '');
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (response.ok) {
    if (schema === null) return { ok: true, status: response.status, data: null as T } satisfies ApiResult<T>;
    const parsed = schema.safeParse(data);
    if (parsed.success)
      return { ok: true, status: response.status, data: parsed.data } satisfies ApiResult<T>;
    return {
      ok: false,
      status: response.status,
      error: 'bad_response',
      message: 'The server sent an answer this console does not understand. Reload the page.',
    } satisfies ApiResult<T>;
  }
  const problem = ApiError.safeParse(data);
  return {
    ok: false,
    status: response.status,
    error: problem.success ? problem.data.error : `http_${response.status}`,
    message: problem.success ? problem.data.message : `The server answered with status ${response.status}.`,
  } satisfies ApiResult<T>;
}

export const api = {
  me: (): Promise<ApiResult<OperatorView>> => request('GET', '/api/auth/me', OperatorView),
  login: (username: string, password: string): Promise<ApiResult<OperatorView>> =>
    request('POST', '/api/auth/login', OperatorView, { username, password }),
  logout: (): Promise<ApiResult<null>> => request<null>('POST', '/api/auth/logout', null),
  openChats: (): Promise<ApiResult<ChatInfo[]>> => request('GET', '/api/chats', OpenChatList),
  openChat: (deviceId: string): Promise<ApiResult<ChatCreated>> =>
    request('POST', `/api/devices/${encodeURIComponent(deviceId)}/chats`, ChatCreated),
  createEnrollmentToken: (): Promise<ApiResult<EnrollmentTokenCreated>> =>
    request('POST', '/api/enrollment-tokens', EnrollmentTokenCreated),
};
