export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /**
   * `equal` (unless told): between half and all of each step. `full`: anywhere from 0 to the whole step, so that a
   * fleet dropped at once comes back spread evenly over the window, not crowded into its second half.
   */
  jitter?: 'equal' | 'full';
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 15_000 };

/**
 * How long to wait before reconnect attempt number `attempt` (0 = the first retry): exponential, capped, with
 * jitter (`equal`: between half and all of the step; `full`: from 0 to all of it) so many clients dropped at once
 * do not come back in step.
 */
export function reconnectDelay(
  attempt: number,
  random: () => number = Math.random,
  { baseMs, maxMs, jitter = 'equal' }: BackoffOptions = DEFAULT_BACKOFF,
): number {
  const step = Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(attempt, 30)));
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(jitter === 'full' ? r * step : step / 2 + (r * step) / 2);
}
