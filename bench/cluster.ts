/**
 * `npm run cluster`: three Parley nodes on this machine, on one PostgreSQL database and one NATS, with a TCP front
 * that spreads connections over the nodes that are up (the load balancer a cluster sits behind). Also the library
 * bench/cluster-faults.ts starts its clusters with.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort } from './parley.js';
import { isEntryPoint, sleep } from './util.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SERVER_MAIN = join(ROOT, 'packages/server/dist/main.js');
export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';
export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';
const NODE_NAMES = ['node-a', 'node-b', 'node-c'];

/** A fresh database beside the one `serverUrl` names; `drop` removes it (and ends what is still connected). */
export async function freshDatabase(
  serverUrl: string,
  prefix: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const run = async (statement: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await run(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`drop database if exists ${name} with (force)`) };
}

export interface NodeOptions {
  id: string;
  port: number;
  dataDir: string;
  env: Record<string, string>;
  /** Each line the node prints, for the caller to show or keep. */
  onLine(line: string, stream: 'stdout' | 'stderr'): void;
}

/** One server node: `node packages/server/dist/main.js` on its own port and data dir. */
export class ClusterNode {
  child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();

  constructor(private readonly options: NodeOptions) {}

  get id(): string {
    return this.options.id;
  }

  get port(): number {
    return this.options.port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.options.port}`;
  }

  /** Starts the process and waits until it answers /healthz. */
  async start(timeoutMs = 30_000): Promise<void> {
    const child = spawn(process.execPath, [SERVER_MAIN], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        ...this.options.env,
        HOST: '127.0.0.1',
        PORT: String(this.options.port),
        PARLEY_DATA_DIR: this.options.dataDir,
        PARLEY_NODE_ID: this.options.id,
      },
    });
    this.child = child;
    this.exited = new Promise((done) => child.once('exit', () => done()));
    createInterface({ input: child.stdout }).on('line', (line) => this.options.onLine(line, 'stdout'));
    createInterface({ input: child.stderr }).on('line', (line) => this.options.onLine(line, 'stderr'));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(
          `${this.id} exited (${child.exitCode ?? child.signalCode}) before answering /healthz`,
        );
      if (await this.healthy()) return;
      if (Date.now() > deadline) throw new Error(`${this.id} did not answer /healthz within ${timeoutMs} ms`);
      await sleep(100);
    }
  }

  async healthy(): Promise<boolean> {
    try {
      return (await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(2000) })).status === 200;
    } catch {
      return false;
    }
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** `kill -9`: no goodbye to agents, consoles, the database or the bus. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (the node closes its connections), SIGKILL after 10 s. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child?.kill('SIGTERM');
    if ((await Promise.race([this.exited.then(() => 'exited'), sleep(10_000)])) !== 'exited')
      await this.kill();
  }
}

/**
 * The front: a TCP listener that hands each new connection to the next node in turn, skipping a node that refuses
 * it (down). What it carries is not looked at (HTTP, WebSocket, TLS alike); a connection lives and dies with its node.
 */
export class Front {
  private next = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private readonly ports: readonly number[],
  ) {}

  static async start(port: number, nodePorts: readonly number[]): Promise<Front> {
    const server = createServer();
    const front = new Front(server, nodePorts);
    server.on('connection', (client) => front.accept(client));
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(port, '127.0.0.1', () => done());
    });
    return front;
  }

  get url(): string {
    const address = this.server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  private accept(client: Socket): void {
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => client.destroy());
    client.pause();
    const first = this.next;
    this.next = (this.next + 1) % this.ports.length;
    this.tryNode(client, first, 0);
  }

  private tryNode(client: Socket, index: number, tried: number): void {
    if (tried >= this.ports.length || client.destroyed) {
      client.destroy();
      return;
    }
    const port = this.ports[index % this.ports.length] ?? 0;
    const upstream = createConnection({ port, host: '127.0.0.1' });
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      this.sockets.add(upstream);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.on('error', () => {
      if (!connected) this.tryNode(client, index + 1, tried + 1);
      else client.destroy();
    });
    upstream.on('close', () => {
      this.sockets.delete(upstream);
      if (connected) client.destroy();
    });
    client.on('close', () => upstream.destroy());
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((done) => this.server.close(() => done()));
  }
}

export interface ClusterOptions {
  databaseUrl: string;
  natsUrl: string;
  adminPassword: string;
  /** Where the nodes' data dirs go. */
  dir: string;
  nodes?: number;
  /** Port of the front; 0 picks one. */
  frontPort?: number;
  env?: Record<string, string>;
  onLine(node: string, line: string, stream: 'stdout' | 'stderr'): void;
}

export interface Cluster {
  nodes: ClusterNode[];
  front: Front;
  stop(): Promise<void>;
}

/** Starts the nodes one after the other (the first migrates the database and makes `admin`), then the front. */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const nodes: ClusterNode[] = [];
  const count = options.nodes ?? NODE_NAMES.length;
  for (let i = 0; i < count; i++) {
    const id = NODE_NAMES[i] ?? `node-${i + 1}`;
    nodes.push(
      new ClusterNode({
        id,
        port: await freePort(),
        dataDir: join(options.dir, id),
        env: {
          DATABASE_URL: options.databaseUrl,
          NATS_URL: options.natsUrl,
          PARLEY_ADMIN_PASSWORD: options.adminPassword,
          PARLEY_DEMO_AGENT: '0',
          ...options.env,
        },
        onLine: (line, stream) => options.onLine(id, line, stream),
      }),
    );
  }
  const stopAll = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
  };
  try {
    for (const node of nodes) await node.start();
  } catch (error) {
    await stopAll();
    throw error;
  }
  const front = await Front.start(
    options.frontPort ?? 0,
    nodes.map((node) => node.port),
  );
  return {
    nodes,
    front,
    stop: async () => {
      await front.close();
      await stopAll();
    },
  };
}

async function main(): Promise<void> {
  if (!existsSync(SERVER_MAIN)) throw new Error(`${SERVER_MAIN} is missing: run \`npm run build\` first`);
  const dir = await mkdtemp(join(tmpdir(), 'parley-cluster-'));
  const given = process.env.DATABASE_URL;
  const database = given
    ? { url: given, drop: async () => {} }
    : await freshDatabase(process.env.PARLEY_CLUSTER_POSTGRES_URL ?? DEFAULT_POSTGRES_URL, 'parley_cluster');
  const natsUrl = process.env.NATS_URL ?? DEFAULT_NATS_URL;
  const passwordFile = join(dir, 'admin-password');
  const adminPassword = process.env.PARLEY_ADMIN_PASSWORD ?? randomBytes(12).toString('base64url');
  await writeFile(passwordFile, `${adminPassword}\n`, { mode: 0o600 });

  let stopping = false;
  let cluster: Cluster | null = null;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('stopping the cluster…\n');
    void (async () => {
      await cluster?.stop();
      await database.drop();
      await rm(passwordFile, { force: true });
      process.exit(0);
    })();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  try {
    cluster = await startCluster({
      databaseUrl: database.url,
      natsUrl,
      adminPassword,
      dir,
      frontPort: Number(process.env.PORT ?? 0),
      // A node's banner would name only itself: the cluster's comes below. Warnings and errors are shown.
      onLine: (node, line, stream) => {
        if (stream === 'stderr') process.stderr.write(`[${node}] ${line}\n`);
      },
    });
  } catch (error) {
    await database.drop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const lines = [
    '',
    'Parley cluster on this machine',
    ...cluster.nodes.map((node) => `  ${node.id}: ${node.url}`),
    `  front (spreads connections over the nodes that are up): ${cluster.front.url}`,
    `  database: ${given ? 'DATABASE_URL' : `${new URL(database.url).pathname.slice(1)} (fresh, dropped on stop)`}`,
    `  NATS: ${natsUrl}`,
    `  logs (kept after stop): ${join(dir, 'node-*', 'parley.log')}`,
    `  sign in as admin; password: ${process.env.PARLEY_ADMIN_PASSWORD ? 'PARLEY_ADMIN_PASSWORD' : `in ${passwordFile}`}`,
    '  Ctrl-C stops every node.',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (isEntryPoint(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`cluster: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
