import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  /** How many messages each group commit stored together. */
  commitBatchSize: Histogram;
}

/** Prometheus metrics served at /metrics. `sockets` is read at scrape time. */
export function createMetrics(sockets: () => { consoles: number; agents: number }): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'parley_websockets',
    help: 'Open WebSocket connections by kind',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      const counts = sockets();
      this.set({ kind: 'console' }, counts.consoles);
      this.set({ kind: 'agent' }, counts.agents);
    },
  });
  const commitBatchSize = new Histogram({
    name: 'parley_commit_batch_size',
    help: 'Messages stored by one group commit',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [registry],
  });
  return { registry, commitBatchSize };
}
