import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';
import { dialectOf } from './db.js';

/** Migrations live in code, in order; each one runs unchanged on SQLite and PostgreSQL. */
const migrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('operators')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.notNull().unique())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('capabilities', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('sessions')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('operator_id', 'text', (c) => c.notNull().references('operators.id').onDelete('cascade'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('enrollment_tokens')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .execute();
      await db.schema
        .createTable('devices')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('os', 'text', (c) => c.notNull())
        .addColumn('credential_hash', 'text', (c) => c.notNull())
        .addColumn('enrolled_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text')
        .addColumn('online_node', 'text')
        .addColumn('logged_on_users', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('removed_at', 'text')
        .execute();
      await db.schema
        .createTable('chats')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id'))
        .addColumn('operator_id', 'text', (c) => c.notNull().references('operators.id'))
        .addColumn('operator_name', 'text', (c) => c.notNull())
        .addColumn('end_user_name', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('opened_at', 'text', (c) => c.notNull())
        .addColumn('closed_at', 'text')
        .addColumn('last_seq', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('recorded', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createIndex('chats_device_status')
        .on('chats')
        .columns(['device_id', 'status'])
        .execute();
      await db.schema
        .createTable('chat_entries')
        .addColumn('chat_id', 'text', (c) => c.notNull().references('chats.id').onDelete('cascade'))
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text')
        .addColumn('from_role', 'text')
        .addColumn('from_name', 'text')
        .addColumn('text', 'text')
        .addColumn('event', 'text')
        .addColumn('at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('chat_entries_pk', ['chat_id', 'seq'])
        .execute();
      await db.schema
        .createIndex('chat_entries_client_id')
        .on('chat_entries')
        .columns(['chat_id', 'client_id'])
        .unique()
        .execute();
    },
  },
  '0002_receipts': {
    async up(db: Kysely<unknown>) {
      for (const column of [
        'operator_delivered_seq',
        'operator_read_seq',
        'end_user_delivered_seq',
        'end_user_read_seq',
      ]) {
        await db.schema
          .alterTable('chats')
          .addColumn(column, 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
      }
    },
  },
  '0003_client_id_per_sender': {
    // A client id is made by its sender (P-20): the operator's and the end user's may be equal and still be two
    // messages. NULLs are distinct in a unique index on both dialects, so events (no client id) never collide.
    async up(db: Kysely<unknown>) {
      await db.schema.dropIndex('chat_entries_client_id').execute();
      await db.schema
        .createIndex('chat_entries_sender_client_id')
        .on('chat_entries')
        .columns(['chat_id', 'from_role', 'client_id'])
        .unique()
        .execute();
    },
  },
  '0004_one_open_chat_per_operator_device_user': {
    // 5c: one open chat per operator, device and end user, whichever node opens it. Newer duplicates close first,
    // as any close does: an unrecorded chat's entries go.
    async up(db: Kysely<unknown>) {
      const duplicates = sql`select id from chats where status = 'open' and id not in (
          select min(id) from chats where status = 'open' group by operator_id, device_id, end_user_name
        )`;
      await sql`delete from chat_entries where chat_id in (${duplicates}) and chat_id in (
          select id from chats where recorded = 0
        )`.execute(db);
      await sql`update chats set status = 'closed', closed_at = opened_at where id in (${duplicates})`.execute(
        db,
      );
      await db.schema
        .createIndex('chats_one_open')
        .on('chats')
        .columns(['operator_id', 'device_id', 'end_user_name'])
        .unique()
        .where(sql.ref('status'), '=', 'open')
        .execute();
    },
  },
  '0005_indexes_where_queries_filter': {
    async up(db: Kysely<unknown>) {
      await db.schema.createIndex('chats_operator').on('chats').column('operator_id').execute();
      await db.schema.createIndex('devices_online_node').on('devices').column('online_node').execute();
      await db.schema.createIndex('sessions_expires').on('sessions').column('expires_at').execute();
    },
  },
  '0006_operators_groups_rights_audit': {
    // Issue 8: operators that can be disabled, `admin` the one super-administrator; operator and device groups
    // (device groups nest, and a dynamic one has a rule); access rights; the audit log; sign-in failures per
    // account and per address; sessions that expire on idle and say where they come from.
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('operators').addColumn('disabled_at', 'text').execute();
      await db.schema
        .alterTable('operators')
        .addColumn('super_admin', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await sql`update operators set super_admin = 1 where username = 'admin'`.execute(db);
      await db.schema.alterTable('sessions').addColumn('last_seen_at', 'text').execute();
      await sql`update sessions set last_seen_at = created_at`.execute(db);
      await db.schema.alterTable('sessions').addColumn('address', 'text').execute();
      await db.schema.alterTable('sessions').addColumn('user_agent', 'text').execute();
      await db.schema.createIndex('sessions_operator').on('sessions').column('operator_id').execute();

      await db.schema
        .createTable('operator_groups')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('capabilities', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('operator_group_members')
        .addColumn('group_id', 'text', (c) =>
          c.notNull().references('operator_groups.id').onDelete('cascade'),
        )
        .addColumn('operator_id', 'text', (c) => c.notNull().references('operators.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('operator_group_members_pk', ['group_id', 'operator_id'])
        .execute();
      await db.schema
        .createIndex('operator_group_members_operator')
        .on('operator_group_members')
        .column('operator_id')
        .execute();

      await db.schema
        .createTable('device_groups')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('parent_id', 'text', (c) => c.references('device_groups.id'))
        .addColumn('rule', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('device_group_members')
        .addColumn('group_id', 'text', (c) => c.notNull().references('device_groups.id').onDelete('cascade'))
        .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('device_group_members_pk', ['group_id', 'device_id'])
        .execute();
      await db.schema
        .createIndex('device_group_members_device')
        .on('device_group_members')
        .column('device_id')
        .execute();

      await db.schema
        .createTable('access_rights')
        .addColumn('subject_kind', 'text', (c) => c.notNull())
        .addColumn('subject_id', 'text', (c) => c.notNull())
        .addColumn('target_kind', 'text', (c) => c.notNull())
        .addColumn('target_id', 'text', (c) => c.notNull())
        .addColumn('read', 'text')
        .addColumn('write', 'text')
        .addColumn('assign', 'text')
        .addPrimaryKeyConstraint('access_rights_pk', [
          'subject_kind',
          'subject_id',
          'target_kind',
          'target_id',
        ])
        .execute();
      await db.schema
        .createIndex('access_rights_target')
        .on('access_rights')
        .columns(['target_kind', 'target_id'])
        .execute();

      await db.schema
        .createTable('audit_log')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text')
        .addColumn('address', 'text')
        .addColumn('details', 'text', (c) => c.notNull().defaultTo('{}'))
        .execute();
      await db.schema.createIndex('audit_log_actor').on('audit_log').columns(['actor', 'id']).execute();
      await db.schema.createIndex('audit_log_action').on('audit_log').columns(['action', 'id']).execute();

      await db.schema
        .createTable('sign_in_failures')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('last_failure_at', 'text', (c) => c.notNull())
        .addColumn('locked_until', 'text')
        .execute();
    },
  },
  '0007_license': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('licenses')
        .addColumn('slot', 'text', (c) => c.primaryKey())
        .addColumn('file', 'text', (c) => c.notNull())
        .addColumn('installed_at', 'text', (c) => c.notNull())
        .addColumn('installed_by', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('license_evaluation')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0008_device_lifecycle': {
    // Issue 9: enrollment tokens with an id (to list and revoke them), a label, a use count and a device group;
    // devices an operator renamed, with what the agent reports beside it, where and by whom they were enrolled,
    // and a credential that can be revoked or rotated (a new one beside the current until the agent proves it).
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('enrollment_tokens').addColumn('id', 'text').execute();
      await sql`update enrollment_tokens set id = token_hash`.execute(db);
      await db.schema
        .createIndex('enrollment_tokens_id')
        .unique()
        .on('enrollment_tokens')
        .column('id')
        .execute();
      await db.schema
        .alterTable('enrollment_tokens')
        .addColumn('label', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      await db.schema
        .alterTable('enrollment_tokens')
        .addColumn('max_uses', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
      await db.schema
        .alterTable('enrollment_tokens')
        .addColumn('uses', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await sql`update enrollment_tokens set uses = 1 where used_at is not null`.execute(db);
      await db.schema.alterTable('enrollment_tokens').addColumn('device_group_id', 'text').execute();
      await db.schema.alterTable('enrollment_tokens').addColumn('revoked_at', 'text').execute();

      await db.schema
        .alterTable('devices')
        .addColumn('host_name', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      await sql`update devices set host_name = name`.execute(db);
      await db.schema.alterTable('devices').addColumn('renamed_at', 'text').execute();
      await db.schema
        .alterTable('devices')
        .addColumn('agent_version', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      await db.schema.alterTable('devices').addColumn('address', 'text').execute();
      await db.schema.alterTable('devices').addColumn('enrolled_by', 'text').execute();
      await db.schema.alterTable('devices').addColumn('pending_credential_hash', 'text').execute();
      await db.schema.alterTable('devices').addColumn('credential_revoked_at', 'text').execute();
    },
  },
  '0009_recording': {
    // Issue 10: the recording settings (one row, JSON); what a chat keeps fixed from its opening (its events
    // recorded, the notice its end user was shown); a recording's lock (the purge skips it) and note.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('recording_settings')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('settings', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .alterTable('chats')
        .addColumn('record_events', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
      await db.schema.alterTable('chats').addColumn('recording_notice', 'text').execute();
      await db.schema.alterTable('chats').addColumn('locked_at', 'text').execute();
      await db.schema.alterTable('chats').addColumn('note', 'text').execute();
      await db.schema
        .createIndex('chats_recorded')
        .on('chats')
        .columns(['recorded', 'status', 'closed_at'])
        .execute();
    },
  },
  '0010_recordings_browser': {
    // Issue 10's recordings browser: full-text search over message text (FTS5 on SQLite, a GIN index on
    // PostgreSQL, both over every message, so the index never misses what a later mark as recorded keeps), and
    // the list's order.
    async up(db: Kysely<unknown>) {
      await db.schema.createIndex('chats_recorded_id').on('chats').columns(['recorded', 'id']).execute();
      if (dialectOf(db) === 'postgres') {
        await sql`create index chat_entries_text_fts on chat_entries
          using gin (to_tsvector('simple', coalesce(text, ''))) where kind = 'message'`.execute(db);
        return;
      }
      await sql`create virtual table chat_entries_fts using fts5(
          text, content = 'chat_entries', content_rowid = 'rowid', tokenize = 'unicode61 remove_diacritics 0'
        )`.execute(db);
      await sql`insert into chat_entries_fts (rowid, text)
          select rowid, coalesce(text, '') from chat_entries where kind = 'message'`.execute(db);
      await sql`create trigger chat_entries_fts_insert after insert on chat_entries when new.kind = 'message'
          begin insert into chat_entries_fts (rowid, text) values (new.rowid, coalesce(new.text, '')); end`.execute(
        db,
      );
      await sql`create trigger chat_entries_fts_delete after delete on chat_entries when old.kind = 'message'
          begin insert into chat_entries_fts (chat_entries_fts, rowid, text)
            values ('delete', old.rowid, coalesce(old.text, '')); end`.execute(db);
    },
  },
  '0011_recording_exports': {
    // Exports of a filtered set in the shared database: any node answers a job's progress and serves its zip, and
    // a restart forgets nothing (they were one node's memory).
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('recording_exports')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('operator_id', 'text', (c) => c.notNull())
        .addColumn('node_id', 'text', (c) => c.notNull())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('done', 'integer', (c) => c.notNull())
        .addColumn('total', 'integer', (c) => c.notNull())
        .addColumn('bytes', 'bigint', (c) => c.notNull())
        .addColumn('message', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text')
        .execute();
      await db.schema
        .createIndex('recording_exports_operator')
        .on('recording_exports')
        .columns(['operator_id', 'state'])
        .execute();
      await db.schema
        .createTable('recording_export_parts')
        .addColumn('export_id', 'text', (c) =>
          c.notNull().references('recording_exports.id').onDelete('cascade'),
        )
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('data', dialectOf(db) === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
        .addPrimaryKeyConstraint('recording_export_parts_pk', ['export_id', 'seq'])
        .execute();
    },
  },
  '0012_search_index_for_recorded_chats_only': {
    // SQLite's full-text index takes the messages of recorded chats only (the only ones searched; a chat's
    // recorded flag is fixed when it opens): it was half of a small group commit's cost for every message.
    // A chat's entries deleted with it (ON DELETE CASCADE) no longer see their chat in their own trigger, so the
    // chat's trigger takes them out of the index first. PostgreSQL's partial GIN index cannot look at the chat.
    async up(db: Kysely<unknown>) {
      if (dialectOf(db) === 'postgres') return;
      const recorded = (entry: 'new' | 'old') =>
        sql.raw(`${entry}.kind = 'message' and (select recorded from chats where id = ${entry}.chat_id) = 1`);
      await sql`drop trigger chat_entries_fts_insert`.execute(db);
      await sql`drop trigger chat_entries_fts_delete`.execute(db);
      await sql`create trigger chat_entries_fts_insert after insert on chat_entries when ${recorded('new')}
          begin insert into chat_entries_fts (rowid, text) values (new.rowid, coalesce(new.text, '')); end`.execute(
        db,
      );
      await sql`create trigger chat_entries_fts_delete after delete on chat_entries when ${recorded('old')}
          begin insert into chat_entries_fts (chat_entries_fts, rowid, text)
            values ('delete', old.rowid, coalesce(old.text, '')); end`.execute(db);
      await sql`create trigger chats_fts_delete before delete on chats when old.recorded = 1
          begin insert into chat_entries_fts (chat_entries_fts, rowid, text)
            select 'delete', rowid, coalesce(text, '') from chat_entries
            where chat_id = old.id and kind = 'message'; end`.execute(db);
      await sql`insert into chat_entries_fts (chat_entries_fts) values ('delete-all')`.execute(db);
      await sql`insert into chat_entries_fts (rowid, text)
          select e.rowid, coalesce(e.text, '') from chat_entries e join chats c on c.id = e.chat_id
          where e.kind = 'message' and c.recorded = 1`.execute(db);
    },
  },
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};
