import type { ChatStatus } from '@parley/protocol';
import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import { type Db, dialectOf, oneOf, utf8Bytes } from '../store/db.js';
import type { ChatsTable, Database } from '../store/schema.js';

/** Which recorded chats a query covers: always limited to the devices the operator may read. */
export interface RecordingSelection {
  /** The devices whose recordings may be shown; `all` for a super-administrator. */
  deviceIds: readonly string[] | 'all';
  operatorId?: string;
  deviceId?: string;
  /** Compared without case. */
  endUser?: string;
  /** ISO times, inclusive, on when the chat opened. */
  from?: string;
  to?: string;
  /** Words one message must all have (full-text: FTS5 on SQLite, to_tsvector('simple') on PostgreSQL). */
  q?: string;
}

export interface RecordingRecord {
  chatId: string;
  deviceId: string;
  deviceName: string;
  operatorId: string;
  operator: string;
  endUser: string;
  status: ChatStatus;
  startedAt: string;
  endedAt: string | null;
  messageCount: number;
  lockedAt: string | null;
  note: string | null;
}

export type DeleteOutcome = 'deleted' | 'not_found' | 'locked' | 'open';

/** Recorded chats (chats.recorded = 1) as the browser reads and manages them. Contract: recordingStore.contract.ts. */
export interface RecordingStore {
  /** Newest first, older than the chat `before` (a cursor) when given. */
  list(selection: RecordingSelection, limit: number, before?: string): Promise<RecordingRecord[]>;
  count(selection: RecordingSelection): Promise<number>;
  /** Recordings and the bytes of their entries (text and a fixed overhead per entry). */
  usage(selection: RecordingSelection): Promise<{ recordings: number; bytes: number }>;
  /** The devices that have recordings (the set the policy then narrows to what an operator may read). */
  deviceIds(): Promise<string[]>;
  find(chatId: string): Promise<RecordingRecord | undefined>;
  /** The chat's messages that have every word of `q`, in order. */
  matchingMessages(chatId: string, q: string, limit: number): Promise<{ seq: number; text: string }[]>;
  setNote(chatId: string, note: string | null): Promise<boolean>;
  /** `at` null unlocks. */
  setLocked(chatId: string, at: string | null): Promise<boolean>;
  /** Deletes a closed, unlocked recording with its entries. */
  delete(chatId: string): Promise<DeleteOutcome>;
}

/** Rough bytes a stored entry takes beside its text (keys, times, names, index entries). */
export const ENTRY_OVERHEAD_BYTES = 96;

/** The words of a search as both databases tokenize them: runs of letters and digits. */
export function searchWords(q: string): string[] {
  return q.match(/[\p{L}\p{N}]+/gu) ?? [];
}

type Where = ExpressionBuilder<Database, 'chats'>;

export class SqlRecordingStore implements RecordingStore {
  constructor(private readonly db: Db) {}

  /** Whether the entry row `alias` is a message with every word of `q`, on this database's full-text index. */
  private messageMatches(alias: 'm' | 'chat_entries', q: string) {
    const words = searchWords(q);
    if (words.length === 0) return sql<boolean>`1 = 0`;
    if (dialectOf(this.db) === 'postgres') {
      // The very expression the GIN index is built on (migration 0010).
      return sql<boolean>`${sql.ref(`${alias}.kind`)} = 'message' and to_tsvector('simple', coalesce(${sql.ref(`${alias}.text`)}, ''))
        @@ plainto_tsquery('simple', ${words.join(' ')})`;
    }
    const match = words.map((word) => `"${word}"`).join(' ');
    return sql<boolean>`${sql.ref(`${alias}.rowid`)} in (select rowid from chat_entries_fts where chat_entries_fts match ${match})`;
  }

  private selected(selection: RecordingSelection) {
    return (eb: Where) => {
      const conditions: Expression<SqlBool>[] = [eb('chats.recorded', '=', 1)];
      if (selection.deviceIds !== 'all')
        conditions.push(oneOf(this.db, 'chats.device_id', selection.deviceIds));
      if (selection.operatorId !== undefined)
        conditions.push(eb('chats.operator_id', '=', selection.operatorId));
      if (selection.deviceId !== undefined) conditions.push(eb('chats.device_id', '=', selection.deviceId));
      if (selection.endUser !== undefined) {
        conditions.push(eb(eb.fn('lower', ['chats.end_user_name']), '=', selection.endUser.toLowerCase()));
      }
      if (selection.from !== undefined) conditions.push(eb('chats.opened_at', '>=', selection.from));
      if (selection.to !== undefined) conditions.push(eb('chats.opened_at', '<=', selection.to));
      if (selection.q !== undefined) {
        const q = selection.q;
        conditions.push(
          eb.exists(
            eb
              .selectFrom('chat_entries as m')
              .select('m.seq')
              .whereRef('m.chat_id', '=', 'chats.id')
              .where(() => this.messageMatches('m', q)),
          ),
        );
      }
      return eb.and(conditions);
    };
  }

  private summaries() {
    return this.db
      .selectFrom('chats')
      .innerJoin('devices', 'devices.id', 'chats.device_id')
      .select([
        'chats.id',
        'chats.device_id',
        'devices.name as device_name',
        'chats.operator_id',
        'chats.operator_name',
        'chats.end_user_name',
        'chats.status',
        'chats.opened_at',
        'chats.closed_at',
        'chats.locked_at',
        'chats.note',
      ])
      .select((eb) =>
        eb
          .selectFrom('chat_entries')
          .select(eb.fn.countAll().as('n'))
          .whereRef('chat_entries.chat_id', '=', 'chats.id')
          .where('chat_entries.kind', '=', 'message')
          .as('message_count'),
      );
  }

  async list(selection: RecordingSelection, limit: number, before?: string): Promise<RecordingRecord[]> {
    let query = this.summaries().where(this.selected(selection));
    if (before !== undefined) query = query.where('chats.id', '<', before);
    const rows = await query.orderBy('chats.id', 'desc').limit(limit).execute();
    return rows.map(toRecord);
  }

  async count(selection: RecordingSelection): Promise<number> {
    const row = await this.db
      .selectFrom('chats')
      .select((eb) => eb.fn.countAll().as('n'))
      .where(this.selected(selection))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async usage(selection: RecordingSelection): Promise<{ recordings: number; bytes: number }> {
    const bytes = utf8Bytes(this.db, 'chat_entries.text');
    const row = await this.db
      .selectFrom('chats')
      .leftJoin('chat_entries', 'chat_entries.chat_id', 'chats.id')
      .select((eb) => [
        eb.fn.count<number>('chats.id').distinct().as('recordings'),
        eb.fn.count<number>('chat_entries.seq').as('entries'),
        eb.fn.sum<number>(bytes).as('text_bytes'),
      ])
      .where(this.selected(selection))
      .executeTakeFirstOrThrow();
    return {
      recordings: Number(row.recordings),
      bytes: Number(row.text_bytes ?? 0) + Number(row.entries) * ENTRY_OVERHEAD_BYTES,
    };
  }

  async deviceIds(): Promise<string[]> {
    const rows = await this.db
      .selectFrom('chats')
      .select('device_id')
      .distinct()
      .where('recorded', '=', 1)
      .execute();
    return rows.map((row) => row.device_id);
  }

  async find(chatId: string): Promise<RecordingRecord | undefined> {
    const row = await this.summaries()
      .where('chats.id', '=', chatId)
      .where('chats.recorded', '=', 1)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async matchingMessages(chatId: string, q: string, limit: number): Promise<{ seq: number; text: string }[]> {
    const rows = await this.db
      .selectFrom('chat_entries')
      .select(['seq', 'text'])
      .where('chat_id', '=', chatId)
      .where('kind', '=', 'message')
      .where(() => this.messageMatches('chat_entries', q))
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ seq: Number(row.seq), text: row.text ?? '' }));
  }

  async setNote(chatId: string, note: string | null): Promise<boolean> {
    const result = await this.db
      .updateTable('chats')
      .set({ note })
      .where('id', '=', chatId)
      .where('recorded', '=', 1)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async setLocked(chatId: string, at: string | null): Promise<boolean> {
    const result = await this.db
      .updateTable('chats')
      .set({ locked_at: at })
      .where('id', '=', chatId)
      .where('recorded', '=', 1)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async delete(chatId: string): Promise<DeleteOutcome> {
    const chat = await this.db
      .selectFrom('chats')
      .select(['status', 'locked_at'])
      .where('id', '=', chatId)
      .where('recorded', '=', 1)
      .executeTakeFirst();
    if (!chat) return 'not_found';
    if (chat.status === 'open') return 'open';
    if (chat.locked_at !== null) return 'locked';
    // One statement, its entries going with it (ON DELETE CASCADE): a lock that lands meanwhile keeps all of it.
    const result = await this.db
      .deleteFrom('chats')
      .where('id', '=', chatId)
      .where('locked_at', 'is', null)
      .where('status', '=', 'closed')
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1 ? 'deleted' : 'locked';
  }
}

type SummaryRow = Pick<
  ChatsTable,
  | 'id'
  | 'device_id'
  | 'operator_id'
  | 'operator_name'
  | 'end_user_name'
  | 'status'
  | 'opened_at'
  | 'closed_at'
  | 'locked_at'
  | 'note'
> & { device_name: string; message_count: string | number | bigint | null };

function toRecord(row: SummaryRow): RecordingRecord {
  return {
    chatId: row.id,
    deviceId: row.device_id,
    deviceName: row.device_name,
    operatorId: row.operator_id,
    operator: row.operator_name,
    endUser: row.end_user_name,
    status: row.status,
    startedAt: row.opened_at,
    endedAt: row.closed_at,
    messageCount: Number(row.message_count ?? 0),
    lockedAt: row.locked_at,
    note: row.note,
  };
}
