import { describe, expect, it } from 'vitest';
import { chatTitle, eventText, typingText, waitingText } from './eventText';

const sam = { role: 'end_user' as const, name: 'Sam' };
const olga = { role: 'operator' as const, name: 'Olga' };

describe('event texts', () => {
  it('names who caused each event', () => {
    expect(eventText('chat_opened', olga)).toBe('Chat started by Olga');
    expect(eventText('end_user_connected', sam)).toBe('Sam joined the chat');
    expect(eventText('end_user_disconnected', sam)).toBe('User is disconnected');
    expect(eventText('chat_closed', sam)).toBe('Sam closed the chat');
    expect(eventText('operator_left', olga)).toBe('Olga signed out');
  });

  it('has words for events no person caused', () => {
    expect(eventText('chat_opened', null)).toBe('Chat started');
    expect(eventText('end_user_disconnected', null)).toBe('User is disconnected');
    expect(eventText('chat_closed', null)).toBe('The chat was closed');
    expect(eventText('operator_left', { role: 'operator', name: '  ' })).toBe('The operator signed out');
  });

  it('builds the other sentences', () => {
    expect(typingText('Sam')).toBe('Sam is typing…');
    expect(waitingText('Sam')).toBe('Waiting for Sam to open the chat…');
    expect(chatTitle('Sam', 'PC-042')).toBe('Chat with Sam on PC-042');
  });
});
