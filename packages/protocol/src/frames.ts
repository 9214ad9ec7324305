import type { z } from 'zod';
import { type ErrorFrame, MAX_FRAME_BYTES } from './protocol.js';

export type ParsedFrame<T> = { ok: true; frame: T } | { ok: false; error: ErrorFrame };

function fail(code: ErrorFrame['code'], message: string): { ok: false; error: ErrorFrame } {
  return { ok: false, error: { type: 'error', code, message } };
}

/**
 * Decode one text frame: size cap first, then JSON, then the schema. Never throws.
 * `byteLength` is the frame's size on the wire when the caller knows it (a Buffer's length).
 */
export function parseFrame<S extends z.ZodType>(
  schema: S,
  raw: string,
  byteLength = raw.length,
): ParsedFrame<z.infer<S>> {
  if (byteLength > MAX_FRAME_BYTES) return fail('too_big', `frame is larger than ${MAX_FRAME_BYTES} bytes`);
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
