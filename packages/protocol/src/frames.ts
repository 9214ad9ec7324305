import type { z } from 'zod/mini';
import { type ErrorFrame, MAX_CLIENT_FRAME_BYTES, MAX_SERVER_FRAME_BYTES } from './protocol.js';

export type ParsedFrame<T> = { ok: true; frame: T } | { ok: false; error: ErrorFrame };

function fail(code: ErrorFrame['code'], message: string): { ok: false; error: ErrorFrame } {
  return { ok: false, error: { type: 'error', code, message } };
}

/** The UTF-8 size of `text` (a lone surrogate counts as the 3 bytes of U+FFFD, as encoders write it). */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/** Whether `raw` is over `maxBytes` in UTF-8, counting its bytes only when its length leaves it in doubt. */
function tooBig(raw: string, byteLength: number | undefined, maxBytes: number): boolean {
  if (byteLength !== undefined) return byteLength > maxBytes;
  // A UTF-16 code unit is 1 to 3 bytes in UTF-8 (a surrogate pair, two units, is 4).
  if (raw.length > maxBytes) return true;
  if (raw.length * 3 <= maxBytes) return false;
  return utf8Bytes(raw) > maxBytes;
}

function parseUnder<S extends z.ZodMiniType>(
  schema: S,
  raw: string,
  byteLength: number | undefined,
  maxBytes: number,
): ParsedFrame<z.infer<S>> {
  if (tooBig(raw, byteLength, maxBytes)) return fail('too_big', `frame is larger than ${maxBytes} bytes`);
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return fail('bad_frame', 'frame is not valid JSON');
  }
  if (typeof data !== 'object' || data === null || typeof (data as { type?: unknown }).type !== 'string') {
    return fail('bad_frame', 'frame must be a JSON object with a string "type"');
  }
  const result = schema.safeParse(data);
  if (result.success) return { ok: true, frame: result.data };
  const unknownType = result.error.issues.some(
    (issue) => issue.code === 'invalid_union' && issue.path.length === 1 && issue.path[0] === 'type',
  );
  if (unknownType) return fail('unknown_type', `unknown frame type "${(data as { type: string }).type}"`);
  const first = result.error.issues[0];
  const where = first && first.path.length > 0 ? `${first.path.join('.')}: ` : '';
  return fail('bad_frame', `${where}${first?.message ?? 'invalid frame'}`);
}

/*
 * One parser per direction (P-3, P-7): size cap first, then JSON, then the schema. Never throws. `byteLength` is
 * the frame's size on the wire when the caller knows it (a Buffer's length); otherwise the text's UTF-8 size.
 */

/**
 * A frame a client sent, as the server (or the agent, from its pages) reads it: at most MAX_CLIENT_FRAME_BYTES.
 * Schemas: `ConsoleClientFrame`, `AgentClientFrame`, `PageClientFrame`.
 */
export function parseClientFrame<S extends z.ZodMiniType>(
  schema: S,
  raw: string,
  byteLength?: number,
): ParsedFrame<z.infer<S>> {
  return parseUnder(schema, raw, byteLength, MAX_CLIENT_FRAME_BYTES);
}

/**
 * A frame a server sent, as a client (console, agent, end-user page) reads it: at most MAX_SERVER_FRAME_BYTES.
 * Schemas: `ConsoleServerFrame`, `AgentServerFrame`, `PageServerFrame`.
 */
export function parseServerFrame<S extends z.ZodMiniType>(
  schema: S,
  raw: string,
  byteLength?: number,
): ParsedFrame<z.infer<S>> {
  return parseUnder(schema, raw, byteLength, MAX_SERVER_FRAME_BYTES);
}
