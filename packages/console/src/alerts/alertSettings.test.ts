import { describe, expect, it } from 'vitest';
import { alertSettingsKey, DEFAULT_ALERTS, loadAlertSettings, saveAlertSettings } from './alertSettings';
import { notificationContent } from './notify';

function memoryStorage() {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (key: string) => map.get(key) ?? null,
    setItem: (key: string, value: string) => {
      map.set(key, value);
    },
  };
}

describe('alert settings', () => {
  it('are kept per operator, with defaults for someone new', () => {
    const storage = memoryStorage();
    expect(loadAlertSettings(storage, 'op-1')).toEqual(DEFAULT_ALERTS);
    saveAlertSettings(storage, 'op-1', { desktop: true, sound: false });
    expect(loadAlertSettings(storage, 'op-1')).toEqual({ desktop: true, sound: false });
    expect(loadAlertSettings(storage, 'op-2')).toEqual(DEFAULT_ALERTS);
    expect([...storage.map.keys()]).toEqual([alertSettingsKey('op-1')]);
  });

  it('survive junk, a missing store and a store that throws', () => {
    const storage = memoryStorage();
    storage.setItem(alertSettingsKey('op-1'), '{not json');
    expect(loadAlertSettings(storage, 'op-1')).toEqual(DEFAULT_ALERTS);
    storage.setItem(alertSettingsKey('op-1'), JSON.stringify({ desktop: 'yes', sound: false }));
    expect(loadAlertSettings(storage, 'op-1')).toEqual({ desktop: false, sound: false });
    expect(loadAlertSettings(null, 'op-1')).toEqual(DEFAULT_ALERTS);
    const throwing = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('full');
      },
    };
    expect(loadAlertSettings(throwing, 'op-1')).toEqual(DEFAULT_ALERTS);
    expect(() => saveAlertSettings(throwing, 'op-1', DEFAULT_ALERTS)).not.toThrow();
  });

  it('words a notification after the chat and its last message', () => {
    expect(notificationContent('bob', 'PC-1', ['hello'])).toEqual({ title: 'bob (PC-1)', body: 'hello' });
    const many = notificationContent('bob', 'PC-1', ['a', 'b', 'x'.repeat(300)]);
    expect(many.title).toBe('3 new messages from bob (PC-1)');
    expect(many.body).toHaveLength(160);
  });
});
