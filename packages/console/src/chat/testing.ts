import type { ChatClientFrame, ChatEntry, ChatInfo, ChatServerFrame } from '@parley/protocol';
import type { ChatTransport, ChatTransportListener } from './transport';

export { FakeSockets } from '../../../protocol/src/testing';

/** Test helpers (not shipped: only tests import this module). */

/** A chat's facts as the server sends them, for tests; `overrides` changes what a test cares about. */
export function chatInfo(overrides: Partial<ChatInfo> = {}): ChatInfo {
  return {
    chatId: 'chat-1',
    deviceId: 'dev-1',
    deviceName: 'PC-042',
    operatorName: 'Olga Operator',
    endUserName: 'Sam',
    status: 'open',
    recorded: false,
    organization: 'Acme IT',
    receipts: { operator: { deliveredSeq: 0, readSeq: 0 }, end_user: { deliveredSeq: 0, readSeq: 0 } },
    ...overrides,
  };
}

export function message(
  seq: number,
  role: 'operator' | 'end_user',
  text: string,
  clientId = `client-${seq}-id`,
) {
  return {
    kind: 'message',
    seq,
    at: `2025-01-01T10:00:${String(seq % 60).padStart(2, '0')}.000Z`,
    clientId,
    from: { role, name: role === 'operator' ? 'Olga Operator' : 'Sam' },
    text,
  } satisfies ChatEntry;
}

export function event(
  seq: number,
  name: Extract<ChatEntry, { kind: 'event' }>['event'],
  role: 'operator' | 'end_user' | null = null,
) {
  return {
    kind: 'event',
    seq,
    at: '2025-01-01T10:00:00.000Z',
    event: name,
    from: role === null ? null : { role, name: role === 'operator' ? 'Olga Operator' : 'Sam' },
  } satisfies ChatEntry;
}

/** A transport the test drives: records what the chat sends, and plays the server. */
export class FakeTransport implements ChatTransport {
  ready = false;
  sent: ChatClientFrame[] = [];
  private listeners = new Set<ChatTransportListener>();

  send(frame: ChatClientFrame): boolean {
    if (!this.ready) return false;
    this.sent.push(frame);
    return true;
  }

  listen(listener: ChatTransportListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  up(): void {
    this.ready = true;
    for (const l of [...this.listeners]) l.ready();
  }

  down(): void {
    this.ready = false;
    for (const l of [...this.listeners]) l.down();
  }

  receive(frame: ChatServerFrame): void {
    for (const l of [...this.listeners]) l.frame(frame);
  }

  take(): ChatClientFrame[] {
    const sent = this.sent;
    this.sent = [];
    return sent;
  }
}
