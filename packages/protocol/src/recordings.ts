import { z } from 'zod/mini';
import { Role } from './protocol.js';

/** Recorded conversations: the browser's REST bodies and answers (issue 10). */

const id = z.string().check(z.minLength(1), z.maxLength(64));

/** The filters of a list, a search and an export of a filtered set. */
export const RecordingFilter = z.object({
  /** A device id. */
  device: z.optional(id),
  /** An operator's id or username. */
  operator: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
  /** The end user's name, exactly (case ignored). */
  endUser: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
  /** ISO times, inclusive, on when the chat started. */
  from: z.optional(z.iso.datetime()),
  to: z.optional(z.iso.datetime()),
  /** Words every matching chat has in its messages (full-text). */
  q: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(200))),
});
export type RecordingFilter = z.infer<typeof RecordingFilter>;

export const RecordingQuery = z.extend(RecordingFilter, {
  limit: z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(200))),
  /** The `nextCursor` of the page before (also sent as the X-Next-Cursor header). */
  cursor: z.optional(z.string().check(z.maxLength(128))),
});
export type RecordingQuery = z.infer<typeof RecordingQuery>;

/** One recorded conversation as the stable list answers it. */
export const RecordingSummary = z.object({
  chatId: z.string(),
  deviceId: z.string(),
  deviceName: z.string(),
  operator: z.string(),
  endUser: z.string(),
  startedAt: z.string(),
  endedAt: z.nullable(z.string()),
  messageCount: z.number().check(z.int()),
});
export type RecordingSummary = z.infer<typeof RecordingSummary>;

/** A part of a message that matched a search: `text` as stored, `marks` the [start, end) UTF-16 offsets of the words. */
export const RecordingMatch = z.object({
  seq: z.number().check(z.int()),
  text: z.string(),
  marks: z.array(z.tuple([z.number().check(z.int()), z.number().check(z.int())])),
});
export type RecordingMatch = z.infer<typeof RecordingMatch>;

export const RecordingListItem = z.extend(RecordingSummary, {
  lockedAt: z.nullable(z.string()),
  note: z.nullable(z.string()),
  /** With `q`: the first messages that matched, to show with their words marked. */
  matches: z.array(RecordingMatch),
});
export type RecordingListItem = z.infer<typeof RecordingListItem>;

export const RecordingPage = z.object({
  recordings: z.array(RecordingListItem),
  nextCursor: z.nullable(z.string()),
  /** How many match the filters, among what the operator may see. */
  total: z.number().check(z.int()),
});
export type RecordingPage = z.infer<typeof RecordingPage>;

export const RecordingEntry = z.object({
  seq: z.number().check(z.int()),
  at: z.string(),
  kind: z.enum(['message', 'event']),
  from: z.nullable(z.object({ role: Role, name: z.string() })),
  text: z.string(),
});
export type RecordingEntry = z.infer<typeof RecordingEntry>;

export const RecordingTranscript = z.extend(RecordingSummary, {
  lockedAt: z.nullable(z.string()),
  note: z.nullable(z.string()),
  entries: z.array(RecordingEntry),
});
export type RecordingTranscript = z.infer<typeof RecordingTranscript>;

export const RecordingFormat = z.enum(['json', 'txt', 'csv', 'pdf']);
export type RecordingFormat = z.infer<typeof RecordingFormat>;

/** A transcript's JSON view reads its entries in pages: `after` the last seq seen, `limit` at most. */
export const TranscriptQuery = z.object({
  format: z.optional(RecordingFormat),
  after: z.optional(z.coerce.number().check(z.int(), z.gte(0))),
  limit: z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(5000))),
});
export type TranscriptQuery = z.infer<typeof TranscriptQuery>;

/** The JSON view: the transcript with one page of its entries, and the `after` of the next page (null at the end). */
export const RecordingTranscriptPage = z.extend(RecordingTranscript, {
  nextAfter: z.nullable(z.number().check(z.int())),
});
export type RecordingTranscriptPage = z.infer<typeof RecordingTranscriptPage>;

export const RecordingNoteBody = z.object({ note: z.string().check(z.maxLength(4000)) });
export type RecordingNoteBody = z.infer<typeof RecordingNoteBody>;

export const RecordingLockBody = z.object({ locked: z.boolean() });
export type RecordingLockBody = z.infer<typeof RecordingLockBody>;

/** Space the recordings the operator may see take in the database (their text and a per-entry overhead). */
export const RecordingUsage = z.object({
  recordings: z.number().check(z.int()),
  bytes: z.number().check(z.int()),
});
export type RecordingUsage = z.infer<typeof RecordingUsage>;

/** An export of a filtered set: one zip with a file per conversation. */
export const RecordingExportBody = z.object({ filter: RecordingFilter, format: RecordingFormat });
export type RecordingExportBody = z.infer<typeof RecordingExportBody>;

export const RecordingExportJob = z.object({
  id: z.string(),
  state: z.enum(['running', 'done', 'cancelled', 'failed']),
  done: z.number().check(z.int()),
  total: z.number().check(z.int()),
  bytes: z.number().check(z.int()),
  message: z.nullable(z.string()),
});
export type RecordingExportJob = z.infer<typeof RecordingExportJob>;
