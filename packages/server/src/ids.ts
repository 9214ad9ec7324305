import { createHash, randomBytes, randomInt } from 'node:crypto';

let lastMs = 0;
let counter = 0;

/**
 * A UUIDv7 (RFC 9562): time-ordered, so chats and messages sort by creation in every index. Within one
 * millisecond of this process the 12-bit `rand_a` field is a counter (RFC 9562 §6.2, method 1), so ids made
 * one after another sort in that order too: a list ordered by id must not swap two chats opened in the same
 * millisecond. The counter starts at a random point in its lower half; past its top the millisecond moves on.
 */
export function uuidv7(now = Date.now()): string {
  if (now > lastMs || now < lastMs - 1000) {
    // A new millisecond, or the clock stepped far back: start again from it.
    lastMs = now;
    counter = randomInt(0x800);
  } else {
    // The same millisecond, or one the counter already carried into (or the clock stepped back a little).
    counter += 1;
    if (counter > 0xfff) {
      lastMs += 1;
      counter = randomInt(0x800);
    }
  }
  const ms = lastMs;
  const bytes = randomBytes(16);
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = 0x70 | (counter >> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A secret for a cookie, token or credential: 32 random bytes, URL-safe. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Secrets are stored as their SHA-256: they are random and long, so a slow hash adds nothing. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
