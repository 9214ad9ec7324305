import { describe, expect, it } from 'vitest';
import { Backlog } from './backlog.js';

describe('Backlog (P-36)', () => {
  function behind(limit: number, frames: number, clock: { t: number }): Backlog {
    const backlog = new Backlog(limit, () => clock.t);
    for (let i = 0; i < frames; i++) backlog.taken();
    return backlog;
  }

  it('takes messages up to its limit, then refuses with a delay that grows the further behind it is', () => {
    const clock = { t: 0 };
    const backlog = behind(10, 10, clock);
    expect(backlog.refusal()).toBeNull();
    backlog.taken();
    expect(backlog.refusal()).toBe(502);
    for (let i = 0; i < 100; i++) backlog.taken();
    expect(backlog.refusal()).toBe(702);
    for (let i = 0; i < 101; i++) backlog.handled();
    expect(backlog.refusal()).toBeNull();
  });

  it('P-36: takes a message whose socket has nothing else waiting past the limit, up to twice it (fairness)', () => {
    const clock = { t: 0 };
    const backlog = behind(10, 11, clock);
    expect(backlog.refusal(false)).toBe(502);
    expect(backlog.refusal(true)).toBeNull();
    for (let i = 0; i < 9; i++) backlog.taken();
    expect(backlog.refusal(true)).toBeNull();
    backlog.taken();
    expect(backlog.refusal(true)).not.toBeNull();
  });

  it('P-36: doubles the delay for each further second it keeps refusing, up to 10 s; a pause starts over', () => {
    const clock = { t: 0 };
    const backlog = behind(0, 1, clock);
    const delays: (number | null)[] = [];
    for (let t = 0; t <= 6000; t += 500) {
      clock.t = t;
      delays.push(backlog.refusal());
    }
    expect(delays).toEqual([
      502, 502, 1004, 1004, 2008, 2008, 4016, 4016, 8032, 8032, 10_000, 10_000, 10_000,
    ]);
    clock.t = 8000;
    expect(backlog.refusal()).toBe(502);
  });
});
