export { eventText } from '@parley/protocol';

/** An `end_user_connected` after the user had dropped: they are back. */
export function reconnectedText(name: string | null): string {
  return name ? `${name} is connected again` : 'The user is connected again';
}

/** An `end_user_disconnected`, in the timeline: the user by name, as in the other lines. */
export function disconnectedText(name: string): string {
  return `${name} is disconnected`;
}

export function typingText(name: string): string {
  return `${name} is typing…`;
}

export function waitingText(name: string): string {
  return `Waiting for ${name} to open the chat…`;
}

/** "Chat with <end user> on <device>": the chat window's title and its region's accessible name. */
export function chatTitle(endUserName: string, deviceName: string): string {
  return `Chat with ${endUserName} on ${deviceName}`;
}
