import type { ChatEntry, ChatEventName } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import type { TimelineItem } from './chatState';
import { foldPresence } from './fold';

function event(seq: number, name: ChatEventName): TimelineItem {
  const entry: ChatEntry = { kind: 'event', seq, at: `2026-01-01T10:0${seq}:00Z`, event: name, from: null };
  return { kind: 'entry', entry };
}
function message(seq: number): TimelineItem {
  const entry: ChatEntry = {
    kind: 'message',
    seq,
    at: '2026-01-01T10:00:00Z',
    clientId: `client-${seq}-xx`,
    from: { role: 'end_user', name: 'sam' },
    text: 'hi',
  };
  return { kind: 'entry', entry };
}
const seqs = (items: ReturnType<typeof foldPresence>) =>
  items.map((i) => (i.item.kind === 'entry' ? i.item.entry.seq : 0));

describe('folding drops and returns', () => {
  it('folds a run of drops and returns into its last line, with the number of drops', () => {
    const items = [
      event(1, 'chat_opened'),
      event(2, 'end_user_connected'),
      event(3, 'end_user_disconnected'),
      event(4, 'end_user_connected'),
      event(5, 'end_user_disconnected'),
      event(6, 'end_user_connected'),
      message(7),
    ];
    const shown = foldPresence(items);
    expect(seqs(shown)).toEqual([1, 2, 6, 7]);
    expect(shown[1]).toMatchObject({ reconnect: false, folded: null });
    expect(shown[2]).toMatchObject({ reconnect: true, folded: { drops: 2, since: '2026-01-01T10:03:00Z' } });
  });

  it('keeps one drop and its return as two lines, and runs cut by a message apart', () => {
    const items = [
      event(1, 'end_user_connected'),
      event(2, 'end_user_disconnected'),
      event(3, 'end_user_connected'),
      message(4),
      event(5, 'end_user_disconnected'),
    ];
    const shown = foldPresence(items);
    expect(seqs(shown)).toEqual([1, 2, 3, 4, 5]);
    expect(shown.every((s) => s.folded === null)).toBe(true);
    expect(shown.map((s) => s.reconnect)).toEqual([false, true, true, false, true]);
  });

  it('a first drop (no join seen) starts the presence: what follows is a return', () => {
    const shown = foldPresence([event(1, 'end_user_disconnected'), event(2, 'end_user_connected')]);
    expect(shown.map((s) => s.reconnect)).toEqual([false, true]);
  });
});
