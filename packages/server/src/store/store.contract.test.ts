import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TempDatabase, tempPostgres, tempSqlite } from '../../test/support/databases.js';
import { alice, at, enrollmentToken, type StoreContract } from '../../test/support/storeContract.js';
import { auditStoreContract } from '../audit/auditStore.contract.js';
import { sessionStoreContract } from '../auth/sessionStore.contract.js';
import { signInStoreContract } from '../auth/signInStore.contract.js';
import { chatStoreContract } from '../chats/chatStore.contract.js';
import { deviceStoreContract } from '../devices/deviceStore.contract.js';
import { uuidv7 } from '../ids.js';
import { licenseStoreContract } from '../license/licenseStore.contract.js';
import { operatorStoreContract } from '../operators/operatorStore.contract.js';
import { recordingSettingsStoreContract } from '../recording/recordingSettingsStore.contract.js';
import { recordingExportStoreContract } from '../recordings/exportStore.contract.js';
import { recordingStoreContract } from '../recordings/recordingStore.contract.js';
import { rightsStoreContract } from '../rights/rightsStore.contract.js';
import { openStore } from './open.js';
import type { FeatureStores, Store } from './store.js';

/** Every feature store's part of the contract: the type asks for one per entry of FeatureStores (store.ts). */
const contracts: Record<keyof FeatureStores, StoreContract> = {
  operators: operatorStoreContract,
  sessions: sessionStoreContract,
  devices: deviceStoreContract,
  chats: chatStoreContract,
  signIns: signInStoreContract,
  audit: auditStoreContract,
  rights: rightsStoreContract,
  licenses: licenseStoreContract,
  recordingSettings: recordingSettingsStoreContract,
  recordings: recordingStoreContract,
  recordingExports: recordingExportStoreContract,
};

const implementations: [string, () => Promise<TempDatabase>][] = [
  ['sqlite', async () => tempSqlite()],
  ['postgres', tempPostgres],
];

describe.each(implementations)('Store contract on %s', (_name, makeDatabase) => {
  /** A store on a database of its own for the tests of the describe block that calls this. */
  function freshStore(): () => Store {
    let database: TempDatabase | undefined;
    let store: Store | undefined;
    beforeAll(async () => {
      database = await makeDatabase();
      store = await openStore(database.location);
    });
    afterAll(async () => {
      await store?.close();
      await database?.drop();
    });
    return () => {
      if (!store) throw new Error('the store opens in beforeAll');
      return store;
    };
  }

  for (const [feature, contract] of Object.entries(contracts))
    describe(feature, () => contract(freshStore()));

  describe('the composed store', () => {
    const store = freshStore();
    beforeAll(() => store().operators.create(alice, at(0)));

    /** An operator, a device and a chat between them: writes of three feature stores. */
    async function writeAcrossFeatures(tx: Store, n: number): Promise<string> {
      const chatId = uuidv7();
      await tx.operators.create(
        {
          id: `op-x${n}`,
          username: `xavier${n}`,
          displayName: 'Xavier',
          passwordHash: 'h',
          capabilities: [],
        },
        at(1),
      );
      await tx.devices.create({ id: `dev-x${n}`, name: 'PC-X', os: 'linux', credentialHash: 'c' }, at(1));
      await tx.chats.create(
        {
          id: chatId,
          deviceId: `dev-x${n}`,
          operatorId: `op-x${n}`,
          operatorName: 'Xavier',
          endUserName: 'bob',
          openedAt: at(2),
          recorded: false,
        },
        { role: 'operator', name: 'Xavier' },
      );
      return chatId;
    }

    it('commits what a transaction wrote through several feature stores together', async () => {
      const chatId = await store().transaction((tx) => writeAcrossFeatures(tx, 1));
      expect((await store().operators.findById('op-x1'))?.username).toBe('xavier1');
      expect((await store().devices.find('dev-x1'))?.name).toBe('PC-X');
      expect(await store().chats.find(chatId)).toMatchObject({ deviceId: 'dev-x1', operatorId: 'op-x1' });
    });

    it('rolls back every feature store’s writes when the transaction fails', async () => {
      let chatId = '';
      await expect(
        store().transaction(async (tx) => {
          chatId = await writeAcrossFeatures(tx, 2);
          throw new Error('the audit row could not be written');
        }),
      ).rejects.toThrow(/audit row/);
      expect(chatId).not.toBe('');
      expect(await store().operators.findById('op-x2')).toBeUndefined();
      expect(await store().devices.find('dev-x2')).toBeUndefined();
      expect(await store().chats.find(chatId)).toBeUndefined();
    });

    it('rolls back what other feature stores wrote before a statement that fails', async () => {
      await expect(
        store().transaction(async (tx) => {
          await tx.devices.create({ id: 'dev-x3', name: 'PC-X3', os: 'linux', credentialHash: 'c' }, at(1));
          // A group membership of an operator who does not exist: a foreign key refuses it.
          await tx.operators.createGroup({ id: 'g-x3', name: 'Group X3', capabilities: [] }, at(1));
          await tx.operators.setGroupMembers('g-x3', ['no-such-operator']);
        }),
      ).rejects.toThrow();
      expect(await store().devices.find('dev-x3')).toBeUndefined();
      expect(await store().operators.findGroup('g-x3')).toBeUndefined();
    });

    it('deletes expired sessions and enrollment tokens', async () => {
      const { sessions, devices } = store();
      const session = { operatorId: 'op1', at: at(0), address: null, userAgent: null };
      await sessions.create({ ...session, tokenHash: 's-old', expiresAt: at(10) });
      await sessions.create({ ...session, tokenHash: 's-new', expiresAt: at(100) });
      await devices.createEnrollmentToken(enrollmentToken('t-old', at(10)));
      await store().deleteExpired(at(50), at(-1));
      expect(await sessions.find('s-old', at(5), at(-1))).toBeUndefined();
      expect((await sessions.find('s-new', at(60), at(-1)))?.operator.id).toBe('op1');
      expect(await devices.consumeEnrollmentToken('t-old', at(5))).toBeNull();
    });
  });
});

describe('the SQLite store', () => {
  it('keeps its database readable by the server account only', async () => {
    const database = tempSqlite();
    const store = await openStore(database.location);
    try {
      if (database.location.kind !== 'sqlite') throw new Error('sqlite expected');
      const { file } = database.location;
      for (const path of [file, `${file}-wal`]) expect(statSync(path).mode & 0o777).toBe(0o600);
    } finally {
      await store.close();
      await database.drop();
    }
  });
});
