import type { ApiErrorCode } from '@parley/protocol';

/** What a feature's command answers: its value, or a failure whose code says what went wrong (and which HTTP status). */
export type CommandResult<T> =
  | { ok: true; value: T }
  | {
      ok: false;
      code: 'not_found' | 'conflict' | 'forbidden' | 'bad_request' | 'invalid_license';
      message: string;
    };

/**
 * A refusal thrown from inside a transaction (which it rolls back), e.g. an enrollment past the license's device
 * limit; the HTTP layer answers it with its status and `{error: code, message}`.
 */
export class Refused extends Error {
  constructor(
    readonly code: ApiErrorCode,
    readonly status: 400 | 403 | 404 | 409,
    message: string,
  ) {
    super(message);
    this.name = 'Refused';
  }
}
