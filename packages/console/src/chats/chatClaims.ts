/**
 * Which chats are open in a tab of their own (`/chats/<id>`, "Open in new tab"), so the console's dock in another tab
 * does not keep a second live copy. Tabs of the same origin talk over a BroadcastChannel:
 * - a chat tab says `claim` when it opens and whenever asked `who`, and `release` when it closes;
 * - the dock drops a window whose chat is claimed, and asks `who` before putting windows back;
 * - a claim carries what is unread in that tab (`unread`), and is said again whenever that changes, so the dock's
 *   inbox counts it too.
 */
export type ClaimMessage =
  | { type: 'who' }
  | { type: 'claim'; chatId: string; unread?: number }
  | { type: 'release'; chatId: string }
  | { type: 'focus'; chatId: string };

const CHANNEL = 'parley.chat-tabs';

function isClaimMessage(value: unknown): value is ClaimMessage {
  if (typeof value !== 'object' || value === null) return false;
  const { type, chatId } = value as { type?: unknown; chatId?: unknown };
  if (type === 'who') return true;
  const { unread } = value as { unread?: unknown };
  if (unread !== undefined && !(typeof unread === 'number' && Number.isInteger(unread) && unread >= 0))
    return false;
  return (type === 'claim' || type === 'release' || type === 'focus') && typeof chatId === 'string';
}

export interface ClaimChannel {
  post(message: ClaimMessage): void;
  close(): void;
}

/** Opens the channel (null where BroadcastChannel is missing: then nothing is coordinated, nothing breaks). */
export function openClaimChannel(onMessage: (message: ClaimMessage) => void): ClaimChannel | null {
  if (typeof BroadcastChannel === 'undefined') return null;
  const channel = new BroadcastChannel(CHANNEL);
  channel.onmessage = (event: MessageEvent) => {
    if (isClaimMessage(event.data)) onMessage(event.data);
  };
  return {
    post: (message) => channel.postMessage(message),
    close: () => channel.close(),
  };
}

/** Asks the other tabs which chats they hold; answers that come within `ms`. */
export function chatsHeldElsewhere(ms = 250): Promise<Set<string>> {
  const held = new Set<string>();
  const channel = openClaimChannel((message) => {
    if (message.type === 'claim') held.add(message.chatId);
  });
  if (!channel) return Promise.resolve(held);
  channel.post({ type: 'who' });
  return new Promise((resolve) =>
    setTimeout(() => {
      channel.close();
      resolve(held);
    }, ms),
  );
}

/** Asks the tab that holds a chat to come to the front (browsers may only flash it). */
export function focusChatTab(chatId: string): void {
  const channel = openClaimChannel(() => {});
  channel?.post({ type: 'focus', chatId });
  channel?.close();
}
