import { connect, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { Bus, BusHandler, BusMessage } from './bus.js';

const PREFIX = 'parley.';

/**
 * The cluster bus: every node publishes to NATS and receives what any node published, its own included.
 * One NATS subscription per subject per node, shared by that node's local handlers.
 */
export class NatsBus implements Bus {
  private readonly subjects = new Map<string, { subscription: Subscription; handlers: Set<BusHandler> }>();

  private constructor(
    private readonly nc: NatsConnection,
    private readonly log: Logger,
  ) {}

  static async connect(url: string, log: Logger): Promise<NatsBus> {
    const nc = await connect({ servers: url.split(','), name: 'parley-server', maxReconnectAttempts: -1 });
    return new NatsBus(nc, log);
  }

  publish(subject: string, message: BusMessage): void {
    this.nc.publish(PREFIX + subject, JSON.stringify(message));
  }

  subscribe(subject: string, handler: BusHandler): () => void {
    let entry = this.subjects.get(subject);
    if (!entry) {
      const handlers = new Set<BusHandler>();
      const subscription = this.nc.subscribe(PREFIX + subject, {
        callback: (error, msg) => {
          if (error) {
            this.log.error({ err: error, subject }, 'bus subscription failed');
            return;
          }
          let message: BusMessage;
          try {
            message = msg.json<BusMessage>();
          } catch {
            this.log.warn({ subject }, 'bus message is not JSON');
            return;
          }
          for (const h of [...handlers]) h(message);
        },
      });
      entry = { subscription, handlers };
      this.subjects.set(subject, entry);
    }
    const current = entry;
    current.handlers.add(handler);
    return () => {
      current.handlers.delete(handler);
      if (current.handlers.size === 0 && this.subjects.get(subject) === current) {
        current.subscription.unsubscribe();
        this.subjects.delete(subject);
      }
    };
  }

  async close(): Promise<void> {
    this.subjects.clear();
    await this.nc.drain();
  }
}
