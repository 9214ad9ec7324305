import type { ChatClientFrame, ChatServerFrame } from '@parley/protocol';

/** What a chat hears from its transport. */
export interface ChatTransportListener {
  /** A frame for this chat (or an `error` that may concern it: the chat checks `ref`). */
  frame(frame: ChatServerFrame): void;
  /** The transport is (again) able to carry chat frames: subscribe, then resend what is pending. */
  ready(): void;
  /** The transport dropped; `ready()` follows when it is back. */
  down(): void;
}

/**
 * The one thing `useChat` needs from a socket. The console's `/ws/console` (shared by every chat window) and the
 * end-user page's `/ws/page` (one chat) both provide it.
 */
export interface ChatTransport {
  /** Whether frames can be sent now. */
  readonly ready: boolean;
  /** Sends a frame; false when it could not be sent now (the chat keeps it and sends it on `ready`). */
  send(frame: ChatClientFrame): boolean;
  /** Starts listening; returns the function that stops. */
  listen(listener: ChatTransportListener): () => void;
}
