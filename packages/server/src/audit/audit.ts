import { uuidv7 } from '../ids.js';
import type { Store } from '../store/store.js';

/** Who does a change, for its audit row: an operator (their username), `cli`, or `system`; and from where. */
export interface Doer {
  name: string;
  address: string | null;
  /** Only the super-administrator (or the server's own command line) may change the super-administrator. */
  superAdmin?: boolean;
}

/** `parley` on the server: whoever runs it owns the server (it resets a lost admin password). */
export const CLI: Doer = { name: 'cli', address: null, superAdmin: true };

/** The server itself: what nobody asked for (a chat ended by a revocation, the demo agent's enrollment). */
export const SYSTEM: Doer = { name: 'system', address: null };

/** Writes the audit row of a change; call it with the store of the change's transaction, so both commit or neither. */
export function audit(
  tx: Store,
  doer: Doer,
  action: string,
  target: string | null,
  details: Record<string, unknown> = {},
  at: Date = new Date(),
): Promise<void> {
  return tx.audit.append({
    id: uuidv7(),
    at: at.toISOString(),
    actor: doer.name,
    action,
    target,
    address: doer.address,
    details,
  });
}
