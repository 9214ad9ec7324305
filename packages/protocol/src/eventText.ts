import type { ChatEventName, Person } from './protocol.js';

/** The words shown for a chat event, on both ends of the chat. */
export function eventText(event: ChatEventName, from: Person | null): string {
  const name = from?.name.trim() || null;
  switch (event) {
    case 'chat_opened':
      return name ? `Chat started by ${name}` : 'Chat started';
    case 'end_user_connected':
      return name ? `${name} joined the chat` : 'The user joined the chat';
    case 'end_user_disconnected':
      return 'User is disconnected';
    case 'chat_closed':
      return name ? `${name} closed the chat` : 'The chat was closed';
    case 'operator_left':
      // P-34: the operator signed out (the chat stays open).
      return name ? `${name} signed out` : 'The operator signed out';
    case 'page_failed':
      return 'The chat window could not be opened on the user’s screen';
    case 'access_revoked':
      return 'The chat ended: the operator may no longer chat with this computer';
    case 'device_removed':
      return 'The chat ended: this computer was removed from the help desk';
    case 'credential_revoked':
      return 'The chat ended: this computer was locked out of the help desk';
  }
}
