import { z } from 'zod';
import { Role } from './protocol.js';

/** Recorded conversations: the browser's REST bodies and answers (issue 10). */

const id = z.string().min(1).max(64);

/** The filters of a list, a search and an export of a filtered set. */
export const RecordingFilter = z.object({
  /** A device id. */
  device: id.optional(),
  /** An operator's id or username. */
  operator: z.string().min(1).max(128).optional(),
  /** The end user's name, exactly (case ignored). */
  endUser: z.string().min(1).max(256).optional(),
  /** ISO times, inclusive, on when the chat started. */
  from: z.iso.datetime().optional(),
  to: z.iso.datetime().optional(),
  /** Words every matching chat has in its messages (full-text). */
  q: z.string().trim().min(1).max(200).optional(),
});
export type RecordingFilter = z.infer<typeof RecordingFilter>;

export const RecordingQuery = RecordingFilter.extend({
  limit: z.coerce.number().int().min(1).max(200).optional(),
  /** The `nextCursor` of the page before (also sent as the X-Next-Cursor header). */
  cursor: z.string().max(128).optional(),
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
  endedAt: z.string().nullable(),
  messageCount: z.number().int(),
});
export type RecordingSummary = z.infer<typeof RecordingSummary>;

/** A part of a message that matched a search: `text` as stored, `marks` the [start, end) UTF-16 offsets of the words. */
export const RecordingMatch = z.object({
  seq: z.number().int(),
  text: z.string(),
  marks: z.array(z.tuple([z.number().int(), z.number().int()])),
});
export type RecordingMatch = z.infer<typeof RecordingMatch>;

export const RecordingListItem = RecordingSummary.extend({
  lockedAt: z.string().nullable(),
  note: z.string().nullable(),
  /** With `q`: the first messages that matched, to show with their words marked. */
  matches: z.array(RecordingMatch),
});
export type RecordingListItem = z.infer<typeof RecordingListItem>;

export const RecordingPage = z.object({
  recordings: z.array(RecordingListItem),
  nextCursor: z.string().nullable(),
  /** How many match the filters, among what the operator may see. */
  total: z.number().int(),
});
export type RecordingPage = z.infer<typeof RecordingPage>;

export const RecordingEntry = z.object({
  seq: z.number().int(),
  at: z.string(),
  kind: z.enum(['message', 'event']),
  from: z.object({ role: Role, name: z.string() }).nullable(),
  text: z.string(),
});
export type RecordingEntry = z.infer<typeof RecordingEntry>;

export const RecordingTranscript = RecordingSummary.extend({
  lockedAt: z.string().nullable(),
  note: z.string().nullable(),
  entries: z.array(RecordingEntry),
});
export type RecordingTranscript = z.infer<typeof RecordingTranscript>;

export const RecordingFormat = z.enum(['json', 'txt', 'csv', 'pdf']);
export type RecordingFormat = z.infer<typeof RecordingFormat>;

/** A transcript's JSON view reads its entries in pages: `after` the last seq seen, `limit` at most. */
export const TranscriptQuery = z.object({
  format: RecordingFormat.optional(),
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(5000).optional(),
});
export type TranscriptQuery = z.infer<typeof TranscriptQuery>;

/** The JSON view: the transcript with one page of its entries, and the `after` of the next page (null at the end). */
export const RecordingTranscriptPage = RecordingTranscript.extend({ nextAfter: z.number().int().nullable() });
export type RecordingTranscriptPage = z.infer<typeof RecordingTranscriptPage>;

export const RecordingNoteBody = z.object({ note: z.string().max(4000) });
export type RecordingNoteBody = z.infer<typeof RecordingNoteBody>;

export const RecordingLockBody = z.object({ locked: z.boolean() });
export type RecordingLockBody = z.infer<typeof RecordingLockBody>;

/** Space the recordings the operator may see take in the database (their text and a per-entry overhead). */
export const RecordingUsage = z.object({ recordings: z.number().int(), bytes: z.number().int() });
export type RecordingUsage = z.infer<typeof RecordingUsage>;

/** An export of a filtered set: one zip with a file per conversation. */
export const RecordingExportBody = z.object({ filter: RecordingFilter, format: RecordingFormat });
export type RecordingExportBody = z.infer<typeof RecordingExportBody>;

export const RecordingExportJob = z.object({
  id: z.string(),
  state: z.enum(['running', 'done', 'cancelled', 'failed']),
  done: z.number().int(),
  total: z.number().int(),
  bytes: z.number().int(),
  message: z.string().nullable(),
});
export type RecordingExportJob = z.infer<typeof RecordingExportJob>;
