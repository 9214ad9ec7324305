import { PROTOCOL_VERSION } from '@parley/protocol';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bodyRoutes,
  checkHandshake,
  checkRequest,
  createRestTargets,
  expectChatWorks,
  expectStateReadable,
  FrameFuzzer,
  type FrameTargets,
  frameTypes,
  fuzzFrame,
  fuzzRequest,
  newFrameStats,
  newRestStats,
  type RestTargets,
  type SocketKind,
  VALID_BODIES,
} from './support/fuzzing.js';
import {
  ApiClient,
  agentHello,
  connectConsole,
  connectRawAgent,
  type TestServer,
  TestSocket,
  useTestServer,
  wsUrl,
} from './support/server.js';

/*
 * Issue 12: property-based fuzzing of every frame type and REST body (fast-check), a short run with fixed seeds; the
 * long one is bench/fuzz.ts. fast-check prints the seed and the frame or request of a failure.
 */

const SEED = 20261204;
const FRAME_RUNS = 150;
const HANDSHAKE_RUNS = 40;
const RUNS_PER_ROUTE = 15;

describe('fuzzing frames and REST bodies: no crash, no hang, every frame answered', () => {
  const suite = useTestServer();
  let targets: FrameTargets;
  let consoleFuzzer: FrameFuzzer;
  let agentFuzzer: FrameFuzzer;

  /** A greeted agent socket of the fuzzed device: it replaces the device's previous one (P-11). */
  async function agentSocket(server: TestServer, deviceId: string, credential: string): Promise<TestSocket> {
    const socket = await TestSocket.connect(wsUrl(server, '/ws/agent'));
    socket.send(agentHello(deviceId, credential, 'PC-fuzz', ['bob']));
    await socket.next((f) => f.type === 'agent.open_chats' && f.more === false);
    return socket;
  }

  beforeAll(async () => {
    const agent = await connectRawAgent(suite.server, suite.api, ['bob'], 'PC-fuzz');
    const opened = await suite.api.request('POST', `/api/devices/${agent.deviceId}/chats`);
    expect(opened.status).toBe(201);
    // The fuzzer connects its own agent sockets for the device.
    agent.socket.close();
    targets = { chatId: String(opened.body.chatId), deviceId: agent.deviceId, credential: agent.credential };
    consoleFuzzer = new FrameFuzzer('console', () => connectConsole(suite.server, suite.api), targets.chatId);
    agentFuzzer = new FrameFuzzer(
      'agent',
      () => agentSocket(suite.server, agent.deviceId, agent.credential),
      targets.chatId,
    );
  });
  afterAll(() => {
    consoleFuzzer.close();
    agentFuzzer.close();
  });

  it.each(['console', 'agent'] as const)(
    'P-3, P-4, P-12: every %s frame type, valid, near-valid or garbage, gets its answer or a documented close',
    async (kind: SocketKind) => {
      const fuzzer = kind === 'console' ? consoleFuzzer : agentFuzzer;
      await fc.assert(
        fc.asyncProperty(fuzzFrame(kind, targets), (payload) => fuzzer.check(payload)),
        { seed: SEED, numRuns: FRAME_RUNS, endOnFailure: true },
      );
      // Every frame type was sent in some form, and the fuzzed sockets still carry a real conversation.
      expect(fuzzer.stats.frames).toBe(FRAME_RUNS);
      expect(frameTypes(kind).filter((type) => !fuzzer.stats.types.has(type))).toEqual([]);
      await expectChatWorks(suite.api, targets.deviceId, consoleFuzzer, agentFuzzer);
    },
  );

  it.each(['console', 'agent'] as const)(
    'P-12: any first frame of the %s socket is refused cleanly, and a hello after an invalid one still works',
    async (kind: SocketKind) => {
      // Its own device: a valid agent.hello replaces the connection it names.
      const device =
        kind === 'agent' ? await connectRawAgent(suite.server, suite.api, ['carol'], 'PC-handshake') : null;
      device?.socket.close();
      const handshakeTargets = device
        ? { chatId: targets.chatId, deviceId: device.deviceId, credential: device.credential }
        : targets;
      const hello = device
        ? agentHello(device.deviceId, device.credential, 'PC-handshake', ['carol'])
        : { type: 'hello', protocolVersion: PROTOCOL_VERSION };
      const stats = newFrameStats();
      const open = () =>
        kind === 'console'
          ? TestSocket.connect(wsUrl(suite.server, '/ws/console'), {
              origin: suite.server.url,
              cookie: suite.api.cookie,
            })
          : TestSocket.connect(wsUrl(suite.server, '/ws/agent'));
      await fc.assert(
        fc.asyncProperty(fuzzFrame(kind, handshakeTargets), async (payload) =>
          checkHandshake(kind, await open(), payload, handshakeTargets, hello, stats),
        ),
        { seed: SEED + 1, numRuns: HANDSHAKE_RUNS, endOnFailure: true },
      );
      expect(stats.sockets).toBe(HANDSHAKE_RUNS);
      expect((await fetch(`${suite.server.url}/healthz`)).status).toBe(200);
    },
  );

  it('every REST body gets a 2xx or a 4xx {error, message}, never a 5xx or a hang; the state still reads', async () => {
    const routes = bodyRoutes((await suite.api.request('GET', '/api/openapi.json')).body);
    // The fuzzer knows a valid body of every route that takes one, and of no route that is gone.
    expect(routes.map((r) => `${r.method} ${r.path}`).sort()).toEqual(Object.keys(VALID_BODIES).sort());
    const restTargets: RestTargets = await createRestTargets(suite.api, targets.deviceId, targets.chatId);
    // A session of its own: the fuzzed chat opens use up that session's budget (30 a minute), not the suite's.
    const fuzzApi = new ApiClient(suite.server.url);
    await fuzzApi.login();
    const stats = newRestStats();
    for (const [i, route] of routes.entries()) {
      await fc.assert(
        fc.asyncProperty(fuzzRequest(route, restTargets), (request) =>
          checkRequest(suite.api, request, stats),
        ),
        { seed: SEED + 10 + i, numRuns: RUNS_PER_ROUTE, endOnFailure: true },
      );
    }
    expect(stats.requests).toBe(routes.length * RUNS_PER_ROUTE);
    // Near-valid bodies go past validation: some requests succeed, most are refused.
    expect([...stats.statuses.keys()].some((status) => status < 300)).toBe(true);
    expect(stats.statuses.get(400)).toBeGreaterThan(0);
    await expectStateReadable(fuzzApi);
    await expectChatWorks(suite.api, targets.deviceId, consoleFuzzer, agentFuzzer);
  });
});
