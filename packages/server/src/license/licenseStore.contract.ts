import { expect, it } from 'vitest';
import { at, type StoreContract } from '../../test/support/storeContract.js';

export const licenseStoreContract: StoreContract = (store) => {
  it('keeps one evaluation key: a second one is refused, also inside a transaction', async () => {
    const { licenses } = store();
    expect(await licenses.evaluationKey()).toBeUndefined();
    expect(await licenses.addEvaluationKey('first key', at(0))).toBe(true);
    expect(await store().transaction((tx) => tx.licenses.addEvaluationKey('second key', at(1)))).toBe(false);
    expect(await licenses.evaluationKey()).toBe('first key');
  });

  it('installs one license: the first only if none, then an import replaces it; the row can be locked', async () => {
    const { licenses } = store();
    expect(await licenses.installed()).toBeUndefined();
    expect(await licenses.lockInstalled()).toBeUndefined();
    const evaluation = { file: 'evaluation file', installedAt: at(0), installedBy: 'system' };
    expect(await licenses.installIfNone(evaluation)).toBe(true);
    expect(await licenses.installIfNone({ ...evaluation, file: 'another' })).toBe(false);
    expect(await licenses.installed()).toEqual(evaluation);
    const imported = { file: 'imported file', installedAt: at(5), installedBy: 'admin' };
    await store().transaction(async (tx) => {
      await tx.licenses.install(imported);
      expect(await tx.licenses.lockInstalled()).toBe('imported file');
    });
    expect(await licenses.installed()).toEqual(imported);
  });
};
