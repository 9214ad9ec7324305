import type { Db } from '../store/db.js';

/** The installed license as stored: the file exactly as imported (it is verified again whenever it is read). */
export interface StoredLicense {
  file: string;
  installedAt: string;
  installedBy: string;
}

const SLOT = 'installed';
const EVALUATION = 'evaluation';

/**
 * The installed license (one row) and the public key of the server's own evaluation license (one row, written
 * once: the evaluation is made once per database, whichever node starts first).
 */
export interface LicenseStore {
  evaluationKey(): Promise<string | undefined>;
  /** False when a key is there already: another start made the evaluation. */
  addEvaluationKey(publicPem: string, at: string): Promise<boolean>;
  installed(): Promise<StoredLicense | undefined>;
  install(license: StoredLicense): Promise<void>;
  /** False when a license is installed already. */
  installIfNone(license: StoredLicense): Promise<boolean>;
  /**
   * The installed file, its row locked until the transaction ends: enrollments that check for a free seat this
   * way take turns, so two cannot both take the last one.
   */
  lockInstalled(): Promise<string | undefined>;
}

export class SqlLicenseStore implements LicenseStore {
  constructor(private readonly db: Db) {}

  async evaluationKey(): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('license_evaluation')
      .select('public_key')
      .where('id', '=', EVALUATION)
      .executeTakeFirst();
    return row?.public_key;
  }

  async addEvaluationKey(publicPem: string, at: string): Promise<boolean> {
    const inserted = await this.db
      .insertInto('license_evaluation')
      .values({ id: EVALUATION, public_key: publicPem, created_at: at })
      .onConflict((conflict) => conflict.column('id').doNothing())
      .executeTakeFirst();
    return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async installed(): Promise<StoredLicense | undefined> {
    const row = await this.db.selectFrom('licenses').selectAll().where('slot', '=', SLOT).executeTakeFirst();
    return row && { file: row.file, installedAt: row.installed_at, installedBy: row.installed_by };
  }

  async install({ file, installedAt, installedBy }: StoredLicense): Promise<void> {
    const values = { file, installed_at: installedAt, installed_by: installedBy };
    await this.db
      .insertInto('licenses')
      .values({ slot: SLOT, ...values })
      .onConflict((conflict) => conflict.column('slot').doUpdateSet(values))
      .execute();
  }

  async installIfNone({ file, installedAt, installedBy }: StoredLicense): Promise<boolean> {
    const inserted = await this.db
      .insertInto('licenses')
      .values({ slot: SLOT, file, installed_at: installedAt, installed_by: installedBy })
      .onConflict((conflict) => conflict.column('slot').doNothing())
      .executeTakeFirst();
    return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async lockInstalled(): Promise<string | undefined> {
    // An update that changes nothing, for its row lock (SQLite has no SELECT … FOR UPDATE; a write locks it anyway).
    const row = await this.db
      .updateTable('licenses')
      .set((eb) => ({ file: eb.ref('file') }))
      .where('slot', '=', SLOT)
      .returning('file')
      .executeTakeFirst();
    return row?.file;
  }
}
