import type { Person } from '@parley/protocol';
import { beforeAll, expect, it } from 'vitest';
import { alice, at, pc1, type StoreContract } from '../../test/support/storeContract.js';
import { uuidv7 } from '../ids.js';

const operator: Person = { role: 'operator', name: 'Alice Admin' };
const endUser: Person = { role: 'end_user', name: 'Bob' };

export const recordingStoreContract: StoreContract = (store) => {
  const chats: Record<string, string> = {};

  /** A closed chat on `deviceId` with `texts` said in turn by the operator and the end user. */
  async function recordedChat(
    name: string,
    deviceId: string,
    second: number,
    texts: string[],
    recorded = true,
  ): Promise<string> {
    const id = uuidv7();
    const s = store();
    await s.chats.create(
      {
        id,
        deviceId,
        operatorId: 'op1',
        operatorName: 'Alice Admin',
        endUserName: name,
        openedAt: at(second),
        recorded,
      },
      operator,
    );
    for (const [i, text] of texts.entries()) {
      const from = i % 2 === 0 ? operator : endUser;
      await s.chats.appendMessage(id, { clientId: `client-${id}-${i}`, from, text, at: at(second + 1) });
    }
    await s.chats.close(id, operator, at(second + 2));
    chats[name] = id;
    return id;
  }

  beforeAll(async () => {
    const s = store();
    await s.operators.create(alice, at(0));
    await s.devices.create(pc1, at(0));
    await s.devices.create({ id: 'dev2', name: 'PC-2', os: 'linux', credentialHash: 'c' }, at(0));
    await recordedChat('ann', 'dev1', 10, ['Hello Ann', 'My printer is jammed, the paper tray']);
    await recordedChat('ben', 'dev1', 20, ['Hi Ben', 'Outlook crashes on the calendar']);
    await recordedChat('cat', 'dev2', 30, ['Printer again?', 'Yes, the printer on floor 2']);
    await recordedChat('dan', 'dev1', 40, ['Unrecorded printer talk'], false);
  });

  it('lists recorded chats only, newest first, with their message counts, in pages', async () => {
    const { recordings } = store();
    const all = await recordings.list({ deviceIds: 'all' }, 10);
    expect(all.map((r) => r.endUser)).toEqual(['cat', 'ben', 'ann']);
    expect(all[0]).toMatchObject({
      deviceName: 'PC-2',
      operator: 'Alice Admin',
      messageCount: 2,
      status: 'closed',
    });
    const first = await recordings.list({ deviceIds: 'all' }, 2);
    const second = await recordings.list({ deviceIds: 'all' }, 2, first.at(-1)?.chatId);
    expect([...first, ...second].map((r) => r.endUser)).toEqual(['cat', 'ben', 'ann']);
    expect(await recordings.count({ deviceIds: 'all' })).toBe(3);
  });

  it('filters by device, operator, end user (any case) and time, and never beyond the devices given', async () => {
    const { recordings } = store();
    const names = async (selection: Parameters<typeof recordings.list>[0]) =>
      (await recordings.list(selection, 10)).map((r) => r.endUser);
    expect(await names({ deviceIds: 'all', deviceId: 'dev1' })).toEqual(['ben', 'ann']);
    expect(await names({ deviceIds: ['dev1'] })).toEqual(['ben', 'ann']);
    expect(await names({ deviceIds: [] })).toEqual([]);
    expect(await names({ deviceIds: ['dev1'], deviceId: 'dev2' })).toEqual([]);
    expect(await names({ deviceIds: 'all', operatorId: 'op1', endUser: 'BEN' })).toEqual(['ben']);
    expect(await names({ deviceIds: 'all', operatorId: 'nobody' })).toEqual([]);
    expect(await names({ deviceIds: 'all', from: at(15), to: at(35) })).toEqual(['cat', 'ben']);
  });

  it('takes readable sets past the databases’ bound-value limits (100,000 devices, bound as one value)', async () => {
    const { recordings } = store();
    const many = Array.from({ length: 100_000 }, (_, i) => `fleet-${i}`);
    expect(await recordings.count({ deviceIds: [...many, 'dev2'] })).toBe(1);
    expect(
      (await recordings.list({ deviceIds: [...many, 'dev1'], q: 'printer' }, 10)).map((r) => r.endUser),
    ).toEqual(['ann']);
    expect((await recordings.usage({ deviceIds: many })).recordings).toBe(0);
  });

  it('finds words in messages through the full-text index, all words in one message, case ignored', async () => {
    const { recordings } = store();
    const names = async (q: string, deviceIds: readonly string[] | 'all' = 'all') =>
      (await recordings.list({ deviceIds, q }, 10)).map((r) => r.endUser);
    expect(await names('printer')).toEqual(['cat', 'ann']);
    expect(await names('PRINTER floor')).toEqual(['cat']);
    expect(await names('printer calendar')).toEqual([]);
    expect(await names('outlook')).toEqual(['ben']);
    expect(await names('printer', ['dev1'])).toEqual(['ann']);
    expect(await recordings.count({ deviceIds: ['dev1'], q: 'printer' })).toBe(1);
    expect(await names('"; drop table chats; --')).toEqual([]);
    expect(await names('***')).toEqual([]);
    expect(await recordings.matchingMessages(chats.cat ?? '', 'printer', 10)).toEqual([
      { seq: 2, text: 'Printer again?' },
      { seq: 3, text: 'Yes, the printer on floor 2' },
    ]);
  });

  it('keeps a note, locks and unlocks, and deletes only an unlocked recording with its entries', async () => {
    const { recordings, chats: chatStore } = store();
    const id = await recordedChat('eve', 'dev2', 50, ['Délai dépassé']);
    expect((await recordings.list({ deviceIds: 'all', q: 'délai' }, 10)).map((r) => r.endUser)).toEqual([
      'eve',
    ]);
    expect(await recordings.setNote(id, 'Called back on Monday')).toBe(true);
    expect(await recordings.setLocked(id, at(60))).toBe(true);
    expect(await recordings.find(id)).toMatchObject({ note: 'Called back on Monday', lockedAt: at(60) });
    expect(await recordings.delete(id)).toBe('locked');
    expect(await recordings.setLocked(id, null)).toBe(true);
    expect(await recordings.delete(id)).toBe('deleted');
    expect(await recordings.find(id)).toBeUndefined();
    expect(await chatStore.entriesAfter(id, 0, 10)).toEqual([]);
    expect(await recordings.list({ deviceIds: 'all', q: 'délai' }, 10)).toEqual([]);
    expect(await recordings.delete(id)).toBe('not_found');
    expect(await recordings.setNote(chats.dan ?? '', 'x')).toBe(false);
  });

  it('says how much space the recordings take and which devices have any', async () => {
    const { recordings } = store();
    const usage = await recordings.usage({ deviceIds: ['dev2'] });
    expect(usage.recordings).toBe(1);
    // 'Printer again?' and 'Yes, the printer on floor 2', chat_opened and chat_closed, each with its overhead.
    expect(usage.bytes).toBe(14 + 27 + 4 * 96);
    expect((await recordings.usage({ deviceIds: [] })).bytes).toBe(0);
    expect((await recordings.deviceIds()).sort()).toEqual(['dev1', 'dev2']);
  });
};
