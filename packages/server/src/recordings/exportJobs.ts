import { setImmediate as yieldTurn } from 'node:timers/promises';
import type { RecordingExportBody, RecordingExportJob } from '@parley/protocol';
import type { Logger } from 'pino';
import { audit, type Doer } from '../audit/audit.js';
import { uuidv7 } from '../ids.js';
import type { Operator } from '../operators/operator.js';
import type { CommandResult } from '../result.js';
import type { Store } from '../store/store.js';
import type { RecordingService } from './recordings.js';
import { transcriptFile } from './transcript.js';
import { type ZipFile, zipStore } from './zip.js';

/** A filtered set larger than this is refused: narrow the filters (a zip without Zip64 holds 65535 files). */
export const MAX_EXPORT_RECORDINGS = 5000;
/** Jobs an operator may have running at once, and how long a finished one's file waits to be downloaded. */
const RUNNING_PER_OPERATOR = 2;
const KEEP_MS = 10 * 60_000;
const BATCH = 50;

interface Job {
  view: RecordingExportJob;
  operatorId: string;
  finishedAt: number | null;
  cancelled: boolean;
  zip: Buffer | null;
}

/**
 * Exports of a filtered set, one zip each, made in the background on this node while the console polls the
 * progress; cancelling stops it between two conversations. Jobs live in this node's memory (a restart forgets them).
 */
export class ExportJobs {
  private readonly jobs = new Map<string, Job>();

  constructor(
    private readonly store: Store,
    private readonly recordings: RecordingService,
    private readonly log: Logger,
    /** Awaited after each conversation: a turn of the event loop (tests hold it to see the progress). */
    private readonly step: () => Promise<unknown> = () => yieldTurn(),
    private readonly now: () => number = Date.now,
  ) {}

  async start(
    operator: Operator,
    body: RecordingExportBody,
    doer: Doer,
  ): Promise<CommandResult<RecordingExportJob>> {
    this.forgetOld();
    const running = [...this.jobs.values()].filter(
      (job) => job.operatorId === operator.id && job.view.state === 'running',
    );
    if (running.length >= RUNNING_PER_OPERATOR) {
      return { ok: false, code: 'conflict', message: 'two exports are running already: wait or cancel one' };
    }
    const selection = await this.recordings.scope(operator, body.filter);
    const total = selection ? await this.store.recordings.count(selection) : 0;
    if (total > MAX_EXPORT_RECORDINGS) {
      return {
        ok: false,
        code: 'bad_request',
        message: `${total} recordings match: narrow the filters to ${MAX_EXPORT_RECORDINGS} at most`,
      };
    }
    const job: Job = {
      view: { id: uuidv7(), state: 'running', done: 0, total, bytes: 0, message: null },
      operatorId: operator.id,
      finishedAt: null,
      cancelled: false,
      zip: null,
    };
    this.jobs.set(job.view.id, job);
    await audit(this.store, doer, 'recording.export', null, {
      filter: body.filter,
      format: body.format,
      total,
    });
    this.run(job, selection, body.format).catch((error: unknown) => {
      this.log.error({ err: error }, 'a recordings export failed');
      this.finish(job, 'failed', 'the export failed');
    });
    return { ok: true, value: { ...job.view } };
  }

  private async run(
    job: Job,
    selection: Awaited<ReturnType<RecordingService['scope']>>,
    format: RecordingExportBody['format'],
  ): Promise<void> {
    const files: ZipFile[] = [];
    if (selection) {
      for await (const transcript of this.recordings.transcripts(selection, BATCH)) {
        if (job.cancelled) return;
        const file = await transcriptFile(transcript, format);
        files.push({ name: file.name, data: file.data });
        job.view.done += 1;
        job.view.bytes += file.data.length;
        // Between two conversations: other requests run, and a cancel is seen before the next one.
        await this.step();
      }
    }
    if (job.cancelled) return;
    job.zip = zipStore(files);
    job.view.bytes = job.zip.length;
    this.finish(job, 'done', null);
  }

  private finish(job: Job, state: RecordingExportJob['state'], message: string | null): void {
    if (job.view.state !== 'running') return;
    job.view.state = state;
    job.view.message = message;
    job.finishedAt = this.now();
  }

  private own(operator: Operator, id: string): Job | null {
    const job = this.jobs.get(id);
    return job && job.operatorId === operator.id ? job : null;
  }

  status(operator: Operator, id: string): CommandResult<RecordingExportJob> {
    const job = this.own(operator, id);
    return job
      ? { ok: true, value: { ...job.view } }
      : { ok: false, code: 'not_found', message: 'no such export' };
  }

  cancel(operator: Operator, id: string): CommandResult<RecordingExportJob> {
    const job = this.own(operator, id);
    if (!job) return { ok: false, code: 'not_found', message: 'no such export' };
    job.cancelled = true;
    job.zip = null;
    this.finish(job, 'cancelled', null);
    return { ok: true, value: { ...job.view } };
  }

  download(operator: Operator, id: string): CommandResult<Buffer> {
    const job = this.own(operator, id);
    if (!job) return { ok: false, code: 'not_found', message: 'no such export' };
    if (!job.zip) return { ok: false, code: 'conflict', message: `the export is ${job.view.state}` };
    return { ok: true, value: job.zip };
  }

  private forgetOld(): void {
    for (const [id, job] of this.jobs) {
      if (job.finishedAt !== null && this.now() - job.finishedAt > KEEP_MS) this.jobs.delete(id);
    }
  }
}
