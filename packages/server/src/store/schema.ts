import type { ChatStatus, Role } from '@parley/protocol';

/** Tables as Kysely sees them. Times are ISO-8601 text and booleans 0/1 on both dialects. */
export interface Database {
  operators: OperatorsTable;
  sessions: SessionsTable;
  enrollment_tokens: EnrollmentTokensTable;
  devices: DevicesTable;
  chats: ChatsTable;
  chat_entries: ChatEntriesTable;
  operator_groups: OperatorGroupsTable;
  operator_group_members: OperatorGroupMembersTable;
  device_groups: DeviceGroupsTable;
  device_group_members: DeviceGroupMembersTable;
  access_rights: AccessRightsTable;
  audit_log: AuditLogTable;
  sign_in_failures: SignInFailuresTable;
  licenses: LicensesTable;
  license_evaluation: LicenseEvaluationTable;
  recording_settings: RecordingSettingsTable;
  recording_exports: RecordingExportsTable;
  recording_export_parts: RecordingExportPartsTable;
}

export interface OperatorsTable {
  id: string;
  username: string;
  display_name: string;
  password_hash: string;
  /** JSON array of capability names. */
  capabilities: string;
  created_at: string;
  disabled_at: string | null;
  /** 1 for `admin`: every capability and every right, never disabled, deleted or denied. */
  super_admin: number;
}

export interface SessionsTable {
  /** sha256 of the cookie's token: a database leak does not leak live sessions. */
  token_hash: string;
  operator_id: string;
  created_at: string;
  /** The absolute end; the session also ends after the idle timeout since `last_seen_at`. */
  expires_at: string;
  last_seen_at: string;
  address: string | null;
  user_agent: string | null;
}

export interface EnrollmentTokensTable {
  token_hash: string;
  created_by: string;
  created_at: string;
  expires_at: string;
  /** When it was last used. */
  used_at: string | null;
  id: string;
  label: string;
  max_uses: number;
  uses: number;
  /** The static device group enrolled devices join. */
  device_group_id: string | null;
  revoked_at: string | null;
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
  /** What the agent reports as its name; `name` is it unless an operator renamed the device (renamed_at). */
  host_name: string;
  renamed_at: string | null;
  agent_version: string;
  /** The address the agent last connected from. */
  address: string | null;
  /** The operator whose enrollment token the device used. */
  enrolled_by: string | null;
  /** A rotated credential the agent has not proven yet; the current one works until it does (P-30). */
  pending_credential_hash: string | null;
  credential_revoked_at: string | null;
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
  /** 0: a recorded chat keeps its messages only (its events go when it closes). */
  record_events: number;
  /** What its end user was told when it opened (null: not told, or not recorded). */
  recording_notice: string | null;
  /** A locked recording is never purged. */
  locked_at: string | null;
  /** A note on the recording. */
  note: string | null;
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

export interface OperatorGroupsTable {
  id: string;
  name: string;
  /** JSON array of capability names the members get. */
  capabilities: string;
  created_at: string;
}

export interface OperatorGroupMembersTable {
  group_id: string;
  operator_id: string;
}

export interface DeviceGroupsTable {
  id: string;
  name: string;
  parent_id: string | null;
  /** JSON of a dynamic group's rule (rights/accessRights.ts DynamicRule); null for a static group. */
  rule: string | null;
  created_at: string;
}

/** Static members as set by hand; a dynamic group's members as its rule last matched them. */
export interface DeviceGroupMembersTable {
  group_id: string;
  device_id: string;
}

export interface AccessRightsTable {
  subject_kind: 'operator' | 'operator_group';
  subject_id: string;
  target_kind: 'device' | 'device_group';
  target_id: string;
  read: 'allow' | 'deny' | null;
  write: 'allow' | 'deny' | null;
  assign: 'allow' | 'deny' | null;
}

export interface AuditLogTable {
  /** UUIDv7: time-ordered, the cursor of the audit pages. */
  id: string;
  at: string;
  /** An operator's username, `device:<id>`, `cli` or `system`; for a failed sign-in, the username tried. */
  actor: string;
  /** `<feature>.<verb>`: `auth.sign_in`, `operator.create`, `access_right.set`, … */
  action: string;
  /** What it was done to: `operator:<username>`, `device:<name>`, … */
  target: string | null;
  address: string | null;
  /** JSON object. */
  details: string;
}

/** Consecutive failed sign-ins of one account (`account:<username>`) or one address (`address:<ip>`). */
export interface SignInFailuresTable {
  key: string;
  failures: number;
  last_failure_at: string;
  locked_until: string | null;
}

/** The installed license: one row (`slot` = 'installed'), the file as imported, verified again on every read. */
export interface LicensesTable {
  slot: string;
  file: string;
  installed_at: string;
  /** Who imported it: an operator's username, `cli`, or `system` for the evaluation license. */
  installed_by: string;
}

/** The public key of the server's own evaluation license (its private key was never kept); one row, written once. */
export interface LicenseEvaluationTable {
  id: string;
  public_key: string;
  created_at: string;
}

export interface RecordingSettingsTable {
  /** Always `recording`: one row. */
  id: string;
  /** RecordingSettings as JSON. */
  settings: string;
  updated_at: string;
  updated_by: string;
}

export interface RecordingExportsTable {
  id: string;
  operator_id: string;
  node_id: string;
  format: 'json' | 'txt' | 'csv' | 'pdf';
  state: 'running' | 'done' | 'cancelled' | 'failed';
  done: number;
  total: number;
  bytes: number;
  message: string | null;
  created_at: string;
  updated_at: string;
  expires_at: string | null;
}

/** A zip is kept as parts of about a megabyte each, in order. */
export interface RecordingExportPartsTable {
  export_id: string;
  seq: number;
  data: Uint8Array;
}
