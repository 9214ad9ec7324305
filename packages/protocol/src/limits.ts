/**
 * The numbers the protocol promises (PROTOCOL.md P-3 to P-7, P-13, P-25): every piece takes them from here.
 * Frame size caps are beside the frames, in protocol.ts.
 */

/** Every socket's other end pings this often; a peer that missed one beat is cut off at the next (P-5). */
export const HEARTBEAT_MS = 5000;
/** An agent that heard nothing from the server this long reconnects, even if TCP has not noticed (P-5). */
export const SERVER_SILENCE_MS = 20_000;
/** A socket must say hello (a page: prove its key) within this time, or it is closed with 4003 (P-6, P-13). */
export const HELLO_TIMEOUT_MS = 10_000;

/** Frames of any kind per socket: a token bucket (P-4). Chat messages also have their own, smaller budget. */
export const FRAME_BURST = 200;
export const FRAMES_PER_SECOND = 50;
/** Frames a socket may have waiting for their handler; past this it is closed with 4006 (P-4). */
export const MAX_FRAMES_IN_FLIGHT = 256;
/** A connection whose unsent bytes pass this is too slow to keep up, and is closed with 4006. */
export const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/**
 * Chat messages per socket (P-25). The burst is large because time is measured when a frame is handled, not when it
 * arrived: after a stall of the server, frames that came at a steady pace are handled at once (bench/RESULTS.md).
 */
export const MESSAGE_BURST = 60;
export const MESSAGES_PER_SECOND = 10;

/** The end-user page looks for its agent again (it restarts in about a second) every two seconds at most (P-13). */
export const PAGE_BACKOFF = { baseMs: 250, maxMs: 2000 } as const;
