import { describe, expect, it } from 'vitest';
import { Heartbeat, Liveness, type PingableSocket } from './heartbeat.js';

class FakeSocket implements PingableSocket {
  pings = 0;
  terminated = false;
  private pong: (() => void) | null = null;
  ping(): void {
    this.pings++;
  }
  terminate(): void {
    this.terminated = true;
  }
  on(_event: 'pong', listener: () => void): void {
    this.pong = listener;
  }
  answer(): void {
    this.pong?.();
  }
}

function setup() {
  let now = 0;
  const answering = new FakeSocket();
  const silent = new FakeSocket();
  const peers = [new Liveness(answering), new Liveness(silent)];
  let beats = 0;
  const heartbeat = new Heartbeat(() => peers, { intervalMs: 5000, now: () => now, onBeat: () => beats++ });
  const at = (ms: number) => {
    now = ms;
    heartbeat.beat();
  };
  return { answering, silent, at, beats: () => beats };
}

describe('Heartbeat (P-5)', () => {
  it('cuts off a peer that answered nothing since the last beat, and keeps one that did', () => {
    const { answering, silent, at, beats } = setup();
    at(5000);
    expect([answering.pings, silent.pings]).toEqual([1, 1]);
    answering.answer();
    at(10_000);
    expect(answering.terminated).toBe(false);
    expect(silent.terminated).toBe(true);
    expect(beats()).toBe(2);
  });

  it('passes no verdict on a beat that came late (this process stalled): everyone is pinged and judged next time', () => {
    const { silent, at } = setup();
    at(5000);
    at(30_000);
    expect(silent.terminated).toBe(false);
    expect(silent.pings).toBe(2);
    at(35_000);
    expect(silent.terminated).toBe(true);
  });

  it('counts anything a peer sent as an answer', () => {
    const socket = new FakeSocket();
    const liveness = new Liveness(socket);
    expect(liveness.beat(true)).toBe('pinged');
    liveness.heard();
    expect(liveness.beat(true)).toBe('pinged');
    expect(liveness.beat(true)).toBe('cut');
  });
});
