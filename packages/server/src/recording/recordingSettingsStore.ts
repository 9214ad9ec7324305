import { DEFAULT_RECORDING_SETTINGS, RecordingSettings } from '@parley/protocol';
import { sql } from 'kysely';
import { ENTRY_OVERHEAD_BYTES } from '../recordings/recordingStore.js';
import { type Db, utf8Bytes } from '../store/db.js';

/** A closed recorded chat, as the purge weighs it. */
export interface StoredRecording {
  chatId: string;
  closedAt: string;
  /** The recorded text's size (its messages' and events' text, in characters as the database counts them). */
  bytes: number;
  locked: boolean;
}

/** The recording_settings row and what the purge reads and removes. Contract: recordingSettingsStore.contract.ts. */
export interface RecordingSettingsStore {
  /** The stored settings; the defaults before an administrator saved any. */
  settings(): Promise<RecordingSettings>;
  save(settings: RecordingSettings, at: string, by: string): Promise<void>;
  /** Every closed recorded chat, oldest closed first. */
  closedRecordings(): Promise<StoredRecording[]>;
  /** Removes these recordings (chat and entries) unless locked meanwhile; returns the ids removed. */
  remove(chatIds: readonly string[]): Promise<string[]>;
}

const ROW = 'recording';

export class SqlRecordingSettingsStore implements RecordingSettingsStore {
  constructor(private readonly db: Db) {}

  async settings(): Promise<RecordingSettings> {
    const row = await this.db
      .selectFrom('recording_settings')
      .select('settings')
      .where('id', '=', ROW)
      .executeTakeFirst();
    if (!row) return DEFAULT_RECORDING_SETTINGS;
    // Settings saved by an older version lack the later keys: the defaults fill them in.
    return RecordingSettings.parse({ ...DEFAULT_RECORDING_SETTINGS, ...JSON.parse(row.settings) });
  }

  async save(settings: RecordingSettings, at: string, by: string): Promise<void> {
    const values = { settings: JSON.stringify(settings), updated_at: at, updated_by: by };
    await this.db
      .insertInto('recording_settings')
      .values({ id: ROW, ...values })
      .onConflict((conflict) => conflict.column('id').doUpdateSet(values))
      .execute();
  }

  async closedRecordings(): Promise<StoredRecording[]> {
    const rows = await this.db
      .selectFrom('chats')
      .select([
        'chats.id',
        'chats.closed_at',
        'chats.locked_at',
        // Counted as the recordings browser shows the space used: UTF-8 bytes of the text, and each entry's overhead.
        sql<number>`(select coalesce(sum(${utf8Bytes(this.db, 'chat_entries.text')} + ${ENTRY_OVERHEAD_BYTES}), 0) from chat_entries where chat_entries.chat_id = chats.id)`.as(
          'bytes',
        ),
      ])
      .where('chats.recorded', '=', 1)
      .where('chats.status', '=', 'closed')
      .orderBy('chats.closed_at')
      .orderBy('chats.id')
      .execute();
    return rows.map((row) => ({
      chatId: row.id,
      closedAt: row.closed_at ?? '',
      bytes: Number(row.bytes),
      locked: row.locked_at !== null,
    }));
  }

  async remove(chatIds: readonly string[]): Promise<string[]> {
    if (chatIds.length === 0) return [];
    // Entries go with their chat (ON DELETE CASCADE).
    const removed = await this.db
      .deleteFrom('chats')
      .where('id', 'in', [...chatIds])
      .where('locked_at', 'is', null)
      .where('recorded', '=', 1)
      .where('status', '=', 'closed')
      .returning('id')
      .execute();
    return removed.map((row) => row.id);
  }
}
