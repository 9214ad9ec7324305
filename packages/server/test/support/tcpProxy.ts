import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 that can lose the network: `blackhole()` drops every byte both ways without closing
 * anything (a cable pulled), `restore()` ends the connections it held and forwards new ones again.
 */
export class TcpProxy {
  private readonly server: Server;
  private readonly pairs = new Set<[Socket, Socket]>();
  private dropping = false;

  private constructor(targetPort: number) {
    this.server = createServer((client) => {
      const upstream = new (client.constructor as typeof Socket)();
      upstream.connect(targetPort, '127.0.0.1');
      const pair: [Socket, Socket] = [client, upstream];
      this.pairs.add(pair);
      client.on('data', (data) => this.dropping || upstream.write(data));
      upstream.on('data', (data) => this.dropping || client.write(data));
      const end = () => {
        // While the network is "down", one side's close does not reach the other either.
        if (this.dropping) return;
        this.pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on('close', end);
      upstream.on('close', end);
      client.on('error', end);
      upstream.on('error', end);
    });
  }

  static async start(targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  blackhole(): void {
    this.dropping = true;
  }

  restore(): void {
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
    this.dropping = false;
  }

  async close(): Promise<void> {
    this.restore();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
