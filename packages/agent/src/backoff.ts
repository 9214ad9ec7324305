/**
 * Delay before reconnect attempt `attempt` (0-based): exponential from `baseMs` up to `maxMs`, with "equal jitter"
 * (half fixed, half random) so a server restart is not met by every agent at the same instant.
 */
export function backoffDelay(attempt: number, baseMs = 500, maxMs = 30_000, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
