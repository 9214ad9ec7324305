import { expect, it } from 'vitest';
import { at, type StoreContract } from '../../test/support/storeContract.js';
import type { AuditRecord } from './auditStore.js';

const entry = (n: number, actor: string, action: string): AuditRecord => ({
  id: `0000000${n}`,
  at: at(n),
  actor,
  action,
  target: n % 2 ? `operator:${n}` : null,
  address: '10.0.0.1',
  details: { n, nested: { ok: true } },
});

export const auditStoreContract: StoreContract = (store) => {
  it('keeps entries with their details, newest first, filtered and paged by cursor', async () => {
    const { audit } = store();
    for (let n = 1; n <= 6; n++)
      await audit.append(entry(n, n % 3 ? 'admin' : 'maria', n < 4 ? 'auth.sign_in' : 'operator.create'));
    expect((await audit.page({}, 10)).map((e) => e.id)).toEqual([
      '00000006',
      '00000005',
      '00000004',
      '00000003',
      '00000002',
      '00000001',
    ]);
    expect((await audit.page({}, 10))[0]).toEqual(entry(6, 'maria', 'operator.create'));
    expect((await audit.page({ actor: 'maria' }, 10)).map((e) => e.id)).toEqual(['00000006', '00000003']);
    expect((await audit.page({ action: 'auth.sign_in', actor: 'admin' }, 10)).map((e) => e.id)).toEqual([
      '00000002',
      '00000001',
    ]);
    expect((await audit.page({ from: at(2), to: at(4) }, 10)).map((e) => e.id)).toEqual([
      '00000004',
      '00000003',
      '00000002',
    ]);
    const first = await audit.page({}, 4);
    const rest = await audit.page({}, 4, first.at(-1)?.id);
    expect(rest.map((e) => e.id)).toEqual(['00000002', '00000001']);
  });
};
