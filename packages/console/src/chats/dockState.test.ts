import { describe, expect, it } from 'vitest';
import {
  DOCK_KEY,
  dockLayout,
  dockOpen,
  dockRemove,
  dockRestore,
  dockRoom,
  dockShow,
  dockToggleMinimized,
  loadDock,
  MINIMIZED_WIDTH,
  saveDock,
} from './dockState';

const a = { chatId: 'a', deviceName: 'PC-1', endUserName: 'sam' };
const b = { chatId: 'b', deviceName: 'PC-2', endUserName: null };

describe('dock', () => {
  it('opens windows side by side, once each', () => {
    let dock = dockOpen([], a);
    dock = dockOpen(dock, b);
    dock = dockToggleMinimized(dock, 'a');
    expect(dock.map((c) => [c.chatId, c.minimized])).toEqual([
      ['a', true],
      ['b', false],
    ]);
    // Opened again: shown, and moved to the newest place (a collapsed window comes back into the dock).
    dock = dockOpen(dock, a);
    expect(dock.map((c) => [c.chatId, c.minimized])).toEqual([
      ['b', false],
      ['a', false],
    ]);
    expect(dockRemove(dock, 'a').map((c) => c.chatId)).toEqual(['b']);
  });

  it('is kept across a reload, ignoring junk', () => {
    const data = new Map<string, string>();
    const storage = {
      getItem: (k: string) => data.get(k) ?? null,
      setItem: (k: string, v: string) => {
        data.set(k, v);
      },
      removeItem: (k: string) => {
        data.delete(k);
      },
    };
    const dock = dockOpen(dockOpen([], a), b);
    saveDock(storage, dock);
    expect(loadDock(storage)).toEqual(dock);
    saveDock(storage, []);
    expect(data.has(DOCK_KEY)).toBe(false);
    data.set(
      DOCK_KEY,
      JSON.stringify([{ chatId: 'x' }, { ...a, minimized: false }, { ...a, minimized: true }, 7]),
    );
    expect(loadDock(storage)).toEqual([{ ...a, minimized: false }]);
    data.set(DOCK_KEY, '{');
    expect(loadDock(storage)).toEqual([]);
  });

  it('puts back the windows of open chats: its own as they were, the others minimized', () => {
    const mine = dockToggleMinimized(dockOpen(dockOpen([], a), b), 'b');
    const open = [
      { chatId: 'a', deviceId: 'd1', deviceName: 'PC-1', endUserName: 'sam' },
      { chatId: 'c', deviceId: 'd3', deviceName: 'PC-3', endUserName: 'kim' },
      { chatId: 'p', deviceId: 'd4', deviceName: 'PC-4', endUserName: 'lee' },
    ];
    const restored = dockRestore(mine, open, { elsewhere: new Set(['p']), dropClosed: new Set(['a', 'b']) });
    expect(restored).toEqual([
      { ...a, deviceId: 'd1', minimized: false },
      { chatId: 'c', deviceId: 'd3', deviceName: 'PC-3', endUserName: 'kim', minimized: true },
    ]);
    // Nothing new: the same list, so React does not re-render.
    expect(dockRestore(restored, open, { elsewhere: new Set(['p']) })).toBe(restored);
    // A window opened meanwhile (not in dropClosed) stays even if the list did not have it yet.
    const fresh = dockOpen(restored, { chatId: 'n', deviceId: 'd9', deviceName: 'PC-9', endUserName: 'x' });
    expect(dockRestore(fresh, open, { dropClosed: new Set(['a', 'b']) }).map((c) => c.chatId)).toEqual([
      'a',
      'c',
      'n',
      'p',
    ]);
  });
});

describe('dock layout', () => {
  const chats = ['a', 'b', 'c', 'd', 'e'].map((chatId) => ({
    chatId,
    deviceName: `PC-${chatId}`,
    endUserName: chatId,
    minimized: false,
  }));
  const width = (chat: { minimized: boolean }) => (chat.minimized ? MINIMIZED_WIDTH : 360);

  it('shows the newest windows that fit, the others collapse into the inbox', () => {
    // 1024 px: 1024 - 32 - 180 - 12 = 800 px for windows: two of 360 (+ a gap).
    expect([...dockLayout(chats, width, dockRoom(1024))]).toEqual(['e', 'd']);
    // 1440 px: 1216 px: three.
    expect([...dockLayout(chats, width, dockRoom(1440))]).toEqual(['e', 'd', 'c']);
    // Minimized windows are narrower: more of them fit.
    const small = chats.map((chat) => ({ ...chat, minimized: true }));
    expect(dockLayout(small, width, dockRoom(1440)).size).toBe(3);
    expect(dockLayout(small, width, dockRoom(1920)).size).toBe(5);
  });

  it('always shows the newest window, even when nothing else fits', () => {
    expect([...dockLayout(chats, () => 1000, 300)]).toEqual(['e']);
    expect(dockLayout([], width, 1000).size).toBe(0);
  });

  it('brings a collapsed chat to the front: it moves to the end, shown', () => {
    const minimized = chats.map((chat) => ({ ...chat, minimized: chat.chatId === 'a' }));
    const shown = dockShow(minimized, 'a', true);
    expect(shown.map((chat) => chat.chatId)).toEqual(['b', 'c', 'd', 'e', 'a']);
    expect(shown.at(-1)?.minimized).toBe(false);
    // Already at the end: nothing moves.
    expect(dockShow(chats, 'e', true)).toBe(chats);
  });
});
