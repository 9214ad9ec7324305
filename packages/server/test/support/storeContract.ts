import type { NewChat } from '../../src/chats/chatStore.js';
import type { NewDevice, NewEnrollmentToken } from '../../src/devices/deviceStore.js';
import { uuidv7 } from '../../src/ids.js';
import type { OperatorRecord } from '../../src/operators/operatorStore.js';
import type { Store } from '../../src/store/store.js';

/**
 * A feature store's part of the store contract (`<name>Store.contract.ts`): it registers its tests, which reach the
 * store through `store()`. src/store/store.contract.test.ts runs each part on a fresh SQLite and PostgreSQL
 * database, so one part's rows never meet another part's assertions.
 */
export type StoreContract = (store: () => Store) => void;

/** The n-th second of 2026: the times the contract tests write. */
export const at = (n: number): string => new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();

/** An operator the parts that need one create first. */
export const alice: OperatorRecord = {
  id: 'op1',
  username: 'alice',
  displayName: 'Alice Admin',
  passwordHash: 'h',
  capabilities: ['x'],
  disabled: false,
  superAdmin: false,
};

/** A device the parts that need one create first. */
export const pc1: NewDevice = { id: 'dev1', name: 'PC-1', os: 'linux', credentialHash: 'c' };

/** An enrollment token of `op1` whose hash (and id) is `hash`, valid until `expiresAt`, for `maxUses` devices. */
export function enrollmentToken(hash: string, expiresAt: string, maxUses = 1): NewEnrollmentToken {
  return {
    id: `id-${hash}`,
    tokenHash: hash,
    label: '',
    createdBy: 'op1',
    createdAt: at(0),
    expiresAt,
    maxUses,
    deviceGroupId: null,
  };
}

/**
 * Opens a chat of alice on pc1 (both created first) with an end user of its own (one open chat per operator, device
 * and end user); returns its id.
 */
export async function openChatOf(store: Store, chat: Partial<NewChat> = {}): Promise<string> {
  const id = chat.id ?? uuidv7();
  await store.chats.create(
    {
      id,
      deviceId: pc1.id,
      operatorId: alice.id,
      operatorName: alice.displayName,
      endUserName: `bob-${id}`,
      openedAt: at(1),
      recorded: false,
      ...chat,
    },
    { role: 'operator', name: alice.displayName },
  );
  return id;
}
