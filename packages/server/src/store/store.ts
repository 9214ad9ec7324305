import { type AuditStore, SqlAuditStore } from '../audit/auditStore.js';
import { type SessionStore, SqlSessionStore } from '../auth/sessionStore.js';
import { type SignInStore, SqlSignInStore } from '../auth/signInStore.js';
import { type ChatStore, SqlChatStore } from '../chats/chatStore.js';
import { type DeviceStore, SqlDeviceStore } from '../devices/deviceStore.js';
import { type LicenseStore, SqlLicenseStore } from '../license/licenseStore.js';
import { type OperatorStore, SqlOperatorStore } from '../operators/operatorStore.js';
import {
  type RecordingSettingsStore,
  SqlRecordingSettingsStore,
} from '../recording/recordingSettingsStore.js';
import { type RecordingExportStore, SqlRecordingExportStore } from '../recordings/exportStore.js';
import { type RecordingStore, SqlRecordingStore } from '../recordings/recordingStore.js';
import { type RightsStore, SqlRightsStore } from '../rights/rightsStore.js';
import { atomically, type Db } from './db.js';

/**
 * Every feature's store. Each feature owns its tables' queries (`<feature>/<name>Store.ts`) and their contract
 * tests (`<name>Store.contract.ts`); this is where a feature's store joins the rest, and store.contract.test.ts
 * (whose type asks for one contract per entry here) runs every contract against SQLite and PostgreSQL.
 */
export interface FeatureStores {
  operators: OperatorStore;
  sessions: SessionStore;
  devices: DeviceStore;
  chats: ChatStore;
  signIns: SignInStore;
  audit: AuditStore;
  rights: RightsStore;
  licenses: LicenseStore;
  recordingSettings: RecordingSettingsStore;
  recordings: RecordingStore;
  recordingExports: RecordingExportStore;
}

function featureStores(db: Db): FeatureStores {
  return {
    operators: new SqlOperatorStore(db),
    sessions: new SqlSessionStore(db),
    devices: new SqlDeviceStore(db),
    chats: new SqlChatStore(db),
    signIns: new SqlSignInStore(db),
    audit: new SqlAuditStore(db),
    rights: new SqlRightsStore(db),
    licenses: new SqlLicenseStore(db),
    recordingSettings: new SqlRecordingSettingsStore(db),
    recordings: new SqlRecordingStore(db),
    recordingExports: new SqlRecordingExportStore(db),
  };
}

/** Everything Parley keeps: the feature stores over one database (SQLite or PostgreSQL, through Kysely). */
export interface Store extends FeatureStores {
  /**
   * Runs `work` in one transaction: every write it makes through the store it is given, whichever feature store
   * makes it, commits together, or none does (a change and its audit row; an enrollment's token and its device).
   * Nested calls join the outer one.
   */
  transaction<T>(work: (store: Store) => Promise<T>): Promise<T>;

  /** Deletes sessions (expired by `now` or idle since `idleSince`) and enrollment tokens expired by `now`. */
  deleteExpired(now: string, idleSince: string): Promise<void>;

  /** Closes the database (not allowed on the store a transaction gives). */
  close(): Promise<void>;
}

/** The store over `db`: the database, or a transaction (then every feature store runs inside it). */
export function sqlStore(db: Db): Store {
  const store: Store = {
    ...featureStores(db),
    transaction: (work) => atomically(db, (trx) => work(sqlStore(trx))),
    deleteExpired: (now, idleSince) =>
      store.transaction(async (tx) => {
        await tx.sessions.deleteExpired(now, idleSince);
        await tx.devices.deleteExpiredEnrollmentTokens(now);
      }),
    close: () => db.destroy(),
  };
  return store;
}
