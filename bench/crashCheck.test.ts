import { describe, expect, it } from 'vitest';
import { type ChatAccount, faults, type HistoryEntry, judge } from './crashCheck.js';

const opened: HistoryEntry = { seq: 1, kind: 'event' };
const message = (seq: number, role: string, clientId: string, text = `text ${clientId}`): HistoryEntry => ({
  seq,
  kind: 'message',
  role,
  clientId,
  text,
});

/** Two messages of the operator and one of the end user, all acked and stored. */
function clean(): ChatAccount {
  return {
    chatId: 'chat-1',
    sent: {
      operator: new Map([
        ['op-00001', 'text op-00001'],
        ['op-00002', 'text op-00002'],
      ]),
      end_user: new Map([['eu-00001', 'text eu-00001']]),
    },
    acked: {
      operator: [
        { clientId: 'op-00001', seq: 2 },
        { clientId: 'op-00002', seq: 4 },
      ],
      end_user: [{ clientId: 'eu-00001', seq: 3 }],
    },
    history: [
      opened,
      message(2, 'operator', 'op-00001'),
      message(3, 'end_user', 'eu-00001'),
      message(4, 'operator', 'op-00002'),
    ],
  };
}

describe('judge (bench/crash.ts)', () => {
  it('finds nothing wrong in a history that holds every acked message once, at its seq', () => {
    expect(faults(judge([clean()]))).toBe(0);
  });

  it('accepts a message sent but never acked, stored or not', () => {
    const chat = clean();
    chat.sent.operator = new Map([...chat.sent.operator, ['op-00003', 'text op-00003']]);
    expect(faults(judge([chat]))).toBe(0);
    chat.history = [...chat.history, message(5, 'operator', 'op-00003')];
    expect(faults(judge([chat]))).toBe(0);
  });

  it('counts an acked message missing from the history as a loss', () => {
    const chat = clean();
    chat.history = chat.history.filter((e) => e.clientId !== 'eu-00001');
    expect(judge([chat])).toMatchObject({ losses: 1, duplicates: 0, seqMismatches: 0 });
  });

  it('counts a message stored twice, and a seq that came twice, as duplicates', () => {
    const twice = clean();
    twice.history = [...twice.history, message(5, 'operator', 'op-00001')];
    expect(judge([twice])).toMatchObject({ duplicates: 1, losses: 0 });
    const sameSeq = clean();
    sameSeq.history = [...sameSeq.history, message(4, 'operator', 'op-00002')];
    expect(judge([sameSeq])).toMatchObject({ duplicates: 1, losses: 0 });
  });

  it('counts an acked message stored at another seq than its ack named', () => {
    const chat = clean();
    chat.acked.end_user = [{ clientId: 'eu-00001', seq: 5 }];
    expect(judge([chat])).toMatchObject({ seqMismatches: 1, losses: 0 });
  });

  it('counts acks of one sender whose seqs do not rise, and a history out of seq order', () => {
    const acks = clean();
    acks.acked.operator = [...acks.acked.operator].reverse();
    expect(judge([acks]).orderViolations).toBe(1);
    const history = clean();
    history.history = [opened, history.history[3], history.history[2], history.history[1]].filter(
      (e): e is HistoryEntry => e !== undefined,
    );
    expect(judge([history]).orderViolations).toBe(2);
  });

  it('counts a message the bench never sent, one under the other side, and an altered text, as strangers', () => {
    const unknown = clean();
    unknown.history = [...unknown.history, message(5, 'operator', 'op-99999')];
    expect(judge([unknown]).strangers).toBe(1);
    const otherSide = clean();
    otherSide.history = [...otherSide.history, message(5, 'end_user', 'op-00002', 'text op-00002')];
    expect(judge([otherSide]).strangers).toBe(1);
    const altered = clean();
    altered.history = altered.history.map((e) => (e.seq === 2 ? { ...e, text: 'something else' } : e));
    // The altered one is not the message acked: it is also missing.
    expect(judge([altered])).toMatchObject({ strangers: 1, losses: 1 });
  });
});
