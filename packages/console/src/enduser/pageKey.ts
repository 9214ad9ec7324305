import { pageProofText } from '@parley/protocol';

/**
 * The chat's page key (PROTOCOL.md P-13). The agent puts it in the fragment of the URL it opens (`#k=<base64url>`);
 * the page takes it out of the address bar at once and keeps it as a non-extractable CryptoKey in IndexedDB, which
 * belongs to this origin only (scheme, host and port): a reload finds it again, no other port's page can read it,
 * and even a script of this origin can only use it, never copy it out. On the socket it only ever signs.
 */

const DB_NAME = 'parley-page';
const STORE = 'keys';

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A fresh random nonce, base64url. */
export function newNonce(): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(24)));
}

function openDatabase(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function withStore<T>(
  mode: IDBTransactionMode,
  use: (store: IDBObjectStore) => IDBRequest<T>,
): Promise<T> {
  const db = await openDatabase();
  try {
    return await new Promise<T>((resolve, reject) => {
      const request = use(db.transaction(STORE, mode).objectStore(STORE));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  } finally {
    db.close();
  }
}

/**
 * The page key of `chatId`: from the URL's fragment (stored, then removed from the address bar and the history
 * entry), or from this origin's storage. Null when there is none: the page was not opened by its agent.
 */
export function takePageKey(chatId: string, location: Location, history: History): Promise<CryptoKey | null> {
  // Asked once per chat and page load: the fragment is gone after the first look (React may look twice in dev).
  let taken = keysTaken.get(chatId);
  if (!taken) {
    taken = findPageKey(chatId, location, history);
    keysTaken.set(chatId, taken);
  }
  return taken;
}

const keysTaken = new Map<string, Promise<CryptoKey | null>>();

async function findPageKey(chatId: string, location: Location, history: History): Promise<CryptoKey | null> {
  const fragment = new URLSearchParams(location.hash.slice(1)).get('k');
  if (fragment) {
    history.replaceState(history.state, '', `${location.pathname}${location.search}`);
    try {
      const key = await crypto.subtle.importKey(
        'raw',
        fromBase64Url(fragment),
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['sign', 'verify'],
      );
      // Without storage (a locked-down profile) the page still works; only a reload will not find the key.
      await withStore('readwrite', (store) => store.put(key, chatId)).catch(() => undefined);
      return key;
    } catch {
      return null;
    }
  }
  try {
    const stored = await withStore<unknown>('readonly', (store) => store.get(chatId));
    return stored instanceof CryptoKey ? stored : null;
  } catch {
    return null;
  }
}

/** What this page sends in `page.auth`: its signature over the agent's nonce (and its own). */
export async function pageProof(key: CryptoKey, chatId: string, agentNonce: string, pageNonce: string) {
  const text = new TextEncoder().encode(pageProofText('page', chatId, agentNonce, pageNonce));
  return toBase64Url(new Uint8Array(await crypto.subtle.sign('HMAC', key, text)));
}

/** Whether the agent's `page.challenge` proves it holds the key (constant time, in Web Crypto). */
export async function agentProved(
  key: CryptoKey,
  chatId: string,
  pageNonce: string,
  agentNonce: string,
  proof: string,
): Promise<boolean> {
  try {
    const text = new TextEncoder().encode(pageProofText('agent', chatId, pageNonce, agentNonce));
    return await crypto.subtle.verify('HMAC', key, fromBase64Url(proof), text);
  } catch {
    return false;
  }
}
