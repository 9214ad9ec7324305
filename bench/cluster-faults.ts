/**
 * Faults of a 3-node cluster (issue 12), each with a chat running across nodes (agent through the front, landing on
 * node A; console on node B), both sides sending:
 * - `kill`: node A is killed (SIGKILL); the agent comes back on another node, the console sees it away and back;
 * - `postgres`: the cluster's own PostgreSQL crashes and comes back 5 s later;
 * - `nats`: the cluster's own NATS is killed and comes back 5 s later.
 * Nodes are never restarted. Exit 0 clean; 1 on a lost, doubled or never-acked message, or a timeout; 2 when it cannot run.
 *
 *   npm run build && node --import tsx bench/cluster-faults.ts [--only kill|postgres|nats] [--json FILE]
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import {
  type Cluster,
  type ClusterNode,
  DEFAULT_NATS_URL,
  DEFAULT_POSTGRES_URL,
  freshDatabase,
  startCluster,
} from './cluster.js';
import { AgentParty, ConsoleParty, ledgerProblems } from './faults/parties.js';
import { PrivateNats, PrivatePostgres } from './faults/services.js';
import { freePort } from './parley.js';
import { isEntryPoint, sleep } from './util.js';

const log = (line: string) => process.stderr.write(`${line}\n`);
const ADMIN_PASSWORD = `faults-${randomBytes(9).toString('base64url')}`;
/** Each side sends a message this often (under the per-socket limit of 10/s, P-25). */
const SEND_EVERY_MS = 250;
const OUTAGE_MS = 5000;
/** How long after the fault each side keeps sending, and how long the last messages have to arrive. */
const AFTER_MS = 5000;
const DRAIN_MS = 30_000;

async function api(
  baseUrl: string,
  method: string,
  path: string,
  options: { cookie?: string; body?: unknown } = {},
): Promise<{ status: number; body: Record<string, unknown>; cookie: string | null }> {
  const response = await fetch(new URL(path, baseUrl), {
    method,
    headers: {
      origin: baseUrl,
      ...(options.cookie ? { cookie: options.cookie } : {}),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  const cookie = response.headers.getSetCookie()[0]?.split(';')[0] ?? null;
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, cookie };
}

async function expectStatus(what: string, status: number, call: ReturnType<typeof api>) {
  const response = await call;
  if (response.status !== status)
    throw new Error(`${what}: HTTP ${response.status} ${JSON.stringify(response.body)}`);
  return response;
}

async function waitFor(
  what: string,
  test: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<number> {
  const start = Date.now();
  while (!(await test())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await sleep(20);
  }
  return Date.now();
}

async function onlineNode(databaseUrl: string, deviceId: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const result = await client.query<{ online_node: string | null }>(
      'select online_node from devices where id = $1',
      [deviceId],
    );
    return result.rows[0]?.online_node ?? null;
  } finally {
    await client.end();
  }
}

interface Chat {
  agent: AgentParty;
  console: ConsoleParty;
  deviceId: string;
  cookie: string;
  enroll(name: string): Promise<{ deviceId: string; credential: string }>;
}

/** Admin signs in on node B and enrolls a device; its agent connects through the front (to node A), a chat opens on B. */
async function openChat(cluster: Cluster, databaseUrl: string): Promise<Chat> {
  const nodeB = cluster.nodes[1] as ClusterNode;
  const signIn = await expectStatus(
    'sign in',
    200,
    api(nodeB.url, 'POST', '/api/auth/login', { body: { username: 'admin', password: ADMIN_PASSWORD } }),
  );
  const cookie = signIn.cookie ?? '';
  await expectStatus(
    'display name',
    204,
    api(nodeB.url, 'PUT', '/api/auth/display-name', { cookie, body: { displayName: 'Fault Operator' } }),
  );
  const enroll = async (name: string) => {
    const token = await expectStatus(
      'enrollment token',
      201,
      api(nodeB.url, 'POST', '/api/enrollment-tokens', { cookie }),
    );
    const enrolled = await expectStatus(
      'enroll',
      201,
      api(nodeB.url, 'POST', '/api/agents/enroll', { body: { token: token.body.token, name, os: 'linux' } }),
    );
    return { deviceId: enrolled.body.deviceId as string, credential: enrolled.body.credential as string };
  };
  const device = await enroll('PC-FAULTS');
  const agent = new AgentParty({
    wsUrl: `${cluster.front.url.replace(/^http/, 'ws')}/ws/agent`,
    ...device,
    name: 'PC-FAULTS',
    endUser: 'dana',
    log: (line) => log(`    ${line}`),
  });
  await waitFor('the agent connected', () => agent.ready, 15_000);
  const held = await onlineNode(databaseUrl, device.deviceId);
  if (held !== 'node-a') {
    await agent.stop();
    throw new Error(`cannot run: the agent landed on ${held}, not node-a`);
  }
  const opened = await expectStatus(
    'open chat',
    201,
    api(nodeB.url, 'POST', `/api/devices/${device.deviceId}/chats`, { cookie }),
  );
  const chatId = opened.body.chatId as string;
  const consoleParty = new ConsoleParty({ nodeUrl: nodeB.url, cookie, chatId, deviceId: device.deviceId });
  await waitFor(
    'both sides hold the chat',
    () => agent.ledger.maxSeq >= 2 && consoleParty.ledger.maxSeq >= 2,
    15_000,
  );
  return { agent, console: consoleParty, deviceId: device.deviceId, cookie, enroll };
}

type Figures = Record<string, number | string | null>;

interface Outcome {
  scenario: string;
  figures: Figures;
  problems: string[];
}

/** Both sides send until `fault` is done and AFTER_MS more; then every message must be acked and on both sides. */
async function converse(
  scenario: string,
  cluster: Cluster,
  chat: Chat,
  fault: (figures: Figures) => Promise<void>,
  /** Nodes the fault kills on purpose; every other one must still run and answer at the end. */
  killed: readonly ClusterNode[] = [],
): Promise<Outcome> {
  const figures: Figures = {};
  const problems: string[] = [];
  let n = 0;
  const sender = setInterval(() => {
    n++;
    chat.agent.say(`from dana ${n}`);
    chat.console.say(`from the operator ${n}`);
  }, SEND_EVERY_MS);
  try {
    await sleep(3000);
    await fault(figures);
    await sleep(AFTER_MS);
  } catch (error) {
    problems.push((error as Error).message);
  } finally {
    clearInterval(sender);
  }
  const drainStart = Date.now();
  const parties = [chat.agent.ledger, chat.console.ledger];
  try {
    await waitFor(
      'every message acked and on both sides',
      () => ledgerProblems(parties).length === 0,
      DRAIN_MS,
    );
    figures['drain ms'] = Date.now() - drainStart;
  } catch (error) {
    problems.push((error as Error).message);
  }
  problems.push(...ledgerProblems(parties));
  for (const node of cluster.nodes) {
    if (killed.includes(node)) continue;
    if (!node.running) problems.push(`${node.id} is not running`);
    else if (!(await node.healthy())) problems.push(`${node.id} does not answer /healthz`);
  }
  for (const party of [chat.agent, chat.console]) {
    const ledger = party.ledger;
    figures[`${ledger.name} sent`] = ledger.sent.size;
    figures[`${ledger.name} acked`] = ledger.sent.size - ledger.unacked.length;
    figures[`${ledger.name} refusals`] =
      [...ledger.refusals].map(([code, count]) => `${code}×${count}`).join(' ') || 0;
    figures[`${ledger.name} entries re-received`] = ledger.redelivered;
  }
  figures['entries in the chat'] = chat.console.ledger.maxSeq;
  figures['console socket closes'] = chat.console.closes.map((c) => c.code).join(' ') || 0;
  return { scenario, figures, problems };
}

/** Sent after `since` by `party` and delivered to the other side: the first such message's delivery time. */
function firstDeliveredAfter(
  from: AgentParty | ConsoleParty,
  to: AgentParty | ConsoleParty,
  since: number,
): number | null {
  let first: number | null = null;
  for (const [seq, entry] of to.ledger.entries) {
    const sent = entry.clientId ? from.ledger.sent.get(entry.clientId) : undefined;
    const at = to.ledger.receivedAt.get(seq);
    if (!sent || sent.sentAt < since || at === undefined) continue;
    if (first === null || at < first) first = at;
  }
  return first;
}

/** Polls every node's /healthz until stopped: how many answers failed, and when the last one did. */
function watchHealth(nodes: readonly ClusterNode[]): () => { failed: number; lastFailedAt: number | null } {
  let failed = 0;
  let lastFailedAt: number | null = null;
  let running = true;
  void (async () => {
    while (running) {
      const answers = await Promise.all(nodes.map((node) => node.healthy()));
      if (answers.some((ok) => !ok)) {
        failed++;
        lastFailedAt = Date.now();
      }
      await sleep(200);
    }
  })();
  return () => {
    running = false;
    return { failed, lastFailedAt };
  };
}

async function killScenario(workDir: string): Promise<Outcome> {
  const database = await freshDatabase(
    process.env.TEST_POSTGRES_URL ?? DEFAULT_POSTGRES_URL,
    'parley_faults',
  );
  const cluster = await startClusterIn(
    workDir,
    'kill',
    database.url,
    process.env.NATS_URL ?? DEFAULT_NATS_URL,
  );
  let orphan: AgentParty | null = null;
  let chat: Chat | null = null;
  try {
    chat = await openChat(cluster, database.url);
    const opened = chat;
    const nodeA = cluster.nodes[0] as ClusterNode;
    // A second device connects to node A itself, not through the front: it cannot come back elsewhere, so only the
    // presence lease can take it offline.
    const pinned = await chat.enroll('PC-PINNED');
    orphan = new AgentParty({
      wsUrl: `${nodeA.url.replace(/^http/, 'ws')}/ws/agent`,
      ...pinned,
      name: 'PC-PINNED',
      endUser: 'erin',
      log: () => {},
    });
    const pinnedAgent = orphan;
    await waitFor('the pinned agent connected', () => pinnedAgent.ready, 15_000);
    // The console hears of the devices it watches only (P-37).
    opened.console.watch(pinned.deviceId);
    return await converse(
      'kill -9 node A',
      cluster,
      chat,
      async (figures) => {
        const killedAt = Date.now();
        await nodeA.kill();
        figures['agent: down noticed ms'] =
          (await waitFor('the agent saw its node go', () => opened.agent.downs.length > 0, 30_000)) -
          killedAt;
        figures['agent: back (greeted) ms'] =
          (await waitFor('the agent came back', () => opened.agent.ups.length > 1, 60_000)) - killedAt;
        figures['agent: now on'] = await onlineNode(database.url, opened.deviceId);
        const ledger = opened.console.ledger;
        const eventAt = (name: string) =>
          ledger.events.find((e) => e.event === name && e.at >= killedAt)?.at ?? null;
        const presenceAt = (online: boolean) =>
          opened.console.presence.find(
            (p) => p.deviceId === opened.deviceId && p.online === online && p.at >= killedAt,
          )?.at ?? null;
        await waitFor(
          'the console saw the user back',
          () => eventAt('end_user_connected') !== null,
          15_000,
        ).catch(() => 0);
        const away = eventAt('end_user_disconnected');
        const back = eventAt('end_user_connected');
        figures['console: end_user_disconnected ms'] = away === null ? null : away - killedAt;
        figures['console: end_user_connected ms'] = back === null ? null : back - killedAt;
        const offline = presenceAt(false);
        const online = presenceAt(true);
        figures['console: device offline ms'] = offline === null ? null : offline - killedAt;
        figures['console: device online ms'] = online === null ? null : online - killedAt;
        const pinnedOffline = await waitFor(
          'the pinned device (held by node A) went offline',
          () =>
            opened.console.presence.some(
              (p) => p.deviceId === pinned.deviceId && !p.online && p.at >= killedAt,
            ),
          120_000,
        );
        figures['console: pinned device offline ms'] = pinnedOffline - killedAt;
        const left = Number(await countHeldBy(database.url, 'node-a'));
        figures['devices left on node A'] = left;
        const missing = [
          ...(away === null && offline === null ? ['the console was never shown the user away'] : []),
          ...(back === null ? ['the console was never shown the user back'] : []),
          ...(left > 0 ? [`${left} device(s) still online on node A`] : []),
        ];
        if (missing.length > 0) throw new Error(missing.join('; '));
      },
      [nodeA],
    );
  } finally {
    await orphan?.stop();
    await chat?.agent.stop();
    chat?.console.stop();
    await cluster.stop();
    await database.drop();
  }
}

async function countHeldBy(databaseUrl: string, node: string): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const result = await client.query<{ count: string }>(
      'select count(*) from devices where online_node = $1',
      [node],
    );
    return result.rows[0]?.count ?? '0';
  } finally {
    await client.end();
  }
}

async function postgresScenario(workDir: string): Promise<Outcome> {
  const postgres = PrivatePostgres.create(await freePort());
  try {
    postgres.start();
    const database = await freshDatabase(postgres.url, 'parley_faults');
    const cluster = await startClusterIn(
      workDir,
      'postgres',
      database.url,
      process.env.NATS_URL ?? DEFAULT_NATS_URL,
    );
    let chat: Chat | null = null;
    try {
      chat = await openChat(cluster, database.url);
      const opened = chat;
      return await converse('PostgreSQL crashed for 5 s', cluster, chat, async (figures) => {
        const health = watchHealth(cluster.nodes);
        const downAt = Date.now();
        postgres.crash();
        await sleep(OUTAGE_MS);
        postgres.start();
        const upAt = Date.now();
        figures['outage ms'] = upAt - downAt;
        // Each side on its own: a side whose refusals named no message never gets its backlog acked.
        const late: string[] = [];
        for (const party of [opened.agent, opened.console]) {
          const sent = () => [...party.ledger.sent.values()];
          const name = party.ledger.name;
          await waitFor(
            `${name}: a message sent after PostgreSQL came back is acked`,
            () => sent().some((s) => s.sentAt >= upAt && s.ackedSeq !== null),
            30_000,
          );
          const ackedAfter = sent().flatMap((s) =>
            s.sentAt >= upAt && s.ackedAt !== null ? [s.ackedAt] : [],
          );
          figures[`${name}: first ack after back ms`] = Math.min(...ackedAfter) - upAt;
          const backlog = await waitFor(
            `${name}: every message sent during the outage is acked`,
            () => sent().every((s) => s.sentAt > upAt || s.ackedSeq !== null),
            15_000,
          ).catch((error: Error) => {
            late.push(error.message);
            return null;
          });
          const backlogAcked = sent().flatMap((s) =>
            s.sentAt <= upAt && s.ackedAt !== null ? [s.ackedAt] : [],
          );
          figures[`${name}: outage backlog acked ms`] =
            backlog === null ? null : Math.max(upAt, ...backlogAcked) - upAt;
        }
        const deliveredAt = firstDeliveredAfter(opened.console, opened.agent, upAt);
        figures['first cross-node delivery after back ms'] = deliveredAt === null ? null : deliveredAt - upAt;
        for (const node of cluster.nodes)
          await expectStatus(
            `${node.id} GET /api/devices`,
            200,
            api(node.url, 'GET', '/api/devices', { cookie: opened.cookie }),
          );
        const { failed, lastFailedAt } = health();
        figures['/healthz rounds failed'] = failed;
        figures['/healthz last failure after back ms'] = lastFailedAt === null ? null : lastFailedAt - upAt;
        if (late.length > 0) throw new Error(late.join('; '));
      });
    } finally {
      await chat?.agent.stop();
      chat?.console.stop();
      await cluster.stop();
    }
  } finally {
    postgres.destroy();
  }
}

async function natsScenario(workDir: string): Promise<Outcome> {
  const nats = new PrivateNats(await freePort());
  await nats.start();
  const database = await freshDatabase(
    process.env.TEST_POSTGRES_URL ?? DEFAULT_POSTGRES_URL,
    'parley_faults',
  );
  try {
    const cluster = await startClusterIn(workDir, 'nats', database.url, nats.url);
    let chat: Chat | null = null;
    try {
      chat = await openChat(cluster, database.url);
      const opened = chat;
      return await converse('NATS killed for 5 s', cluster, chat, async (figures) => {
        const health = watchHealth(cluster.nodes);
        const downAt = Date.now();
        await nats.kill();
        await sleep(OUTAGE_MS);
        await nats.start();
        const upAt = Date.now();
        figures['outage ms'] = upAt - downAt;
        const toAgent = await waitFor(
          'a console message sent after NATS came back reaches the agent',
          () => firstDeliveredAfter(opened.console, opened.agent, upAt) !== null,
          30_000,
        );
        figures['first delivery B→A after back ms'] = toAgent - upAt;
        const toConsole = await waitFor(
          'an agent message sent after NATS came back reaches the console',
          () => firstDeliveredAfter(opened.agent, opened.console, upAt) !== null,
          30_000,
        );
        figures['first delivery A→B after back ms'] = toConsole - upAt;
        const { failed } = health();
        figures['/healthz rounds failed'] = failed;
      });
    } finally {
      await chat?.agent.stop();
      chat?.console.stop();
      await cluster.stop();
    }
  } finally {
    await nats.kill();
    await database.drop();
  }
}

/** Node logs: warnings and errors (JSON lines at level ≥ 40) are counted by message, for the report. */
const nodeProblems = new Map<string, number>();

function startClusterIn(
  workDir: string,
  name: string,
  databaseUrl: string,
  natsUrl: string,
): Promise<Cluster> {
  return startCluster({
    databaseUrl,
    natsUrl,
    adminPassword: ADMIN_PASSWORD,
    dir: join(workDir, name),
    env: { PARLEY_LOG_FORMAT: 'json', PARLEY_LOG_LEVEL: 'warn', PARLEY_LOGIN_ATTEMPTS_PER_MINUTE: '1000' },
    onLine: (node, line) => {
      if (!line.startsWith('{')) return;
      try {
        const entry = JSON.parse(line) as {
          level?: number;
          msg?: string;
          err?: { message?: string; stack?: string };
        };
        if ((entry.level ?? 0) < 40) return;
        const why = entry.err?.message ? ` (${entry.err.message.slice(0, 160)})` : '';
        const key = `${name} ${node}: ${entry.msg ?? line.slice(0, 100)}${why}`;
        nodeProblems.set(key, (nodeProblems.get(key) ?? 0) + 1);
        // FAULTS_STACKS=1: the stack of each first warning, to find where it came from.
        if (process.env.FAULTS_STACKS && entry.err?.stack && nodeProblems.get(key) === 1)
          log(entry.err.stack);
      } catch {
        // not a log line
      }
    },
  });
}

const SCENARIOS = { kill: killScenario, postgres: postgresScenario, nats: natsScenario } as const;
type ScenarioName = keyof typeof SCENARIOS;

function isScenario(name: string): name is ScenarioName {
  return name in SCENARIOS;
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { only: { type: 'string' }, json: { type: 'string' } } });
  const names = values.only ? values.only.split(',') : Object.keys(SCENARIOS);
  const unknown = names.filter((name) => !isScenario(name));
  if (unknown.length > 0) {
    log(`unknown scenario(s): ${unknown.join(', ')} (kill, postgres, nats)`);
    return 2;
  }
  const workDir = await mkdtemp(join(tmpdir(), 'parley-faults-'));
  const outcomes: Outcome[] = [];
  try {
    for (const name of names.filter(isScenario)) {
      log(`${name}…`);
      const outcome = await SCENARIOS[name](workDir);
      outcomes.push(outcome);
      process.stdout.write(`\n## ${outcome.scenario}\n\n`);
      for (const [key, value] of Object.entries(outcome.figures))
        process.stdout.write(`  ${key}: ${value ?? '—'}\n`);
      process.stdout.write(
        outcome.problems.length
          ? `  PROBLEMS:\n${outcome.problems.map((p) => `    - ${p}`).join('\n')}\n`
          : '  clean\n',
      );
    }
  } catch (error) {
    log(`cannot run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 2;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  if (nodeProblems.size > 0) {
    process.stdout.write('\nnode warnings and errors:\n');
    for (const [key, count] of nodeProblems) process.stdout.write(`  ${count}× ${key}\n`);
  }
  if (values.json)
    await writeFile(
      values.json,
      `${JSON.stringify({ outcomes, nodeProblems: Object.fromEntries(nodeProblems) }, null, 2)}\n`,
    );
  return outcomes.some((o) => o.problems.length > 0) ? 1 : 0;
}

if (isEntryPoint(import.meta.url)) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      log(`cannot run: ${String(error)}`);
      process.exit(2);
    },
  );
}
