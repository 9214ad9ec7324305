import { setImmediate as yieldTurn } from 'node:timers/promises';
import type { RecordingExportBody, RecordingExportJob } from '@parley/protocol';
import type { Logger } from 'pino';
import { audit, type Doer } from '../audit/audit.js';
import { uuidv7 } from '../ids.js';
import type { Operator } from '../operators/operator.js';
import type { CommandResult } from '../result.js';
import type { Store } from '../store/store.js';
import type { ExportRecord } from './exportStore.js';
import type { RecordingService, Scoped } from './recordings.js';
import { transcriptFile } from './transcript.js';
import { ZipWriter } from './zip.js';

/** A filtered set larger than this is refused: narrow the filters (a zip without Zip64 holds 65535 files). */
export const MAX_EXPORT_RECORDINGS = 5000;
/** Jobs an operator may have running at once. */
const RUNNING_PER_OPERATOR = 2;
/** How long a finished export's zip waits to be downloaded, and how long a running one may write nothing. */
const KEEP_MS = 10 * 60_000;
const STALE_MS = 60_000;
/** Conversations read from the store at a time, and the bytes of a stored part of a zip. */
const BATCH = 50;
const PART_BYTES = 1 << 20;
/** A running export writes its progress at least this often, even within one long conversation. */
const PROGRESS_MS = 10_000;

export interface ExportLimits {
  /** An export whose zip grows past this fails (narrow the filters). */
  maxExportBytes: number;
  /** No export starts while those kept (running or waiting to be downloaded) take this much. */
  maxStoredBytes: number;
}

export const DEFAULT_EXPORT_LIMITS: ExportLimits = { maxExportBytes: 256 << 20, maxStoredBytes: 1 << 30 };

const megabytes = (bytes: number) => `${Math.round(bytes / (1 << 20))} MB`;

/** A zip that grew past the limit while it was written. */
class TooLarge extends Error {}

export interface ExportJobOptions {
  /** Awaited after each conversation: a turn of the event loop (tests hold it to see the progress). */
  step?: () => Promise<unknown>;
  now?: () => number;
  limits?: ExportLimits;
}

/**
 * Exports of a filtered set as one zip each, written by the node that took the request into the shared database a
 * part at a time while the console polls the progress through any node; cancelling (from any node) stops it at
 * its next write. A finished zip waits `KEEP_MS` to be downloaded, then goes.
 */
export class ExportJobs {
  private readonly step: () => Promise<unknown>;
  private readonly now: () => number;
  private readonly limits: ExportLimits;
  /** The jobs this node is writing, failed when it stops. */
  private readonly writing = new Map<string, Promise<void>>();
  private stopping = false;

  constructor(
    private readonly store: Store,
    private readonly recordings: RecordingService,
    private readonly log: Logger,
    private readonly nodeId: string,
    options: ExportJobOptions = {},
  ) {
    this.step = options.step ?? (() => yieldTurn());
    this.now = options.now ?? Date.now;
    this.limits = options.limits ?? DEFAULT_EXPORT_LIMITS;
  }

  async start(
    operator: Operator,
    body: RecordingExportBody,
    doer: Doer,
  ): Promise<CommandResult<RecordingExportJob>> {
    const selection = await this.recordings.scope(operator, body.filter);
    const total = selection ? await this.store.recordings.count(selection) : 0;
    if (total > MAX_EXPORT_RECORDINGS) {
      return {
        ok: false,
        code: 'bad_request',
        message: `${total} recordings match: narrow the filters to ${MAX_EXPORT_RECORDINGS} at most`,
      };
    }
    const at = this.isoNow();
    const job: ExportRecord = {
      id: uuidv7(),
      operatorId: operator.id,
      nodeId: this.nodeId,
      format: body.format,
      state: 'running',
      done: 0,
      total,
      bytes: 0,
      message: null,
      createdAt: at,
      updatedAt: at,
      expiresAt: null,
    };
    // The limits are counted and the job written under one lock: parallel starts cannot all pass the count.
    const refused = await this.store.transaction(async (tx): Promise<string | null> => {
      const exports = tx.recordingExports;
      await exports.lockStarts();
      if ((await exports.countRunning(operator.id)) >= RUNNING_PER_OPERATOR)
        return 'two exports are running already: wait or cancel one';
      // A running export may still grow to the size limit: it counts as that much until it ends.
      const taken =
        (await exports.storedBytes()) + (await exports.countAllRunning()) * this.limits.maxExportBytes;
      if (taken + this.limits.maxExportBytes > this.limits.maxStoredBytes)
        return `exports running or waiting to be downloaded may take ${megabytes(taken)} already: download or cancel one, or wait (a finished export goes after ${KEEP_MS / 60_000} minutes)`;
      await exports.create(job);
      await audit(tx, doer, 'recording.export', null, { filter: body.filter, format: body.format, total });
      return null;
    });
    if (refused) return { ok: false, code: 'conflict', message: refused };
    const writing = this.write(job.id, selection, body.format)
      .catch(async (error: unknown) => {
        const tooLarge = error instanceof TooLarge;
        if (!tooLarge) this.log.error({ err: error }, 'a recordings export failed');
        await this.end(
          job.id,
          'failed',
          tooLarge
            ? `the export passed ${megabytes(this.limits.maxExportBytes)}: narrow the filters`
            : 'the export failed',
        );
      })
      .catch((error: unknown) => this.log.error({ err: error }, 'a failed export could not be marked'))
      .finally(() => this.writing.delete(job.id));
    this.writing.set(job.id, writing);
    return { ok: true, value: view(job) };
  }

  /** Writes the zip a part at a time; returns early when the job was cancelled or this node stops. */
  private async write(id: string, selection: Scoped, format: RecordingExportBody['format']): Promise<void> {
    const exports = this.store.recordingExports;
    const zip = new ZipWriter(new Date(this.now()));
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let parts = 0;
    let done = 0;
    let progressAt = this.now();
    const progress = () => {
      progressAt = this.now();
      return { done, bytes: zip.length, at: this.isoNow() };
    };
    const flush = async (): Promise<boolean> => {
      if (pendingBytes === 0) return exports.progress(id, progress());
      const data = Buffer.concat(pending);
      pending = [];
      pendingBytes = 0;
      parts += 1;
      return exports.appendPart(id, parts, data, progress());
    };
    const add = async (bytes: Buffer): Promise<boolean> => {
      if (zip.length > this.limits.maxExportBytes) throw new TooLarge();
      pending.push(bytes);
      pendingBytes += bytes.length;
      if (pendingBytes >= PART_BYTES) return flush();
      // A long conversation still says it is alive (a job silent for STALE_MS is taken for stopped).
      return this.now() - progressAt < PROGRESS_MS || (await exports.progress(id, progress()));
    };
    if (selection) {
      for await (const { head, pages } of this.recordings.transcripts(selection, BATCH)) {
        const file = transcriptFile(head, pages, format);
        for await (const bytes of zip.file(file.name, file.data)) {
          if (!(await add(bytes))) return;
        }
        done += 1;
        // Between two conversations: the progress is seen from any node, and a cancel from any node is seen here.
        if (this.stopping || !(await exports.progress(id, progress()))) return;
        await this.step();
      }
    }
    if (!(await add(zip.end())) || !(await flush())) return;
    await this.end(id, 'done', null);
  }

  private async end(id: string, state: 'done' | 'failed', message: string | null): Promise<void> {
    await this.store.recordingExports.finish(id, {
      state,
      message,
      at: this.isoNow(),
      expiresAt: new Date(this.now() + KEEP_MS).toISOString(),
    });
  }

  private async own(operator: Operator, id: string): Promise<ExportRecord | null> {
    const job = await this.store.recordingExports.find(id);
    return job && job.operatorId === operator.id ? job : null;
  }

  async status(operator: Operator, id: string): Promise<CommandResult<RecordingExportJob>> {
    const job = await this.own(operator, id);
    if (!job) return { ok: false, code: 'not_found', message: 'no such export' };
    if (job.state === 'running' && Date.parse(job.updatedAt) < this.now() - STALE_MS) {
      // Its node stopped; the next sweep records it as failed.
      return {
        ok: true,
        value: { ...view(job), state: 'failed', message: 'the server making the export stopped' },
      };
    }
    return { ok: true, value: view(job) };
  }

  async cancel(operator: Operator, id: string): Promise<CommandResult<RecordingExportJob>> {
    const job = await this.own(operator, id);
    if (!job) return { ok: false, code: 'not_found', message: 'no such export' };
    const cancelled = await this.store.recordingExports.cancel(
      id,
      this.isoNow(),
      new Date(this.now() + KEEP_MS).toISOString(),
    );
    return cancelled
      ? { ok: true, value: view(cancelled) }
      : { ok: false, code: 'not_found', message: 'no such export' };
  }

  /** A finished export's zip: its length, and its parts read one at a time as they are sent. */
  async download(
    operator: Operator,
    id: string,
  ): Promise<CommandResult<{ bytes: number; data: AsyncGenerator<Buffer> }>> {
    const job = await this.own(operator, id);
    if (!job) return { ok: false, code: 'not_found', message: 'no such export' };
    if (job.state !== 'done') return { ok: false, code: 'conflict', message: `the export is ${job.state}` };
    const exports = this.store.recordingExports;
    const keep = () => new Date(this.now() + KEEP_MS).toISOString();
    async function* parts(): AsyncGenerator<Buffer> {
      let after = 0;
      let sent = 0;
      for (;;) {
        // Each part read keeps the export a while more: a slow download is never cut by the expiry.
        if (!(await exports.extend(id, keep()))) break;
        const [part] = await exports.parts(id, after, 1);
        if (!part) break;
        after = part.seq;
        sent += part.data.length;
        yield part.data;
      }
      // Cancelled meanwhile: the answer must not look complete (the socket is cut, the client sees an error).
      if (sent !== job?.bytes) throw new Error('the export went while it was downloaded');
    }
    return { ok: true, value: { bytes: job.bytes, data: parts() } };
  }

  /**
   * Fails the exports whose node stopped writing (at start, also those this node ran before a restart) and removes
   * the expired; each node runs it now and then.
   */
  async sweep(atStart = false): Promise<void> {
    const now = this.now();
    await this.store.recordingExports.sweep(
      new Date(now).toISOString(),
      new Date(now - STALE_MS).toISOString(),
      new Date(now + KEEP_MS).toISOString(),
      atStart ? this.nodeId : undefined,
    );
  }

  /** Stops this node's exports (they fail: the console says to start them again). */
  async stop(): Promise<void> {
    this.stopping = true;
    const writing = [...this.writing];
    await Promise.all(
      writing.map(([id]) => this.end(id, 'failed', 'the server stopped: start the export again')),
    );
    // Each sees it at its next write, and returns.
    await Promise.all(writing.map(([, done]) => done));
  }

  private isoNow(): string {
    return new Date(this.now()).toISOString();
  }
}

function view(job: ExportRecord): RecordingExportJob {
  return {
    id: job.id,
    state: job.state,
    done: job.done,
    total: job.total,
    bytes: job.bytes,
    message: job.message,
  };
}
