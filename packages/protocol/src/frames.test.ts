import { describe, expect, it } from 'vitest';
import { parseFrame } from './frames.js';
import { AgentClientFrame, ConsoleClientFrame, MAX_FRAME_BYTES, MAX_MESSAGE_CHARS } from './protocol.js';

describe('parseFrame', () => {
  it('P-3: accepts a valid frame and returns it typed', () => {
    const parsed = parseFrame(
      ConsoleClientFrame,
      '{"type":"chat.send","chatId":"c1","clientId":"abcdefgh","text":"hi"}',
    );
    expect(parsed).toEqual({
      ok: true,
      frame: { type: 'chat.send', chatId: 'c1', clientId: 'abcdefgh', text: 'hi' },
    });
  });

  it('P-3: refuses a frame over the size cap before parsing it', () => {
    const raw = `{"type":"hello","pad":"${'x'.repeat(MAX_FRAME_BYTES)}"}`;
    expect(parseFrame(ConsoleClientFrame, raw)).toMatchObject({ ok: false, error: { code: 'too_big' } });
  });

  it('P-3: tells malformed JSON, non-objects and unknown types apart', () => {
    expect(parseFrame(ConsoleClientFrame, '{"type":')).toMatchObject({
      ok: false,
      error: { code: 'bad_frame' },
    });
    expect(parseFrame(ConsoleClientFrame, 'null')).toMatchObject({ ok: false, error: { code: 'bad_frame' } });
    expect(parseFrame(ConsoleClientFrame, '{"type":7}')).toMatchObject({
      ok: false,
      error: { code: 'bad_frame' },
    });
    expect(parseFrame(ConsoleClientFrame, '{"type":"agent.hello"}')).toMatchObject({
      ok: false,
      error: { code: 'unknown_type', message: 'unknown frame type "agent.hello"' },
    });
  });

  it('P-22: names the wrong field, and refuses empty or overlong text', () => {
    const wrong = parseFrame(ConsoleClientFrame, '{"type":"chat.subscribe","chatId":"c1","afterSeq":-1}');
    expect(wrong).toMatchObject({ ok: false, error: { code: 'bad_frame' } });
    expect(wrong.ok ? '' : wrong.error.message).toMatch(/^afterSeq: /);
    const send = (text: string) =>
      parseFrame(
        AgentClientFrame,
        JSON.stringify({ type: 'chat.send', chatId: 'c1', clientId: 'abcdefgh', text }),
      );
    expect(send(' \n\t ').ok).toBe(false);
    expect(send('x'.repeat(MAX_MESSAGE_CHARS + 1)).ok).toBe(false);
    expect(send('x'.repeat(MAX_MESSAGE_CHARS)).ok).toBe(true);
  });
});
