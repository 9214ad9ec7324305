import { describe, expect, it } from 'vitest';
import { parseClientFrame, parseServerFrame, utf8Bytes } from './frames.js';
import {
  AgentClientFrame,
  ConsoleClientFrame,
  ConsoleServerFrame,
  MAX_CLIENT_FRAME_BYTES,
  MAX_MESSAGE_CHARS,
  MAX_SERVER_FRAME_BYTES,
} from './protocol.js';

describe('parseClientFrame', () => {
  it('P-3: accepts a valid frame and returns it typed', () => {
    const parsed = parseClientFrame(
      ConsoleClientFrame,
      '{"type":"chat.send","chatId":"c1","clientId":"abcdefgh","text":"hi"}',
    );
    expect(parsed).toEqual({
      ok: true,
      frame: { type: 'chat.send', chatId: 'c1', clientId: 'abcdefgh', text: 'hi' },
    });
  });

  it('P-3: refuses a frame over the size cap before parsing it', () => {
    const raw = `{"type":"hello","pad":"${'x'.repeat(MAX_CLIENT_FRAME_BYTES)}"}`;
    expect(parseClientFrame(ConsoleClientFrame, raw)).toMatchObject({
      ok: false,
      error: { code: 'too_big' },
    });
  });

  it('P-3: counts the UTF-8 bytes of a text under the cap in characters but over it in bytes', () => {
    // 30,000 characters of three bytes each: 90,000 bytes on the wire.
    const raw = JSON.stringify({ type: 'hello', protocolVersion: 2, pad: '€'.repeat(30_000) });
    expect(raw.length).toBeLessThan(MAX_CLIENT_FRAME_BYTES);
    expect(parseClientFrame(ConsoleClientFrame, raw)).toMatchObject({
      ok: false,
      error: { code: 'too_big' },
    });
    expect(parseClientFrame(ConsoleClientFrame, raw, 100)).toMatchObject({ ok: true });
  });

  it('P-3: tells malformed JSON, non-objects and unknown types apart', () => {
    expect(parseClientFrame(ConsoleClientFrame, '{"type":')).toMatchObject({
      ok: false,
      error: { code: 'bad_frame' },
    });
    expect(parseClientFrame(ConsoleClientFrame, 'null')).toMatchObject({
      ok: false,
      error: { code: 'bad_frame' },
    });
    expect(parseClientFrame(ConsoleClientFrame, '{"type":7}')).toMatchObject({
      ok: false,
      error: { code: 'bad_frame' },
    });
    expect(parseClientFrame(ConsoleClientFrame, '{"type":"agent.hello"}')).toMatchObject({
      ok: false,
      error: { code: 'unknown_type', message: 'unknown frame type "agent.hello"' },
    });
  });

  it('P-22: names the wrong field, and refuses empty or overlong text', () => {
    const wrong = parseClientFrame(
      ConsoleClientFrame,
      '{"type":"chat.subscribe","chatId":"c1","afterSeq":-1}',
    );
    expect(wrong).toMatchObject({ ok: false, error: { code: 'bad_frame' } });
    expect(wrong.ok ? '' : wrong.error.message).toMatch(/^afterSeq: /);
    const send = (text: string) =>
      parseClientFrame(
        AgentClientFrame,
        JSON.stringify({ type: 'chat.send', chatId: 'c1', clientId: 'abcdefgh', text }),
      );
    expect(send(' \n\t ').ok).toBe(false);
    expect(send('x'.repeat(MAX_MESSAGE_CHARS + 1)).ok).toBe(false);
    expect(send('x'.repeat(MAX_MESSAGE_CHARS)).ok).toBe(true);
  });
});

describe('parseServerFrame', () => {
  it('P-7: takes a server frame far over the client cap, up to MAX_SERVER_FRAME_BYTES', () => {
    const devices = Array.from({ length: 2000 }, (_, i) => ({
      id: `device-${i}`,
      name: `finance-laptop-${i}.example.com`,
      os: 'linux',
      online: false,
      loggedOnUsers: [],
    }));
    const raw = JSON.stringify({ type: 'devices.watched', devices, more: false });
    expect(raw.length).toBeGreaterThan(MAX_CLIENT_FRAME_BYTES);
    expect(parseClientFrame(ConsoleServerFrame, raw)).toMatchObject({
      ok: false,
      error: { code: 'too_big' },
    });
    const parsed = parseServerFrame(ConsoleServerFrame, raw);
    expect(parsed.ok && parsed.frame.type === 'devices.watched' && parsed.frame.devices.length).toBe(2000);
  });

  it('P-7: refuses a frame over MAX_SERVER_FRAME_BYTES', () => {
    const raw = `{"type":"welcome","pad":"${'x'.repeat(MAX_SERVER_FRAME_BYTES)}"}`;
    expect(parseServerFrame(ConsoleServerFrame, raw)).toMatchObject({
      ok: false,
      error: { code: 'too_big' },
    });
  });
});

describe('utf8Bytes', () => {
  it('counts as TextEncoder does, surrogate pairs and lone surrogates included', () => {
    for (const text of ['', 'abc', 'é', '€uro', '😀', 'a😀b', '\ud800', 'x\udc00y', '\u0001'.repeat(10)]) {
      expect(utf8Bytes(text)).toBe(new TextEncoder().encode(text).length);
    }
  });
});
