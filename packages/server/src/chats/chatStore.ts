import type {
  ChatEntry,
  ChatEventName,
  ChatStatus,
  Person,
  ReceiptState,
  Receipts,
  Role,
} from '@parley/protocol';
import { sql } from 'kysely';
import type { DeviceChatOf } from '../bus/bus.js';
import { atomically, type Db, dialectOf, jsonTable, oneOf } from '../store/db.js';
import type { ChatEntriesTable, ChatsTable } from '../store/schema.js';

export interface ChatRecord {
  id: string;
  deviceId: string;
  /** The device's current name (read with the chat). */
  deviceName: string;
  operatorId: string;
  operatorName: string;
  endUserName: string;
  status: ChatStatus;
  openedAt: string;
  closedAt: string | null;
  lastSeq: number;
  recorded: boolean;
  /** Whether a recorded chat keeps its events (fixed when it opens, as `recorded` is). */
  recordEvents: boolean;
  /** What its end user was told about the recording when it opened; null when nothing. */
  recordingNotice: string | null;
  receipts: Record<Role, Receipts>;
}

export interface NewMessage {
  clientId: string;
  from: Person;
  text: string;
  at: string;
}

export type NewChat = Omit<
  ChatRecord,
  'lastSeq' | 'closedAt' | 'status' | 'receipts' | 'deviceName' | 'recordEvents' | 'recordingNotice'
> &
  Partial<Pick<ChatRecord, 'recordEvents' | 'recordingNotice'>>;

/** One message of a group commit: the chat it goes to and the message. */
export interface QueuedMessage {
  chatId: string;
  message: NewMessage;
}

export interface AppendResult {
  entry: ChatEntry;
  /**
   * True when the same sender (role) already stored this client id in this chat: the stored entry is returned,
   * nothing is written.
   */
  duplicate: boolean;
}

/**
 * The chats and chat_entries tables: chats, their messages and events in one sequence, and receipts. Contract:
 * chatStore.contract.ts.
 */
export interface ChatStore {
  /**
   * Creates the chat with its first entry, the chat_opened event, at seq 1. Rejects a second open chat of the same
   * operator, device and end user (a unique index).
   */
  create(chat: NewChat, opener: Person): Promise<ChatEntry>;
  find(id: string): Promise<ChatRecord | undefined>;
  /** A device's open chats, oldest first. */
  listOpen(deviceId: string): Promise<ChatRecord[]>;
  /** The open chats of any of `deviceIds` (a page of the device list), oldest first. */
  listOpenOn(deviceIds: readonly string[]): Promise<ChatRecord[]>;
  /** An operator's open chats, oldest first. */
  listOpenOfOperator(operatorId: string): Promise<ChatRecord[]>;
  /** The one open chat of an operator with a device's end user (a unique index keeps it one), if any. */
  findOpenWith(operatorId: string, deviceId: string, endUserName: string): Promise<ChatRecord | undefined>;
  /**
   * Idempotent per (chat, sender role, client id): a resend by the same sender returns the stored entry (as long as it
   * is kept). Null for a new message when the chat is not open (closed, or closing at this very moment): nothing is
   * written. Never fails a statement on a resend, so it may run inside a larger transaction.
   */
  appendMessage(chatId: string, message: NewMessage): Promise<AppendResult | null>;
  /** appendMessage for each, in order, in one transaction (a group commit): all commit, or none does. */
  appendMessages(batch: readonly QueuedMessage[]): Promise<(AppendResult | null)[]>;
  /** Null when the chat is not open. `detail` says more where the event has more to say (`page_failed`). */
  appendEvent(
    chatId: string,
    event: ChatEventName,
    from: Person | null,
    at: string,
    detail?: string,
  ): Promise<ChatEntry | null>;
  entriesAfter(chatId: string, afterSeq: number, limit: number): Promise<ChatEntry[]>;
  /**
   * Moves `role`'s delivered (and, for `read`, read) mark up to `seq`, never down and never past the chat's last
   * entry. Returns the new marks, or null when nothing moved.
   */
  advanceReceipt(chatId: string, role: Role, state: ReceiptState, seq: number): Promise<Receipts | null>;
  /**
   * Closes an open chat and returns its chat_closed event; null when it was already closed. Entries are deleted
   * unless the chat is recorded (its events too when it records messages only).
   */
  /** `by` null: no person closed it (the operator's access was withdrawn). */
  close(chatId: string, by: Person | null, at: string): Promise<ChatEntry | null>;
}

function toEntry(row: ChatEntriesTable): ChatEntry {
  const from = row.from_role && row.from_name !== null ? { role: row.from_role, name: row.from_name } : null;
  if (row.kind === 'message' && from) {
    return {
      kind: 'message',
      seq: row.seq,
      at: row.at,
      clientId: row.client_id ?? '',
      from,
      text: row.text ?? '',
    };
  }
  const event = { kind: 'event', seq: row.seq, at: row.at, event: row.event as ChatEventName, from } as const;
  return row.text === null ? event : { ...event, detail: row.text };
}

function toChat(row: ChatsTable & { device_name: string }): ChatRecord {
  return {
    id: row.id,
    deviceId: row.device_id,
    deviceName: row.device_name,
    operatorId: row.operator_id,
    operatorName: row.operator_name,
    endUserName: row.end_user_name,
    status: row.status,
    openedAt: row.opened_at,
    closedAt: row.closed_at,
    lastSeq: Number(row.last_seq),
    recorded: Number(row.recorded) === 1,
    recordEvents: Number(row.record_events) === 1,
    recordingNotice: row.recording_notice,
    receipts: {
      operator: { deliveredSeq: Number(row.operator_delivered_seq), readSeq: Number(row.operator_read_seq) },
      end_user: { deliveredSeq: Number(row.end_user_delivered_seq), readSeq: Number(row.end_user_read_seq) },
    },
  };
}

const RECEIPT_COLUMNS = {
  operator: { delivered: 'operator_delivered_seq', read: 'operator_read_seq' },
  end_user: { delivered: 'end_user_delivered_seq', read: 'end_user_read_seq' },
} as const satisfies Record<Role, { delivered: keyof ChatsTable; read: keyof ChatsTable }>;

export class SqlChatStore implements ChatStore {
  constructor(private readonly db: Db) {}

  async create(chat: NewChat, opener: Person): Promise<ChatEntry> {
    return atomically(this.db, async (trx) => {
      await trx
        .insertInto('chats')
        .values({
          id: chat.id,
          device_id: chat.deviceId,
          operator_id: chat.operatorId,
          operator_name: chat.operatorName,
          end_user_name: chat.endUserName,
          status: 'open',
          opened_at: chat.openedAt,
          closed_at: null,
          last_seq: 0,
          recorded: chat.recorded ? 1 : 0,
          record_events: chat.recordEvents === false ? 0 : 1,
          recording_notice: chat.recordingNotice ?? null,
          locked_at: null,
          note: null,
          operator_delivered_seq: 0,
          operator_read_seq: 0,
          end_user_delivered_seq: 0,
          end_user_read_seq: 0,
        })
        .execute();
      const opened = await insertEntry(trx, chat.id, {
        kind: 'event',
        client_id: null,
        from_role: opener.role,
        from_name: opener.name,
        text: null,
        event: 'chat_opened',
        at: chat.openedAt,
      });
      if (!opened) throw new Error(`chat ${chat.id} was not open right after its creation`);
      return opened;
    });
  }

  async find(id: string): Promise<ChatRecord | undefined> {
    const row = await this.chatsWithDevice().where('chats.id', '=', id).executeTakeFirst();
    return row && toChat(row);
  }

  async listOpen(deviceId: string): Promise<ChatRecord[]> {
    const rows = await this.chatsWithDevice()
      .where('chats.device_id', '=', deviceId)
      .where('chats.status', '=', 'open')
      .orderBy('chats.opened_at')
      .execute();
    return rows.map(toChat);
  }

  async listOpenOn(deviceIds: readonly string[]): Promise<ChatRecord[]> {
    if (deviceIds.length === 0) return [];
    const rows = await this.chatsWithDevice()
      .where(() => oneOf(this.db, 'chats.device_id', deviceIds))
      .where('chats.status', '=', 'open')
      .orderBy('chats.opened_at')
      .execute();
    return rows.map(toChat);
  }

  async listOpenOfOperator(operatorId: string): Promise<ChatRecord[]> {
    const rows = await this.chatsWithDevice()
      .where('chats.operator_id', '=', operatorId)
      .where('chats.status', '=', 'open')
      .orderBy('chats.opened_at')
      .execute();
    return rows.map(toChat);
  }

  async findOpenWith(
    operatorId: string,
    deviceId: string,
    endUserName: string,
  ): Promise<ChatRecord | undefined> {
    const row = await this.chatsWithDevice()
      .where('chats.operator_id', '=', operatorId)
      .where('chats.device_id', '=', deviceId)
      .where('chats.end_user_name', '=', endUserName)
      .where('chats.status', '=', 'open')
      .executeTakeFirst();
    return row && toChat(row);
  }

  async appendMessage(chatId: string, message: NewMessage): Promise<AppendResult | null> {
    return (await this.appendMessages([{ chatId, message }]))[0] ?? null;
  }

  /**
   * A few statements for the whole batch, whatever its size: the client ids already stored (one), the numbers each
   * chat takes (one per chat, open chats only), the new entries (one). Writers of a chat's entries hold its row first (PostgreSQL's row lock,
   * SQLite's one writer), so the stored client ids read here stay true until the commit; were one stored meanwhile
   * anyway, the insert would say so and the batch fails (the group commit then tries its messages one by one).
   */
  async appendMessages(batch: readonly QueuedMessage[]): Promise<(AppendResult | null)[]> {
    if (batch.length === 0) return [];
    return atomically(this.db, async (trx) => {
      const chatIds = [...new Set(batch.map((queued) => queued.chatId))].sort();
      if (dialectOf(trx) === 'postgres')
        // The chats' rows locked in id order, so two nodes' batches never deadlock.
        await trx
          .selectFrom('chats')
          .select('id')
          .where(() => oneOf(trx, 'chats.id', chatIds))
          .orderBy('id')
          .forUpdate()
          .execute();
      const senderKey = (chatId: string, role: string, clientId: string) => `${chatId} ${role} ${clientId}`;
      const keys = batch.map(({ chatId, message }) => ({
        chat_id: chatId,
        from_role: message.from.role,
        client_id: message.clientId,
      }));
      const stored = new Map<string, ChatEntry>();
      const storedRows = await trx
        .selectFrom('chat_entries')
        .innerJoin(
          jsonTable(trx, { chat_id: 'text', from_role: 'text', client_id: 'text' }, keys).as('k'),
          (join) =>
            join
              .onRef('k.chat_id', '=', 'chat_entries.chat_id')
              .onRef('k.from_role', '=', 'chat_entries.from_role')
              .onRef('k.client_id', '=', 'chat_entries.client_id'),
        )
        .selectAll('chat_entries')
        .execute();
      for (const row of storedRows)
        stored.set(
          senderKey(row.chat_id, row.from_role ?? '', row.client_id ?? ''),
          toEntry({ ...row, seq: Number(row.seq) }),
        );
      // What is new, each client id once: how many numbers each chat takes.
      const fresh = new Map<string, number>();
      const taking = new Map<string, number>();
      for (const [i, { chatId, message }] of batch.entries()) {
        const key = senderKey(chatId, message.from.role, message.clientId);
        if (stored.has(key) || fresh.has(key)) continue;
        fresh.set(key, i);
        taking.set(chatId, (taking.get(chatId) ?? 0) + 1);
      }
      // One statement per chat (an UPDATE … FROM over the batch cost three times as much on SQLite), in id order.
      const lastSeq = new Map<string, number>();
      for (const chatId of chatIds) {
        const n = taking.get(chatId);
        if (n === undefined) continue;
        const taken = await trx
          .updateTable('chats')
          .set({ last_seq: sql`last_seq + ${n}` })
          .where('id', '=', chatId)
          .where('status', '=', 'open')
          .returning('last_seq')
          .executeTakeFirst();
        if (taken) lastSeq.set(chatId, Number(taken.last_seq) - n);
      }
      const rows: ChatEntriesTable[] = [];
      const results: (AppendResult | null)[] = batch.map(({ chatId, message }, i) => {
        const key = senderKey(chatId, message.from.role, message.clientId);
        const before = stored.get(key);
        if (before) return { entry: before, duplicate: true };
        const first = fresh.get(key);
        const last = lastSeq.get(chatId);
        if (last === undefined || first === undefined) return null;
        if (first !== i) return null; // filled in below from the first
        const seq = last + 1;
        lastSeq.set(chatId, seq);
        const row: ChatEntriesTable = {
          chat_id: chatId,
          seq,
          kind: 'message',
          client_id: message.clientId,
          from_role: message.from.role,
          from_name: message.from.name,
          text: message.text,
          event: null,
          at: message.at,
        };
        rows.push(row);
        return { entry: toEntry(row), duplicate: false };
      });
      // A client id sent twice in the batch: the second is the first's duplicate.
      for (const [i, { chatId, message }] of batch.entries()) {
        const first = fresh.get(senderKey(chatId, message.from.role, message.clientId));
        const original = first === undefined || first === i ? undefined : results[first];
        if (original) results[i] = { entry: original.entry, duplicate: true };
      }
      if (rows.length > 0) {
        const inserted = await trx
          .insertInto('chat_entries')
          .values(rows)
          .onConflict((conflict) => conflict.columns(['chat_id', 'from_role', 'client_id']).doNothing())
          .returning('seq')
          .execute();
        if (inserted.length !== rows.length)
          throw new Error('a client id of the batch was stored meanwhile; storing its messages one by one');
      }
      return results;
    });
  }

  async appendEvent(
    chatId: string,
    event: ChatEventName,
    from: Person | null,
    at: string,
    detail?: string,
  ): Promise<ChatEntry | null> {
    return atomically(this.db, (trx) =>
      insertEntry(trx, chatId, {
        kind: 'event',
        client_id: null,
        from_role: from?.role ?? null,
        from_name: from?.name ?? null,
        text: detail ?? null,
        event,
        at,
      }),
    );
  }

  async entriesAfter(chatId: string, afterSeq: number, limit: number): Promise<ChatEntry[]> {
    const rows = await this.db
      .selectFrom('chat_entries')
      .selectAll()
      .where('chat_id', '=', chatId)
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((row) => toEntry({ ...row, seq: Number(row.seq) }));
  }

  async advanceReceipt(
    chatId: string,
    role: Role,
    state: ReceiptState,
    seq: number,
  ): Promise<Receipts | null> {
    const { delivered, read } = RECEIPT_COLUMNS[role];
    const moved = state === 'delivered' ? delivered : read;
    const set =
      state === 'delivered'
        ? { [delivered]: seq }
        : {
            [read]: seq,
            [delivered]: sql<number>`case when ${sql.ref(delivered)} < ${seq} then ${seq} else ${sql.ref(delivered)} end`,
          };
    const result = await this.db
      .updateTable('chats')
      .set(set)
      .where('id', '=', chatId)
      .where(moved, '<', seq)
      .where('last_seq', '>=', seq)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return null;
    const chat = await this.find(chatId);
    return chat ? chat.receipts[role] : null;
  }

  async close(chatId: string, by: Person | null, at: string): Promise<ChatEntry | null> {
    // The closing event, the status and the deletion are one transaction: a message racing the close either
    // lands before it (and goes with the chat) or finds the chat closed.
    return atomically(this.db, async (trx) => {
      const event = await insertEntry(trx, chatId, {
        kind: 'event',
        client_id: null,
        from_role: by?.role ?? null,
        from_name: by?.name ?? null,
        text: null,
        event: 'chat_closed',
        at,
      });
      if (!event) return null;
      await trx
        .updateTable('chats')
        .set({ status: 'closed', closed_at: at })
        .where('id', '=', chatId)
        .execute();
      await trx
        .deleteFrom('chat_entries')
        .where('chat_id', '=', chatId)
        .where((eb) =>
          eb.or([
            sql<boolean>`(select recorded from chats where chats.id = chat_entries.chat_id) = 0`,
            eb.and([
              eb('kind', '=', 'event'),
              sql<boolean>`(select record_events from chats where chats.id = chat_entries.chat_id) = 0`,
            ]),
          ]),
        )
        .execute();
      return event;
    });
  }

  private chatsWithDevice() {
    return this.db
      .selectFrom('chats')
      .innerJoin('devices', 'devices.id', 'chats.device_id')
      .selectAll('chats')
      .select('devices.name as device_name');
  }
}

/**
 * Takes an open chat's next sequence number, inside the caller's transaction (which holds the chat's row from here
 * on); null when the chat is not open.
 */
async function takeNextSeq(trx: Db, chatId: string): Promise<number | null> {
  const next = await trx
    .updateTable('chats')
    .set({ last_seq: sql`last_seq + 1` })
    .where('id', '=', chatId)
    .where('status', '=', 'open')
    .returning('last_seq')
    .executeTakeFirst();
  return next ? Number(next.last_seq) : null;
}

/** Writes an entry at the chat's next sequence number, inside the caller's transaction; null when it is not open. */
async function insertEntry(
  trx: Db,
  chatId: string,
  entry: Omit<ChatEntriesTable, 'chat_id' | 'seq'>,
): Promise<ChatEntry | null> {
  const seq = await takeNextSeq(trx, chatId);
  if (seq === null) return null;
  const row: ChatEntriesTable = { ...entry, chat_id: chatId, seq };
  await trx.insertInto('chat_entries').values(row).execute();
  return toEntry(row);
}

/** Whose the chat is, as the device lists carry it. */
export function deviceChatOf(chat: ChatRecord): DeviceChatOf {
  return { chatId: chat.id, operatorId: chat.operatorId, operatorName: chat.operatorName };
}
