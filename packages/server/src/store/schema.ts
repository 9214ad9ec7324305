import type { ChatStatus, Role } from '@parley/protocol';

/** Tables as Kysely sees them. Times are ISO-8601 text and booleans 0/1 on both dialects. */
export interface Database {
  operators: OperatorsTable;
  sessions: SessionsTable;
  enrollment_tokens: EnrollmentTokensTable;
  devices: DevicesTable;
  chats: ChatsTable;
  chat_entries: ChatEntriesTable;
}

export interface OperatorsTable {
  id: string;
  username: string;
  display_name: string;
  password_hash: string;
  /** JSON array of capability names. */
  capabilities: string;
  created_at: string;
}

export interface SessionsTable {
  /** sha256 of the cookie's token: a database leak does not leak live sessions. */
  token_hash: string;
  operator_id: string;
  created_at: string;
  expires_at: string;
}

export interface EnrollmentTokensTable {
  token_hash: string;
  created_by: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface DevicesTable {
  id: string;
  name: string;
  os: string;
  credential_hash: string;
  enrolled_at: string;
  last_seen_at: string | null;
  /** The server node holding the agent's connection; null when offline. */
  online_node: string | null;
  /** JSON array of {name}. */
  logged_on_users: string;
  removed_at: string | null;
}

export interface ChatsTable {
  id: string;
  device_id: string;
  operator_id: string;
  operator_name: string;
  end_user_name: string;
  status: ChatStatus;
  opened_at: string;
  closed_at: string | null;
  last_seq: number;
  recorded: number;
  operator_delivered_seq: number;
  operator_read_seq: number;
  end_user_delivered_seq: number;
  end_user_read_seq: number;
}

export interface ChatEntriesTable {
  chat_id: string;
  seq: number;
  kind: 'message' | 'event';
  client_id: string | null;
  from_role: Role | null;
  from_name: string | null;
  text: string | null;
  event: string | null;
  at: string;
}
