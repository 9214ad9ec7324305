import type { RecordingExportJob, RecordingFormat } from '@parley/protocol';
import { sql } from 'kysely';
import { atomically, type Db, dialectOf } from '../store/db.js';
import type { RecordingExportsTable } from '../store/schema.js';

/** An export of a filtered set as the database keeps it: any node answers its progress and serves its zip. */
export interface ExportRecord {
  id: string;
  operatorId: string;
  /** The node making it (a job whose node stopped is failed by the next that looks). */
  nodeId: string;
  format: RecordingFormat;
  state: RecordingExportJob['state'];
  done: number;
  total: number;
  bytes: number;
  message: string | null;
  createdAt: string;
  /** When its node last wrote progress. */
  updatedAt: string;
  /** When a finished export and its zip go. */
  expiresAt: string | null;
}

/**
 * Export jobs and the parts of their zips (a row a megabyte), in the shared database: a job started on one node is
 * polled, cancelled and downloaded through any other, and outlives a restart. Contract: exportStore.contract.ts.
 */
export interface RecordingExportStore {
  /**
   * Inside a transaction: waits for any other start of an export to commit, so that the limits counted next hold
   * (PostgreSQL: an advisory lock; SQLite runs one transaction at a time already).
   */
  lockStarts(): Promise<void>;
  create(job: ExportRecord): Promise<void>;
  /** How many exports are running, of anyone. */
  countAllRunning(): Promise<number>;
  /** A finished export being downloaded stays `expiresAt` more (false when it is not there, done, any more). */
  extend(id: string, expiresAt: string): Promise<boolean>;
  find(id: string): Promise<ExportRecord | undefined>;
  /** The operator's exports still running. */
  countRunning(operatorId: string): Promise<number>;
  /** The bytes every stored export takes (its parts so far). */
  storedBytes(): Promise<number>;
  /** Writes a running export's progress; false when it is not running any more (cancelled). */
  progress(id: string, progress: ExportProgress): Promise<boolean>;
  /** Adds the next part of a running export's zip, with its progress; false when it is not running any more. */
  appendPart(id: string, seq: number, data: Buffer, progress: ExportProgress): Promise<boolean>;
  /** Ends a running export; false when it had ended already (cancelled meanwhile). */
  finish(
    id: string,
    end: { state: 'done' | 'failed'; message: string | null; at: string; expiresAt: string },
  ): Promise<boolean>;
  /** Cancels a running or finished export and drops its parts; the job stays, cancelled, until `expiresAt`. */
  cancel(id: string, at: string, expiresAt: string): Promise<ExportRecord | undefined>;
  /** The parts of an export's zip after `afterSeq`, `limit` at most, in order. */
  parts(id: string, afterSeq: number, limit: number): Promise<{ seq: number; data: Buffer }[]>;
  /**
   * Fails the exports still running whose node has written nothing since `staleBefore` (or that `nodeId`, at its
   * start, ran before), and removes those expired by `now` with their parts.
   */
  sweep(now: string, staleBefore: string, expiresAt: string, nodeId?: string): Promise<void>;
}

/** Conversations written, the zip's bytes so far, and when. */
export interface ExportProgress {
  done: number;
  bytes: number;
  at: string;
}

const STOPPED = 'the server making the export stopped: start it again';

export class SqlRecordingExportStore implements RecordingExportStore {
  constructor(private readonly db: Db) {}

  async lockStarts(): Promise<void> {
    if (dialectOf(this.db) === 'postgres')
      await sql`select pg_advisory_xact_lock(hashtext('parley.recording_exports.start'))`.execute(this.db);
  }

  async countAllRunning(): Promise<number> {
    const row = await this.db
      .selectFrom('recording_exports')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('state', '=', 'running')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async extend(id: string, expiresAt: string): Promise<boolean> {
    const result = await this.db
      .updateTable('recording_exports')
      .set({ expires_at: expiresAt })
      .where('id', '=', id)
      .where('state', '=', 'done')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async create(job: ExportRecord): Promise<void> {
    await this.db
      .insertInto('recording_exports')
      .values({
        id: job.id,
        operator_id: job.operatorId,
        node_id: job.nodeId,
        format: job.format,
        state: job.state,
        done: job.done,
        total: job.total,
        bytes: job.bytes,
        message: job.message,
        created_at: job.createdAt,
        updated_at: job.updatedAt,
        expires_at: job.expiresAt,
      })
      .execute();
  }

  async find(id: string): Promise<ExportRecord | undefined> {
    const row = await this.db
      .selectFrom('recording_exports')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async countRunning(operatorId: string): Promise<number> {
    const row = await this.db
      .selectFrom('recording_exports')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('operator_id', '=', operatorId)
      .where('state', '=', 'running')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async storedBytes(): Promise<number> {
    const row = await this.db
      .selectFrom('recording_exports')
      .select((eb) => eb.fn.sum<number>('bytes').as('bytes'))
      .executeTakeFirstOrThrow();
    return Number(row.bytes ?? 0);
  }

  async progress(id: string, { done, bytes, at }: ExportProgress): Promise<boolean> {
    const updated = await this.db
      .updateTable('recording_exports')
      .set({ done, bytes, updated_at: at })
      .where('id', '=', id)
      .where('state', '=', 'running')
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1;
  }

  async appendPart(id: string, seq: number, data: Buffer, progress: ExportProgress): Promise<boolean> {
    return atomically(this.db, async (trx) => {
      if (!(await new SqlRecordingExportStore(trx).progress(id, progress))) return false;
      await trx.insertInto('recording_export_parts').values({ export_id: id, seq, data }).execute();
      return true;
    });
  }

  async finish(
    id: string,
    end: { state: 'done' | 'failed'; message: string | null; at: string; expiresAt: string },
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('recording_exports')
      .set((eb) => ({
        state: end.state,
        message: end.message,
        updated_at: end.at,
        expires_at: end.expiresAt,
        bytes: end.state === 'failed' ? 0 : eb.ref('bytes'),
      }))
      .where('id', '=', id)
      .where('state', '=', 'running')
      .executeTakeFirst();
    const ended = Number(result.numUpdatedRows) === 1;
    if (ended && end.state === 'failed') await this.dropParts(id);
    return ended;
  }

  async cancel(id: string, at: string, expiresAt: string): Promise<ExportRecord | undefined> {
    return atomically(this.db, async (trx) => {
      await trx
        .updateTable('recording_exports')
        .set({ state: 'cancelled', updated_at: at, expires_at: expiresAt, bytes: 0 })
        .where('id', '=', id)
        .where('state', 'in', ['running', 'done'])
        .execute();
      await trx.deleteFrom('recording_export_parts').where('export_id', '=', id).execute();
      const row = await trx
        .selectFrom('recording_exports')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toRecord(row);
    });
  }

  async parts(id: string, afterSeq: number, limit: number): Promise<{ seq: number; data: Buffer }[]> {
    const rows = await this.db
      .selectFrom('recording_export_parts')
      .select(['seq', 'data'])
      .where('export_id', '=', id)
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ seq: Number(row.seq), data: Buffer.from(row.data) }));
  }

  async sweep(now: string, staleBefore: string, expiresAt: string, nodeId?: string): Promise<void> {
    const stopped = await this.db
      .updateTable('recording_exports')
      .set({ state: 'failed', message: STOPPED, updated_at: now, expires_at: expiresAt, bytes: 0 })
      .where('state', '=', 'running')
      .where((eb) =>
        nodeId === undefined
          ? eb('updated_at', '<', staleBefore)
          : eb.or([eb('updated_at', '<', staleBefore), eb('node_id', '=', nodeId)]),
      )
      .returning('id')
      .execute();
    for (const { id } of stopped) await this.dropParts(id);
    // Parts go with their export (ON DELETE CASCADE).
    await this.db.deleteFrom('recording_exports').where('expires_at', '<', now).execute();
  }

  private async dropParts(id: string): Promise<void> {
    await this.db.deleteFrom('recording_export_parts').where('export_id', '=', id).execute();
  }
}

function toRecord(row: RecordingExportsTable): ExportRecord {
  return {
    id: row.id,
    operatorId: row.operator_id,
    nodeId: row.node_id,
    format: row.format,
    state: row.state,
    done: Number(row.done),
    total: Number(row.total),
    bytes: Number(row.bytes),
    message: row.message,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
  };
}
