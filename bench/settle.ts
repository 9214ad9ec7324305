/**
 * Preloaded into Parley by bench/fuzz.ts (`node --expose-gc --import bench/dist/settle.mjs …`): on SIGUSR2 it
 * collects garbage (twice: the first pass frees what the second can then take) and writes
 * `bench-settled {memoryUsage}` to stderr, so that RSS is read after the heap settled, not while garbage waits.
 * It changes nothing else in the process.
 */
import { SETTLED_PREFIX } from './util.js';

process.on('SIGUSR2', () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  process.stderr.write(
    `${SETTLED_PREFIX}${JSON.stringify({ gc: gc !== undefined, ...process.memoryUsage() })}\n`,
  );
});
