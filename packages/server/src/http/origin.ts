import type { IncomingHttpHeaders } from 'node:http';

/**
 * Cross-site requests carry their page's Origin. State-changing requests and WebSocket upgrades must come from
 * the server's own origin (browsers and API clients both send it); `required: false` lets a client that sends
 * none through (the device agent's socket, which authenticates with its own credential).
 */
export function originAllowed(
  headers: IncomingHttpHeaders,
  secure: boolean,
  required: boolean,
  /** The origin people reach the server at through a TLS proxy (PARLEY_PUBLIC_URL), also allowed. */
  publicOrigin: string | null = null,
): boolean {
  const origin = headers.origin;
  if (origin === undefined) return !required;
  if (publicOrigin !== null && origin.toLowerCase() === publicOrigin.toLowerCase()) return true;
  const host = headers.host;
  if (!host) return false;
  const expected = `${secure ? 'https' : 'http'}://${host}`.toLowerCase();
  return origin.toLowerCase() === expected;
}
