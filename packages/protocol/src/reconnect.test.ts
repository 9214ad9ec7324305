import { describe, expect, it } from 'vitest';
import { type BackoffOptions, DEFAULT_BACKOFF } from './backoff.js';
import { ReconnectLoop, type ReconnectOptions, type SocketStatus } from './reconnect.js';
import { FakeSockets, TestClock } from './testing.js';

function setup(options: Partial<ReconnectOptions> = {}) {
  const sockets = new FakeSockets();
  const clock = new TestClock();
  const waits: number[] = [];
  const statuses: SocketStatus[] = [];
  const received: string[] = [];
  const loop = new ReconnectLoop({
    url: () => 'ws://host/ws/x',
    connect: sockets.factory,
    clock,
    onMessage: (data) => received.push(data),
    onWait: (delay) => waits.push(delay),
    onStatus: (status) => statuses.push(status),
    ...options,
  });
  /** Waits out the pending retry; the next attempt's socket is made exactly when it is due, not a moment before. */
  const waitOut = () => {
    const made = sockets.sockets.length;
    const delay = waits.at(-1) ?? 0;
    clock.advance(delay - 1);
    expect(sockets.sockets).toHaveLength(made);
    clock.advance(1);
    expect(sockets.sockets).toHaveLength(made + 1);
  };
  /** `n` attempts that fail before opening, each retried when due. */
  const failAttempts = (n: number) => {
    for (let i = 0; i < n; i++) {
      sockets.drop();
      waitOut();
    }
  };
  return { sockets, clock, loop, waits, statuses, received, waitOut, failAttempts };
}

/** Each step of the backoff: doubling from `baseMs`, capped at `maxMs`. */
function steps({ baseMs, maxMs }: BackoffOptions, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.min(maxMs, baseMs * 2 ** i));
}

describe('ReconnectLoop', () => {
  it('waits longer after each failed attempt, up to the cap, each wait between half and all of its step', () => {
    const backoff = { baseMs: 500, maxMs: 4000 };
    const expected = steps(backoff, 7);
    expect(expected.at(-1)).toBe(4000);
    for (const r of [0, 0.37, 1]) {
      const { loop, waits, failAttempts } = setup({ backoff, random: () => r });
      loop.start();
      failAttempts(expected.length);
      expect(waits).toHaveLength(expected.length);
      waits.forEach((wait, i) => {
        const step = expected[i] ?? 0;
        expect(wait).toBeGreaterThanOrEqual(step / 2);
        expect(wait).toBeLessThanOrEqual(step);
      });
      if (r === 0) expect(waits).toEqual(expected.map((step) => step / 2));
      if (r === 1) expect(waits).toEqual(expected);
    }
  });

  it("uses the protocol's default backoff unless told otherwise", () => {
    const { loop, waits, failAttempts } = setup({ random: () => 1 });
    loop.start();
    failAttempts(10);
    expect(waits).toEqual(steps(DEFAULT_BACKOFF, 10));
  });

  it('starts the backoff over after a connection that stayed open stableMs, not after a shorter one', () => {
    const { sockets, clock, loop, waits, failAttempts } = setup({ random: () => 1, stableMs: 10_000 });
    loop.start();
    failAttempts(3);
    sockets.open();
    clock.advance(9_999);
    sockets.drop();
    expect(waits.at(-1)).toBe(4000);
    clock.advance(4000);
    sockets.open();
    clock.advance(10_000);
    sockets.drop();
    expect(waits.at(-1)).toBe(500);
  });

  it('starts the backoff over when its owner calls the connection good (resetBackoff)', () => {
    const { sockets, loop, waits, failAttempts } = setup({ random: () => 1 });
    loop.start();
    failAttempts(3);
    sockets.open();
    loop.resetBackoff();
    sockets.drop();
    expect(waits.at(-1)).toBe(500);
  });

  it('stop() cancels a pending retry and stays stopped until started again', () => {
    const { sockets, clock, loop, statuses } = setup();
    loop.start();
    sockets.drop();
    expect(loop.status).toBe('waiting');
    expect(clock.pendingTimers).toBe(1);
    loop.stop();
    expect(clock.pendingTimers).toBe(0);
    clock.advance(60_000);
    expect(sockets.sockets).toHaveLength(1);
    expect(statuses).toEqual(['connecting', 'waiting', 'stopped']);
    loop.start();
    expect(sockets.sockets).toHaveLength(2);
  });

  it('stop() closes the open socket with its code and reason, and ignores what that socket says after', () => {
    const { sockets, clock, loop, received, waits } = setup();
    loop.start();
    sockets.open();
    const old = sockets.last;
    loop.stop(1001, 'going away');
    expect(old.closed).toBe(1001);
    old.handlers.message('late');
    old.handlers.close(1006);
    clock.advance(60_000);
    expect(received).toEqual([]);
    expect(waits).toEqual([]);
    expect(sockets.sockets).toHaveLength(1);
  });

  it('sends only while open, and passes on what the socket receives', () => {
    const { sockets, loop, received } = setup();
    loop.start();
    expect(loop.send('early')).toBe(false);
    sockets.open();
    expect(loop.send('hi')).toBe(true);
    expect(sockets.last.sent).toEqual(['hi']);
    sockets.last.handlers.message('frame');
    expect(received).toEqual(['frame']);
    sockets.drop();
    expect(loop.send('late')).toBe(false);
  });

  it('gives up when onClose says so, and tells onClose whether the socket had opened', () => {
    const closes: [number, boolean][] = [];
    const { sockets, clock, loop, waitOut } = setup({
      onClose: (code, wasOpen) => {
        closes.push([code, wasOpen]);
        return code === 4001 ? 'stop' : 'retry';
      },
    });
    loop.start();
    sockets.drop(1006);
    waitOut();
    sockets.open();
    sockets.drop(4001);
    expect(closes).toEqual([
      [1006, false],
      [4001, true],
    ]);
    expect(loop.status).toBe('stopped');
    clock.advance(60_000);
    expect(sockets.sockets).toHaveLength(2);
  });

  it('retryNow skips the wait, and does nothing unless waiting', () => {
    const { sockets, clock, loop } = setup();
    loop.start();
    loop.retryNow();
    expect(sockets.sockets).toHaveLength(1);
    sockets.drop();
    loop.retryNow();
    expect(sockets.sockets).toHaveLength(2);
    expect(clock.pendingTimers).toBe(0);
  });
});
