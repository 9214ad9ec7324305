import { describe, expect, it } from 'vitest';
import { GroupCommit } from './groupCommit.js';

describe('GroupCommit (P-33)', () => {
  it('commits what one turn of the event loop submitted together, one result per item in order', async () => {
    const commits: number[][] = [];
    const group = new GroupCommit<number, string>(async (items) => {
      commits.push(items);
      return items.map((n) => `stored ${n}`);
    });
    const results = await Promise.all([1, 2, 3].map((n) => group.submit(n)));
    expect(results).toEqual(['stored 1', 'stored 2', 'stored 3']);
    expect(commits).toEqual([[1, 2, 3]]);
  });

  it('takes at most its batch size at once, and lets the loop run between batches', async () => {
    const log: string[] = [];
    const group = new GroupCommit<number, number>(
      async (items) => {
        log.push(`commit of ${items.length}`);
        if (log.length === 1) setImmediate(() => log.push('other work'));
        return items;
      },
      () => {},
      2,
    );
    await Promise.all([1, 2, 3, 4, 5].map((n) => group.submit(n)));
    expect(log).toEqual(['commit of 2', 'other work', 'commit of 2', 'commit of 1']);
  });

  it('tries a failed commit again item by item: the refused item fails alone', async () => {
    const group = new GroupCommit<number, number>(async (items) => {
      if (items.includes(2)) throw new Error('refused');
      return items;
    });
    const results = await Promise.allSettled([1, 2, 3].map((n) => group.submit(n)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });
});
