import { DEFAULT_RECORDING_SETTINGS } from '@parley/protocol';
import { beforeAll, expect, it } from 'vitest';
import { alice, at, openChatOf, pc1, type StoreContract } from '../../test/support/storeContract.js';

export const recordingSettingsStoreContract: StoreContract = (store) => {
  beforeAll(async () => {
    await store().operators.create(alice, at(0));
    await store().devices.create(pc1, at(0));
  });

  async function closedChat(recorded: boolean, text: string, closedSecond: number): Promise<string> {
    const id = await openChatOf(store(), { recorded });
    await store().chats.appendMessage(id, {
      clientId: `c-${id}`,
      from: { role: 'operator', name: 'Alice Admin' },
      text,
      at: at(2),
    });
    await store().chats.close(id, null, at(closedSecond));
    return id;
  }

  it('answers the defaults until settings are saved, then what was saved', async () => {
    const { recordingSettings: recording } = store();
    expect(await recording.settings()).toEqual(DEFAULT_RECORDING_SETTINGS);
    const saved = {
      ...DEFAULT_RECORDING_SETTINGS,
      enabled: true,
      scope: { deviceGroupIds: ['g1'], operatorIds: ['op1'] },
      retentionDays: 7,
      noticeText: 'Kept for a week.',
    };
    await recording.save(saved, at(1), 'alice');
    await recording.save({ ...saved, maxRecordings: 3 }, at(2), 'alice');
    expect(await recording.settings()).toEqual({ ...saved, maxRecordings: 3 });
  });

  // The lock itself (chats.locked_at) is the recordings browser's; test/recording.test.ts shows the purge skip it.
  it('lists closed recorded chats oldest first with their size, and removes those asked', async () => {
    const { recordingSettings: recording } = store();
    const unrecorded = await closedChat(false, 'gone at close', 3);
    const older = await closedChat(true, 'abcd', 4);
    const newer = await closedChat(true, 'abcdéfgh', 5);
    const listed = (await recording.closedRecordings()).filter((r) =>
      [older, newer, unrecorded].includes(r.chatId),
    );
    expect(listed.map((r) => r.chatId)).toEqual([older, newer]);
    // As the browser shows the space used: the text in UTF-8 bytes (é is two) and, for the message and the opened
    // and closed events, an entry's overhead each.
    expect(listed.map((r) => r.bytes)).toEqual([4 + 3 * 96, 9 + 3 * 96]);
    expect(listed.every((r) => !r.locked)).toBe(true);
    expect(await recording.remove([newer, unrecorded])).toEqual([newer]);
    expect(await store().chats.find(newer)).toBeUndefined();
    expect(await store().chats.entriesAfter(newer, 0, 10)).toEqual([]);
    expect((await store().chats.find(older))?.recorded).toBe(true);
  });
};
