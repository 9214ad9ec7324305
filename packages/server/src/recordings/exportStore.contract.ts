import { expect, it } from 'vitest';
import { at, type StoreContract } from '../../test/support/storeContract.js';
import type { ExportRecord } from './exportStore.js';

function job(id: string, operatorId: string, overrides: Partial<ExportRecord> = {}): ExportRecord {
  return {
    id,
    operatorId,
    nodeId: 'node-a',
    format: 'txt',
    state: 'running',
    done: 0,
    total: 3,
    bytes: 0,
    message: null,
    createdAt: at(0),
    updatedAt: at(0),
    expiresAt: null,
    ...overrides,
  };
}

export const recordingExportStoreContract: StoreContract = (store) => {
  it('keeps a running export’s progress and parts in order, bytes exactly, and ends it once', async () => {
    const exports = store().recordingExports;
    await exports.create(job('x1', 'op1'));
    const binary = Buffer.from([0, 255, 1, 254, 0x50, 0x4b, 0]);
    const big = Buffer.alloc(1 << 20, 7);
    expect(await exports.appendPart('x1', 1, binary, { done: 1, bytes: 7, at: at(1) })).toBe(true);
    expect(await exports.appendPart('x1', 2, big, { done: 2, bytes: 7 + big.length, at: at(2) })).toBe(true);
    expect(await exports.progress('x1', { done: 3, bytes: 7 + big.length, at: at(3) })).toBe(true);
    expect(await exports.find('x1')).toMatchObject({
      state: 'running',
      done: 3,
      bytes: 7 + big.length,
      updatedAt: at(3),
    });
    expect(await exports.countRunning('op1')).toBe(1);
    const first = await exports.parts('x1', 0, 1);
    expect(first.map((p) => p.seq)).toEqual([1]);
    expect(first[0]?.data.equals(binary)).toBe(true);
    const rest = await exports.parts('x1', 1, 10);
    expect(rest.map((p) => p.seq)).toEqual([2]);
    expect(rest[0]?.data.equals(big)).toBe(true);

    const end = { state: 'done', message: null, at: at(4), expiresAt: at(600) } as const;
    expect(await exports.finish('x1', end)).toBe(true);
    expect(await exports.finish('x1', { ...end, state: 'failed', message: 'late' })).toBe(false);
    expect(await exports.find('x1')).toMatchObject({ state: 'done', expiresAt: at(600), message: null });
    expect(await exports.countRunning('op1')).toBe(0);
    expect(await exports.storedBytes()).toBe(7 + big.length);
    // A finished export takes no more parts or progress.
    expect(await exports.appendPart('x1', 3, binary, { done: 4, bytes: 1, at: at(5) })).toBe(false);
    expect(await exports.progress('x1', { done: 4, bytes: 1, at: at(5) })).toBe(false);
    expect((await exports.parts('x1', 0, 10)).map((p) => p.seq)).toEqual([1, 2]);
  });

  it('cancels a running or finished export: its parts go, it takes nothing more, and it stays until it expires', async () => {
    const exports = store().recordingExports;
    await exports.create(job('x2', 'op2'));
    await exports.appendPart('x2', 1, Buffer.from('abc'), { done: 1, bytes: 3, at: at(1) });
    expect(await exports.cancel('x2', at(2), at(100))).toMatchObject({
      state: 'cancelled',
      bytes: 0,
      expiresAt: at(100),
    });
    expect(await exports.parts('x2', 0, 10)).toEqual([]);
    expect(await exports.appendPart('x2', 2, Buffer.from('d'), { done: 2, bytes: 4, at: at(3) })).toBe(false);
    expect(await exports.parts('x2', 0, 10)).toEqual([]);
    expect(await exports.cancel('missing', at(2), at(100))).toBeUndefined();
  });

  it('sweeps: fails what a stopped node left running (or, at its start, what it ran before) and removes the expired', async () => {
    const exports = store().recordingExports;
    await exports.create(job('stale', 'op3', { updatedAt: at(10) }));
    await exports.appendPart('stale', 1, Buffer.from('part'), { done: 1, bytes: 4, at: at(10) });
    await exports.create(job('fresh', 'op3', { updatedAt: at(50) }));
    await exports.create(job('mine', 'op3', { nodeId: 'node-b', updatedAt: at(50) }));
    await exports.create(job('old', 'op3', { updatedAt: at(50) }));
    await exports.appendPart('old', 1, Buffer.from('gone'), { done: 1, bytes: 4, at: at(50) });
    await exports.finish('old', { state: 'done', message: null, at: at(51), expiresAt: at(55) });
    expect(await exports.parts('old', 0, 10)).toHaveLength(1);

    await exports.sweep(at(60), at(20), at(900), 'node-b');
    expect(await exports.find('stale')).toMatchObject({ state: 'failed', bytes: 0, expiresAt: at(900) });
    expect((await exports.find('stale'))?.message).toMatch(/stopped/);
    expect(await exports.parts('stale', 0, 10)).toEqual([]);
    expect((await exports.find('mine'))?.state).toBe('failed');
    expect((await exports.find('fresh'))?.state).toBe('running');
    expect(await exports.find('old')).toBeUndefined();
    expect(await exports.parts('old', 0, 10)).toEqual([]);

    await exports.sweep(at(1000), at(900), at(1900));
    expect(await exports.find('stale')).toBeUndefined();
    expect((await exports.find('fresh'))?.state).toBe('failed');
  });
};
