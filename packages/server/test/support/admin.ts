import type { ParleyServer } from '../../src/server.js';

/**
 * Gives `admin` the display name an administrator sets before their first chat (a first start leaves it blank, and
 * no chat opens under a blank name): the tests' chats come from "Administrator".
 */
export async function nameAdmin(server: ParleyServer, displayName = 'Administrator'): Promise<void> {
  const admin = await server.store.operators.findByUsername('admin');
  if (admin && admin.displayName === '') await server.store.operators.update(admin.id, { displayName });
}
