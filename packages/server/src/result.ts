/** What a feature's command answers: its value, or a failure whose code says what went wrong (and which HTTP status). */
export type CommandResult<T> =
  | { ok: true; value: T }
  | { ok: false; code: 'not_found' | 'conflict' | 'forbidden' | 'bad_request'; message: string };
