/**
 * Preloaded into a target process by bench/run.ts (`node --import bench/dist/probe.mjs …`), the same way for Parley
 * and for the relay: a 5 ms ticker measures how late it fires (a stalled or saturated event loop makes it late),
 * and once a second the lateness and the event loop's utilization over that second go to stderr as
 * `bench-probe {json}`. It changes nothing else in the process.
 */
import { performance } from 'node:perf_hooks';
import { PROBE_PREFIX } from './util.js';

export interface ProbeSample {
  /** Epoch ms at the end of the second the sample covers. */
  at: number;
  /** How late the 5 ms ticker fired during that second, ms: the worst, and the 99th percentile. */
  maxMs: number;
  p99Ms: number;
  /** Event-loop utilization over that second, 0..1. */
  elu: number;
}

const TICK_MS = 5;
let previous = performance.now();
let lateness: number[] = [];
setInterval(() => {
  const now = performance.now();
  lateness.push(Math.max(0, now - previous - TICK_MS));
  previous = now;
}, TICK_MS).unref();

let lastElu = performance.eventLoopUtilization();
setInterval(() => {
  const elu = performance.eventLoopUtilization();
  const sorted = lateness.sort((a, b) => a - b);
  lateness = [];
  const sample: ProbeSample = {
    at: Date.now(),
    maxMs: sorted.at(-1) ?? 0,
    p99Ms: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0,
    elu: performance.eventLoopUtilization(elu, lastElu).utilization,
  };
  lastElu = elu;
  process.stderr.write(`${PROBE_PREFIX}${JSON.stringify(sample)}\n`);
}, 1000).unref();
