import { describe, expect, it } from 'vitest';
import { TestClock } from './testClock';
import { TypingNotifier } from './typing';

function setup() {
  const clock = new TestClock();
  const sent: boolean[] = [];
  const typing = new TypingNotifier((t) => sent.push(t), clock, { throttleMs: 2500, idleMs: 3000 });
  return { clock, sent, typing };
}

describe('TypingNotifier', () => {
  it('sends true at the first keystroke and false after 3 s idle', () => {
    const { clock, sent, typing } = setup();
    typing.input();
    expect(sent).toEqual([true]);
    clock.advance(2999);
    expect(sent).toEqual([true]);
    clock.advance(1);
    expect(sent).toEqual([true, false]);
  });

  it('throttles: at most one true per 2.5 s while typing goes on', () => {
    const { clock, sent, typing } = setup();
    for (let i = 0; i < 30; i++) {
      typing.input();
      clock.advance(200);
    }
    // 6 s of typing: true at 0, 2.6 s and 5.2 s
    expect(sent).toEqual([true, true, true]);
    clock.advance(3000);
    expect(sent).toEqual([true, true, true, false]);
  });

  it('sends false at once on stop (a send), and only once', () => {
    const { clock, sent, typing } = setup();
    typing.input();
    typing.stop();
    typing.stop();
    clock.advance(10_000);
    expect(sent).toEqual([true, false]);
  });

  it('reset forgets without sending', () => {
    const { clock, sent, typing } = setup();
    typing.input();
    typing.reset();
    clock.advance(10_000);
    expect(sent).toEqual([true]);
    typing.input();
    expect(sent).toEqual([true, true]);
  });
});
