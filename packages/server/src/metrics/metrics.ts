import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/** Prometheus metrics served at /metrics. `sockets` is read at scrape time. */
export function createMetrics(sockets: () => { consoles: number; agents: number }): Registry {
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
  return registry;
}
