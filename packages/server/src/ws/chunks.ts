import { FRAME_CHUNK_BYTES } from '@parley/protocol';

/**
 * Cuts a list the server sends in parts (history, the device snapshot, a device's open chats) into runs whose
 * JSON is about `maxBytes` at most: a run passes it only when its one item alone does (P-7). Always at least one
 * run, empty for an empty list, so the receiver always gets a last part.
 */
export function chunkByBytes<T>(items: readonly T[], maxBytes = FRAME_CHUNK_BYTES): T[][] {
  const chunks: T[][] = [];
  let chunk: T[] = [];
  // The run's JSON array: its brackets, and each item with the comma (or bracket) after it.
  let bytes = 1;
  for (const item of items) {
    const size = Buffer.byteLength(JSON.stringify(item)) + 1;
    if (chunk.length > 0 && bytes + size > maxBytes) {
      chunks.push(chunk);
      chunk = [];
      bytes = 1;
    }
    chunk.push(item);
    bytes += size;
  }
  chunks.push(chunk);
  return chunks;
}
