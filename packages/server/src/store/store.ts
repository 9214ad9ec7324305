import type {
  ChatEntry,
  ChatEventName,
  ChatStatus,
  LoggedOnUser,
  Person,
  ReceiptState,
  Receipts,
  Role,
} from '@parley/protocol';
import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.js';

export interface OperatorRecord {
  id: string;
  username: string;
  displayName: string;
  passwordHash: string;
  capabilities: string[];
}

export interface DeviceRecord {
  id: string;
  name: string;
  os: string;
  credentialHash: string;
  onlineNode: string | null;
  loggedOnUsers: LoggedOnUser[];
}

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
  receipts: Record<Role, Receipts>;
}

export interface NewMessage {
  clientId: string;
  from: Person;
  text: string;
  at: string;
}

export type NewChat = Omit<ChatRecord, 'lastSeq' | 'closedAt' | 'status' | 'receipts' | 'deviceName'>;

export interface AppendResult {
  entry: ChatEntry;
  /**
   * True when the same sender (role) already stored this client id in this chat: the stored entry is returned,
   * nothing is written.
   */
  duplicate: boolean;
}

/**
 * Everything Parley keeps. One implementation (Kysely) serves SQLite and PostgreSQL; the contract suite in
 * store.contract.test.ts runs against both.
 */
export interface Store {
  createOperator(op: OperatorRecord, at: string): Promise<void>;
  findOperatorByUsername(username: string): Promise<OperatorRecord | undefined>;
  findOperatorById(id: string): Promise<OperatorRecord | undefined>;

  createSession(tokenHash: string, operatorId: string, at: string, expiresAt: string): Promise<void>;
  findSessionOperator(tokenHash: string, now: string): Promise<OperatorRecord | undefined>;
  deleteSession(tokenHash: string): Promise<void>;

  createEnrollmentToken(tokenHash: string, createdBy: string, at: string, expiresAt: string): Promise<void>;
  /** Marks the token used; false when it is unknown, used or expired. */
  consumeEnrollmentToken(tokenHash: string, now: string): Promise<boolean>;

  createDevice(
    device: { id: string; name: string; os: string; credentialHash: string },
    at: string,
  ): Promise<void>;
  findDevice(id: string): Promise<DeviceRecord | undefined>;
  listDevices(): Promise<DeviceRecord[]>;
  setDeviceOnline(
    id: string,
    node: string,
    facts: { name: string; os: string; loggedOnUsers: LoggedOnUser[] },
    at: string,
  ): Promise<void>;
  setLoggedOnUsers(id: string, users: LoggedOnUser[], at: string): Promise<void>;
  /** Only the node that holds the connection may mark it offline (a newer connection may be elsewhere). */
  setDeviceOffline(id: string, node: string, at: string): Promise<boolean>;
  /** A node's lease on the devices it holds: their last_seen_at moves to `at`. */
  touchNodeDevices(node: string, at: string): Promise<void>;
  /** Devices whose node has not renewed its lease since `before` (that node is gone) go offline. Returns their ids. */
  expireStaleDevices(before: string, at: string): Promise<string[]>;
  /** At a node's start: devices it held before a crash are offline. Returns their ids. */
  clearNodeDevices(node: string, before: string): Promise<string[]>;

  /** Creates the chat with its first entry, the chat_opened event, at seq 1. */
  createChat(chat: NewChat, opener: Person): Promise<ChatEntry>;
  findChat(id: string): Promise<ChatRecord | undefined>;
  listOpenChats(deviceId: string): Promise<ChatRecord[]>;
  listOpenChatsOfOperator(operatorId: string): Promise<ChatRecord[]>;
  /** The one open chat of an operator with a device's end user (a unique index keeps it one), if any. */
  findOpenChatWith(
    operatorId: string,
    deviceId: string,
    endUserName: string,
  ): Promise<ChatRecord | undefined>;
  /**
   * Idempotent per (chat, sender role, client id): a resend by the same sender returns the stored entry. Null when
   * the chat is not open (closed, or closing at this very moment): nothing is written.
   */
  appendMessage(chatId: string, message: NewMessage): Promise<AppendResult | null>;
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
  /** Closes an open chat; false when it was already closed. Entries are deleted unless the chat is recorded. */
  closeChat(chatId: string, by: Person, at: string): Promise<ChatEntry | null>;

  /** Deletes sessions and enrollment tokens that expired before `now`. */
  deleteExpired(now: string): Promise<void>;

  /**
   * Runs `work` in one transaction: every write it makes through the store it is given commits together, or none
   * does (a change and its audit row; an enrollment's token and its device). Nested calls join the outer one.
   */
  transaction<T>(work: (store: Store) => Promise<T>): Promise<T>;

  close(): Promise<void>;
}

type EntryRow = Database['chat_entries'];

function toEntry(row: EntryRow): ChatEntry {
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

function toOperator(row: Database['operators']): OperatorRecord {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    passwordHash: row.password_hash,
    capabilities: JSON.parse(row.capabilities) as string[],
  };
}

function toDevice(row: Database['devices']): DeviceRecord {
  return {
    id: row.id,
    name: row.name,
    os: row.os,
    credentialHash: row.credential_hash,
    onlineNode: row.online_node,
    loggedOnUsers: JSON.parse(row.logged_on_users) as LoggedOnUser[],
  };
}

function toChat(row: Database['chats'] & { device_name: string }): ChatRecord {
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
    receipts: {
      operator: { deliveredSeq: Number(row.operator_delivered_seq), readSeq: Number(row.operator_read_seq) },
      end_user: { deliveredSeq: Number(row.end_user_delivered_seq), readSeq: Number(row.end_user_read_seq) },
    },
  };
}

const RECEIPT_COLUMNS = {
  operator: { delivered: 'operator_delivered_seq', read: 'operator_read_seq' },
  end_user: { delivered: 'end_user_delivered_seq', read: 'end_user_read_seq' },
} as const satisfies Record<Role, { delivered: keyof Database['chats']; read: keyof Database['chats'] }>;

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string };
  return (
    e.code === '23505' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e.code === 'SQLITE_CONSTRAINT_UNIQUE'
  );
}

export class SqlStore implements Store {
  constructor(private readonly db: Kysely<Database>) {}

  async createOperator(op: OperatorRecord, at: string): Promise<void> {
    await this.db
      .insertInto('operators')
      .values({
        id: op.id,
        username: op.username,
        display_name: op.displayName,
        password_hash: op.passwordHash,
        capabilities: JSON.stringify(op.capabilities),
        created_at: at,
      })
      .execute();
  }

  async findOperatorByUsername(username: string): Promise<OperatorRecord | undefined> {
    const row = await this.db
      .selectFrom('operators')
      .selectAll()
      .where('username', '=', username)
      .executeTakeFirst();
    return row && toOperator(row);
  }

  async findOperatorById(id: string): Promise<OperatorRecord | undefined> {
    const row = await this.db.selectFrom('operators').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toOperator(row);
  }

  async createSession(tokenHash: string, operatorId: string, at: string, expiresAt: string): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({ token_hash: tokenHash, operator_id: operatorId, created_at: at, expires_at: expiresAt })
      .execute();
  }

  async findSessionOperator(tokenHash: string, now: string): Promise<OperatorRecord | undefined> {
    const row = await this.db
      .selectFrom('sessions')
      .innerJoin('operators', 'operators.id', 'sessions.operator_id')
      .selectAll('operators')
      .where('sessions.token_hash', '=', tokenHash)
      .where('sessions.expires_at', '>', now)
      .executeTakeFirst();
    return row && toOperator(row);
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
  }

  async createEnrollmentToken(
    tokenHash: string,
    createdBy: string,
    at: string,
    expiresAt: string,
  ): Promise<void> {
    await this.db
      .insertInto('enrollment_tokens')
      .values({
        token_hash: tokenHash,
        created_by: createdBy,
        created_at: at,
        expires_at: expiresAt,
        used_at: null,
      })
      .execute();
  }

  async consumeEnrollmentToken(tokenHash: string, now: string): Promise<boolean> {
    const result = await this.db
      .updateTable('enrollment_tokens')
      .set({ used_at: now })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async createDevice(device: { id: string; name: string; os: string; credentialHash: string }, at: string) {
    await this.db
      .insertInto('devices')
      .values({
        id: device.id,
        name: device.name,
        os: device.os,
        credential_hash: device.credentialHash,
        enrolled_at: at,
        last_seen_at: null,
        online_node: null,
        logged_on_users: '[]',
        removed_at: null,
      })
      .execute();
  }

  async findDevice(id: string): Promise<DeviceRecord | undefined> {
    const row = await this.db
      .selectFrom('devices')
      .selectAll()
      .where('id', '=', id)
      .where('removed_at', 'is', null)
      .executeTakeFirst();
    return row && toDevice(row);
  }

  async listDevices(): Promise<DeviceRecord[]> {
    const rows = await this.db
      .selectFrom('devices')
      .selectAll()
      .where('removed_at', 'is', null)
      .orderBy('name')
      .orderBy('id')
      .execute();
    return rows.map(toDevice);
  }

  async setDeviceOnline(
    id: string,
    node: string,
    facts: { name: string; os: string; loggedOnUsers: LoggedOnUser[] },
    at: string,
  ): Promise<void> {
    await this.db
      .updateTable('devices')
      .set({
        name: facts.name,
        os: facts.os,
        online_node: node,
        last_seen_at: at,
        logged_on_users: JSON.stringify(facts.loggedOnUsers),
      })
      .where('id', '=', id)
      .execute();
  }

  async setLoggedOnUsers(id: string, users: LoggedOnUser[], at: string): Promise<void> {
    await this.db
      .updateTable('devices')
      .set({ logged_on_users: JSON.stringify(users), last_seen_at: at })
      .where('id', '=', id)
      .execute();
  }

  async setDeviceOffline(id: string, node: string, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('devices')
      .set({ online_node: null, last_seen_at: at })
      .where('id', '=', id)
      .where('online_node', '=', node)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async touchNodeDevices(node: string, at: string): Promise<void> {
    await this.db.updateTable('devices').set({ last_seen_at: at }).where('online_node', '=', node).execute();
  }

  async expireStaleDevices(before: string, at: string): Promise<string[]> {
    // One statement: a device renewed between a read and the update cannot be reported offline.
    const rows = await this.db
      .updateTable('devices')
      .set({ online_node: null, last_seen_at: at })
      .where('online_node', 'is not', null)
      .where('last_seen_at', '<', before)
      .returning('id')
      .execute();
    return rows.map((r) => r.id);
  }

  async clearNodeDevices(node: string, at: string): Promise<string[]> {
    // Only what was seen before `at`: an agent that connected to the starting node since is really there.
    const rows = await this.db
      .updateTable('devices')
      .set({ online_node: null, last_seen_at: at })
      .where('online_node', '=', node)
      .where('last_seen_at', '<', at)
      .returning('id')
      .execute();
    return rows.map((r) => r.id);
  }

  async createChat(chat: NewChat, opener: Person): Promise<ChatEntry> {
    return this.atomically(async (trx) => {
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
          operator_delivered_seq: 0,
          operator_read_seq: 0,
          end_user_delivered_seq: 0,
          end_user_read_seq: 0,
        })
        .execute();
      const opened = await this.insertEntry(trx, chat.id, {
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

  async findChat(id: string): Promise<ChatRecord | undefined> {
    const row = await this.chatsWithDevice().where('chats.id', '=', id).executeTakeFirst();
    return row && toChat(row);
  }

  async listOpenChats(deviceId: string): Promise<ChatRecord[]> {
    const rows = await this.chatsWithDevice()
      .where('chats.device_id', '=', deviceId)
      .where('chats.status', '=', 'open')
      .orderBy('chats.opened_at')
      .execute();
    return rows.map(toChat);
  }

  async findOpenChatWith(
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

  async listOpenChatsOfOperator(operatorId: string): Promise<ChatRecord[]> {
    const rows = await this.chatsWithDevice()
      .where('chats.operator_id', '=', operatorId)
      .where('chats.status', '=', 'open')
      .orderBy('chats.opened_at')
      .execute();
    return rows.map(toChat);
  }

  async appendMessage(chatId: string, message: NewMessage): Promise<AppendResult | null> {
    try {
      const entry = await this.atomically((trx) =>
        this.insertEntry(trx, chatId, {
          kind: 'message',
          client_id: message.clientId,
          from_role: message.from.role,
          from_name: message.from.name,
          text: message.text,
          event: null,
          at: message.at,
        }),
      );
      return entry && { entry, duplicate: false };
    } catch (error) {
      // This sender stored this client id already (a resend, or two nodes racing): answer with the stored entry.
      // The transaction rolled back, sequence number included.
      if (!isUniqueViolation(error)) throw error;
      const stored = await this.findByClientId(chatId, message.from.role, message.clientId);
      if (!stored) throw error;
      return { entry: stored, duplicate: true };
    }
  }

  async appendEvent(
    chatId: string,
    event: ChatEventName,
    from: Person | null,
    at: string,
    detail?: string,
  ): Promise<ChatEntry | null> {
    return this.atomically((trx) =>
      this.insertEntry(trx, chatId, {
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
    const chat = await this.findChat(chatId);
    return chat ? chat.receipts[role] : null;
  }

  async closeChat(chatId: string, by: Person, at: string): Promise<ChatEntry | null> {
    // The closing event, the status and the deletion are one transaction: a message racing the close either
    // lands before it (and goes with the chat) or finds the chat closed.
    return this.atomically(async (trx) => {
      const event = await this.insertEntry(trx, chatId, {
        kind: 'event',
        client_id: null,
        from_role: by.role,
        from_name: by.name,
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
        .where(sql<boolean>`(select recorded from chats where chats.id = chat_entries.chat_id) = 0`)
        .execute();
      return event;
    });
  }

  async deleteExpired(now: string): Promise<void> {
    await this.atomically(async (trx) => {
      await trx.deleteFrom('sessions').where('expires_at', '<=', now).execute();
      await trx.deleteFrom('enrollment_tokens').where('expires_at', '<=', now).execute();
    });
  }

  transaction<T>(work: (store: Store) => Promise<T>): Promise<T> {
    return this.atomically((trx) => work(new SqlStore(trx)));
  }

  /** One transaction, or the one this store already runs in. */
  private atomically<T>(work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return work(this.db);
    return this.db.transaction().execute(work);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  private chatsWithDevice() {
    return this.db
      .selectFrom('chats')
      .innerJoin('devices', 'devices.id', 'chats.device_id')
      .selectAll('chats')
      .select('devices.name as device_name');
  }

  private async findByClientId(chatId: string, role: Role, clientId: string): Promise<ChatEntry | undefined> {
    const row = await this.db
      .selectFrom('chat_entries')
      .selectAll()
      .where('chat_id', '=', chatId)
      .where('from_role', '=', role)
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    return row && toEntry({ ...row, seq: Number(row.seq) });
  }

  /**
   * Takes the chat's next sequence number and writes the entry, inside the caller's transaction; null (nothing
   * written) when the chat is not open.
   */
  private async insertEntry(
    trx: Kysely<Database>,
    chatId: string,
    entry: Omit<EntryRow, 'chat_id' | 'seq'>,
  ): Promise<ChatEntry | null> {
    const next = await trx
      .updateTable('chats')
      .set({ last_seq: sql`last_seq + 1` })
      .where('id', '=', chatId)
      .where('status', '=', 'open')
      .returning('last_seq')
      .executeTakeFirst();
    if (!next) return null;
    const row: EntryRow = { ...entry, chat_id: chatId, seq: Number(next.last_seq) };
    await trx.insertInto('chat_entries').values(row).execute();
    return toEntry(row);
  }
}
