import { describe, expect, it } from 'vitest';
import { Heartbeat, type ListenedSocket, Liveness, type PingableSocket, Silence } from './heartbeat.js';
import { HEARTBEAT_MS, SERVER_SILENCE_MS } from './limits.js';

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
  it('beats a slice of its peers at once and the others on later turns of the event loop, each once', async () => {
    const sockets = Array.from({ length: 5 }, () => new FakeSocket());
    const heartbeat = new Heartbeat(() => sockets.map((socket) => new Liveness(socket)), { sliceSize: 2 });
    heartbeat.beat();
    expect(sockets.map((socket) => socket.pings)).toEqual([1, 1, 0, 0, 0]);
    await expect.poll(() => sockets.map((socket) => socket.pings)).toEqual([1, 1, 1, 1, 1]);
  });

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

/** The agent's socket to the server, as its watchdog sees it: the server's pings and frames come in. */
class ListenedFake implements ListenedSocket {
  terminated = false;
  private readonly listeners = new Map<'ping' | 'message', () => void>();
  terminate(): void {
    this.terminated = true;
  }
  on(event: 'ping' | 'message', listener: () => void): void {
    this.listeners.set(event, listener);
  }
  hear(event: 'ping' | 'message'): void {
    this.listeners.get(event)?.();
  }
}

/** A watchdog as the agent runs it: the protocol's heartbeat beating the socket's `Silence`, on a clock the test sets. */
function watchdog() {
  let now = 0;
  const socket = new ListenedFake();
  const silence = new Silence(socket, { now: () => now });
  const heartbeat = new Heartbeat(() => [silence], { now: () => now });
  /** The watchdog's beat runs at `ms`. */
  const beatAt = (ms: number) => {
    now = ms;
    heartbeat.beat();
  };
  return {
    socket,
    /** The clock says `ms`; the server's ping or frame (if any) is read then. */
    hearAt(ms: number, event: 'ping' | 'message' = 'ping') {
      now = ms;
      socket.hear(event);
    },
    beatAt,
    /** Beats on time, one HEARTBEAT_MS after another, until the socket is cut off; returns when that was. */
    beatUntilCut(): number {
      for (let beats = 0; !socket.terminated; beats++) {
        if (beats > 100) throw new Error('never cut off');
        beatAt(now + HEARTBEAT_MS);
      }
      return now;
    },
  };
}

describe('Silence: the listening end of the heartbeat (P-5)', () => {
  it('P-5: cuts off a server it heard nothing from for SERVER_SILENCE_MS, at the first beat after that, not before', () => {
    const { beatUntilCut } = watchdog();
    expect(beatUntilCut()).toBe(SERVER_SILENCE_MS);
  });

  it('P-5: a ping or any frame from the server counts as heard', () => {
    const { socket, hearAt, beatAt, beatUntilCut } = watchdog();
    for (let beat = 1; beat <= 12; beat++) {
      hearAt(beat * HEARTBEAT_MS - 1, beat % 2 === 0 ? 'ping' : 'message');
      beatAt(beat * HEARTBEAT_MS);
    }
    expect(socket.terminated).toBe(false);
    // Then nothing more: the silence counts from the last thing heard, a moment before beat 12.
    expect(beatUntilCut()).toBe(12 * HEARTBEAT_MS + SERVER_SILENCE_MS);
  });

  it('P-5: passes no verdict after a stall of its own process: the pings that waited unread keep a healthy server', () => {
    const healthy = watchdog();
    const gone = watchdog();
    for (const { hearAt, beatAt } of [healthy, gone]) {
      hearAt(4000);
      beatAt(5000);
      // The agent stalls for 40 s: its beat runs late, before it reads what the server sent meanwhile.
      beatAt(45_000);
    }
    expect([healthy.socket.terminated, gone.socket.terminated]).toEqual([false, false]);
    healthy.hearAt(45_001);
    // The next beat is on time: a server that sent nothing in all that time is gone.
    healthy.beatAt(50_000);
    gone.beatAt(50_000);
    expect([healthy.socket.terminated, gone.socket.terminated]).toEqual([false, true]);
  });
});
