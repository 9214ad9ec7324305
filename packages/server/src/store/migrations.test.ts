import type { Person } from '@parley/protocol';
import SQLite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { rawSql, type TempDatabase, tempPostgres, tempSqlite } from '../../test/support/databases.js';
import { alice, at, pc1 } from '../../test/support/storeContract.js';
import { uuidv7 } from '../ids.js';
import { openStore } from './open.js';

const implementations: [string, () => Promise<TempDatabase>][] = [
  ['sqlite', async () => tempSqlite()],
  ['postgres', tempPostgres],
];

describe.each(implementations)('migration 0004 on %s', (_name, makeDatabase) => {
  it('5c: closes the newer duplicate open chats of a database from before, and deletes their entries', async () => {
    const database = await makeDatabase();
    try {
      let store = await openStore(database.location);
      await store.operators.create(
        {
          id: 'op1',
          username: 'alice',
          displayName: 'Alice',
          passwordHash: 'h',
          capabilities: [],
          superAdmin: false,
        },
        new Date().toISOString(),
      );
      await store.devices.create(
        { id: 'dev1', name: 'PC-1', os: 'linux', credentialHash: 'c' },
        new Date().toISOString(),
      );
      // As before migration 0004: no unique index, and three open chats with bob (the first one the oldest).
      await rawSql(database.location, [
        // …without what 0012 added,
        ...(database.location.kind === 'sqlite' ? ['drop trigger chats_fts_delete'] : []),
        // …without what 0011 added,
        'drop table recording_export_parts',
        'drop table recording_exports',
        // …without what 0010 added,
        ...(database.location.kind === 'sqlite'
          ? [
              'drop trigger chat_entries_fts_insert',
              'drop trigger chat_entries_fts_delete',
              'drop table chat_entries_fts',
            ]
          : ['drop index chat_entries_text_fts']),
        'drop index chats_recorded_id',
        // …without what 0009 added,
        'drop index chats_recorded',
        'drop table recording_settings',
        'alter table chats drop column record_events',
        'alter table chats drop column recording_notice',
        'alter table chats drop column locked_at',
        'alter table chats drop column note',
        // …without what 0008 added,
        'drop index enrollment_tokens_id',
        'alter table enrollment_tokens drop column id',
        'alter table enrollment_tokens drop column label',
        'alter table enrollment_tokens drop column max_uses',
        'alter table enrollment_tokens drop column uses',
        'alter table enrollment_tokens drop column device_group_id',
        'alter table enrollment_tokens drop column revoked_at',
        'alter table devices drop column host_name',
        'alter table devices drop column renamed_at',
        'alter table devices drop column agent_version',
        'alter table devices drop column address',
        'alter table devices drop column enrolled_by',
        'alter table devices drop column pending_credential_hash',
        'alter table devices drop column credential_revoked_at',
        'drop index chats_one_open',
        'drop index chats_operator',
        'drop index devices_online_node',
        'drop index sessions_expires',
        // …and without what 0006 and 0007 added.
        'drop table license_evaluation',
        'drop table licenses',
        'drop table sign_in_failures',
        'drop table audit_log',
        'drop table access_rights',
        'drop table device_group_members',
        'drop table device_groups',
        'drop table operator_group_members',
        'drop table operator_groups',
        'drop index sessions_operator',
        'alter table sessions drop column user_agent',
        'alter table sessions drop column address',
        'alter table sessions drop column last_seen_at',
        'alter table operators drop column super_admin',
        'alter table operators drop column disabled_at',
        "delete from kysely_migration where name >= '0004'",
      ]);
      // uuidv7 orders by time: the smallest id is the oldest chat, the one that stays open.
      const ids = [uuidv7(), uuidv7(), uuidv7()].sort();
      // Written as that schema had them (the store of today writes columns it did not have).
      for (const id of ids) {
        const at = new Date().toISOString();
        await rawSql(database.location, [
          `insert into chats (id, device_id, operator_id, operator_name, end_user_name, status, opened_at, last_seq,
             recorded, operator_delivered_seq, operator_read_seq, end_user_delivered_seq, end_user_read_seq)
           values ('${id}', 'dev1', 'op1', 'Alice', 'bob', 'open', '${at}', 1, 0, 0, 0, 0, 0)`,
          `insert into chat_entries (chat_id, seq, kind, from_role, from_name, event, at)
           values ('${id}', 1, 'event', 'operator', 'Alice', 'chat_opened', '${at}')`,
        ]);
      }
      await store.close();

      store = await openStore(database.location);
      expect((await store.chats.listOpen('dev1')).map((c) => c.id)).toEqual([ids[0]]);
      for (const id of ids.slice(1)) {
        expect((await store.chats.find(id))?.status).toBe('closed');
        expect(await store.chats.entriesAfter(id, 0, 10)).toEqual([]);
      }
      expect(await store.chats.entriesAfter(ids[0] ?? '', 0, 10)).toHaveLength(1);
      await store.close();
    } finally {
      await database.drop();
    }
  });
});

describe('migration 0012 on sqlite', () => {
  const operator: Person = { role: 'operator', name: 'Alice Admin' };

  /** The messages the full-text index holds (by rowid), after FTS5 checked the index against the entries. */
  function indexed(file: string): number[] {
    const db = new SQLite(file);
    try {
      db.exec("insert into chat_entries_fts (chat_entries_fts) values ('integrity-check')");
      const rows = db.prepare('select id from chat_entries_fts_docsize order by id').all() as {
        id: number;
      }[];
      return rows.map((row) => Number(row.id));
    } finally {
      db.close();
    }
  }

  function rowidsOf(file: string, chatId: string): number[] {
    const db = new SQLite(file);
    try {
      const rows = db
        .prepare("select rowid from chat_entries where chat_id = ? and kind = 'message' order by rowid")
        .all(chatId) as { rowid: number }[];
      return rows.map((row) => Number(row.rowid));
    } finally {
      db.close();
    }
  }

  it("indexes recorded chats' messages only, and stays whole through a close, a delete and its cascade", async () => {
    const database = tempSqlite();
    if (database.location.kind !== 'sqlite') throw new Error('sqlite expected');
    const file = database.location.file;
    try {
      let store = await openStore(database.location);
      await store.operators.create(alice, at(0));
      await store.devices.create(pc1, at(0));
      const chat = async (recorded: boolean, words: string) => {
        const id = uuidv7();
        await store.chats.create(
          {
            id,
            deviceId: 'dev1',
            operatorId: 'op1',
            operatorName: 'Alice Admin',
            endUserName: `u-${id}`,
            openedAt: at(1),
            recorded,
          },
          operator,
        );
        for (const n of [1, 2]) {
          await store.chats.appendMessage(id, {
            clientId: `${id}-${n}`,
            from: operator,
            text: `${words} ${n}`,
            at: at(2),
          });
        }
        return id;
      };
      const kept = await chat(true, 'printer jammed');
      const unrecorded = await chat(false, 'printer secret');
      const deleted = await chat(true, 'printer deleted');
      expect(indexed(file)).toEqual(
        [...rowidsOf(file, kept), ...rowidsOf(file, deleted)].sort((a, b) => a - b),
      );

      await store.chats.close(unrecorded, operator, at(3));
      await store.chats.close(deleted, operator, at(3));
      expect(await store.recordings.delete(deleted)).toBe('deleted');
      expect(indexed(file)).toEqual(rowidsOf(file, kept));
      expect(
        (await store.recordings.list({ deviceIds: 'all', q: 'printer' }, 10)).map((r) => r.chatId),
      ).toEqual([kept]);

      // A database from before 0012 indexed every message: the migration takes the unrecorded ones out.
      const open = await chat(false, 'printer open');
      await store.close();
      await rawSql(database.location, [
        `insert into chat_entries_fts (rowid, text)
           select rowid, text from chat_entries where chat_id = '${open}' and kind = 'message'`,
        'drop trigger chats_fts_delete',
        "delete from kysely_migration where name = '0012_search_index_for_recorded_chats_only'",
      ]);
      expect(indexed(file)).toHaveLength(4);
      store = await openStore(database.location);
      expect(indexed(file)).toEqual(rowidsOf(file, kept));
      await store.close();
    } finally {
      await database.drop();
    }
  });
});
