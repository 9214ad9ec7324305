import { describe, expect, it } from 'vitest';
import { DOCK_KEY, dockOpen, dockRemove, dockToggleMinimized, loadDock, saveDock } from './dockState';

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
    dock = dockOpen(dock, a);
    expect(dock.map((c) => [c.chatId, c.minimized])).toEqual([
      ['a', false],
      ['b', false],
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
});
