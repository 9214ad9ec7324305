import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';

/** How often the checkpointer copies the write-ahead log into the database file. */
const CHECKPOINT_EVERY_MS = 1000;

/**
 * The checkpointer's thread (a script, so it runs the same from the built server and from the tests' TypeScript): its
 * own connection to the database file, a passive checkpoint every `every` ms, and a last one when told to stop.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const SQLite = require(workerData.driver);
const db = new SQLite(workerData.file);
db.pragma('busy_timeout = 5000');
const checkpoint = (mode) => {
  try {
    db.pragma('wal_checkpoint(' + mode + ')');
  } catch (error) {
    parentPort.postMessage({ failed: String(error) });
  }
};
const timer = setInterval(() => checkpoint('PASSIVE'), workerData.every);
parentPort.on('message', () => {
  clearInterval(timer);
  checkpoint('TRUNCATE');
  db.close();
  process.exit(0);
});
`;

/**
 * Moves SQLite's checkpoints off the event loop. A commit in WAL mode only appends to the log; the checkpoint that
 * copies the log into the database file and syncs it ran inside whichever commit crossed the auto-checkpoint size,
 * stalling the loop for milliseconds each time and costing two thirds of a commit's time under load (bench/RESULTS.md,
 * 2026-12-04). Here a thread of its own does it, on its own connection, every second; the server's connection keeps a
 * high auto-checkpoint size only as a safety net (should this thread fall behind, the log stays bounded).
 */
export class Checkpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;

  constructor(file: string, log?: Logger) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        file,
        every: CHECKPOINT_EVERY_MS,
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      },
    });
    // It never keeps the process alive by itself; the store's close stops it.
    this.worker.unref();
    this.worker.on('message', (message: { failed?: string }) => {
      if (message.failed) log?.warn({ error: message.failed }, 'database checkpoint failed');
    });
    this.worker.on('error', (error) => log?.error({ err: error }, 'database checkpointer stopped'));
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
  }

  /** The last checkpoint, then the thread ends. */
  async stop(): Promise<void> {
    // Waited for: the process stays up until the thread is done (unreferenced, it would exit under the await).
    this.worker.ref();
    this.worker.postMessage('stop');
    await this.exited;
  }
}
