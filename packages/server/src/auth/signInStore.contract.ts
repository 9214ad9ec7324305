import { expect, it } from 'vitest';
import { at, type StoreContract } from '../../test/support/storeContract.js';

export const signInStoreContract: StoreContract = (store) => {
  it('counts consecutive failures per key, starting again after the window', async () => {
    const { signIns } = store();
    expect(await signIns.recordFailure('account:maria', at(1), at(0))).toBe(1);
    expect(await signIns.recordFailure('account:maria', at(2), at(0))).toBe(2);
    expect(await signIns.recordFailure('address:10.0.0.1', at(2), at(0))).toBe(1);
    expect(await signIns.recordFailure('account:maria', at(100), at(50))).toBe(1);
    await signIns.clear(['account:maria']);
    expect(await signIns.recordFailure('account:maria', at(101), at(50))).toBe(1);
  });

  it('answers the latest running lock of any key given', async () => {
    const { signIns } = store();
    await signIns.recordFailure('account:sam', at(1), at(0));
    await signIns.recordFailure('address:10.0.0.9', at(1), at(0));
    expect(await signIns.lockedUntil(['account:sam', 'address:10.0.0.9'], at(2))).toBeNull();
    await signIns.lock('account:sam', at(30));
    await signIns.lock('address:10.0.0.9', at(60));
    expect(await signIns.lockedUntil(['account:sam', 'address:10.0.0.9'], at(2))).toBe(at(60));
    expect(await signIns.lockedUntil(['account:sam'], at(2))).toBe(at(30));
    expect(await signIns.lockedUntil(['account:sam'], at(30))).toBeNull();
    expect(await signIns.lockedUntil([], at(2))).toBeNull();
  });
};
