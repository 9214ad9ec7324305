import { z } from 'zod/mini';

/**
 * Recording settings (issue 10): whether conversations are recorded, whose, what of them, how long they are kept and
 * what the end user is told. `GET /api/settings/recording` answers them; `PUT` takes them, every key past the five
 * of DESIGN.md optional (left out: it stays as it was).
 */

const recordId = z.string().check(z.minLength(1), z.maxLength(64));
const ids = z.array(recordId).check(z.maxLength(1000));

/**
 * Which chats are recorded: every chat, or those whose device is in one of the device groups (nested and dynamic
 * groups count), whose operator is one of the operators, or is in one of the operator groups.
 */
export const RecordingScope = z.union([
  z.literal('all'),
  z.strictObject({
    deviceGroupIds: z.optional(ids),
    operatorIds: z.optional(ids),
    operatorGroupIds: z.optional(ids),
  }),
]);
export type RecordingScope = z.infer<typeof RecordingScope>;

/** The notice an end user reads before the first message when no administrator wrote one. */
export const DEFAULT_RECORDING_NOTICE = 'This conversation is recorded by {organization}.';
export const MAX_NOTICE_LENGTH = 500;

export const RecordingSettings = z.strictObject({
  enabled: z.boolean(),
  scope: RecordingScope,
  /** Recordings older than this many days are removed; null keeps them forever. */
  retentionDays: z.nullable(z.number().check(z.int(), z.gte(1), z.lte(36_500))),
  /** At most this many recordings are kept (the oldest unlocked go first); null: no limit. */
  maxRecordings: z.nullable(z.number().check(z.int(), z.gte(1))),
  /** At most this many bytes of recorded text are kept (the oldest unlocked go first); null: no limit. */
  maxTotalBytes: z.nullable(z.number().check(z.int(), z.gte(1))),
  notifyEndUser: z.boolean(),
  /** What the end user is told; `{organization}` names the help desk. Null: DEFAULT_RECORDING_NOTICE. */
  noticeText: z.nullable(z.string().check(z.trim(), z.minLength(1), z.maxLength(MAX_NOTICE_LENGTH))),
  /** Events (opened, closed and by whom, disconnects, delivery failures, rights revoked) are kept with messages. */
  recordEvents: z.boolean(),
});
export type RecordingSettings = z.infer<typeof RecordingSettings>;

export const DEFAULT_RECORDING_SETTINGS: RecordingSettings = {
  enabled: false,
  scope: 'all',
  retentionDays: null,
  maxRecordings: null,
  maxTotalBytes: null,
  notifyEndUser: true,
  noticeText: null,
  recordEvents: true,
};

export const RecordingSettingsBody = z.required(z.partial(RecordingSettings), {
  enabled: true,
  scope: true,
  retentionDays: true,
  notifyEndUser: true,
  recordEvents: true,
});
export type RecordingSettingsBody = z.infer<typeof RecordingSettingsBody>;

/** The notice text with the organisation put in. */
export function recordingNotice(
  settings: Pick<RecordingSettings, 'noticeText'>,
  organization: string,
): string {
  return (settings.noticeText ?? DEFAULT_RECORDING_NOTICE).replaceAll(
    '{organization}',
    organization || 'the help desk',
  );
}
