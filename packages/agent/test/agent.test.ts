import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { type ChatInfo, MAX_CLIENT_FRAME_BYTES, PROTOCOL_VERSION, pageProofText } from '@parley/protocol';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../server/src/server.js';
import {
  ApiClient,
  connectConsole,
  openManyChats,
  operatorNamed,
  startTestServer,
  type TestServer,
  TestSocket,
  useTestServer,
  watchDevices,
} from '../../server/test/support/server.js';
import { TcpProxy } from '../../server/test/support/tcpProxy.js';
import { Agent } from '../src/agent.js';
import { enroll } from '../src/enroll.js';
import { MAX_PENDING_HANDSHAKES, PageServer, pageProof } from '../src/pageServer.js';
import type { DetectedUser } from '../src/platform/users.js';

function user(name: string): DetectedUser {
  return { name, graphical: true, remote: false };
}

/** GET with a chosen Host header (fetch does not let a caller set it): what a DNS-rebinding page would send. */
function statusWithHost(url: URL, host: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: { host } }, (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    request.on('error', reject);
  });
}

/** Asks for a page-socket upgrade the agent refuses (no Origin), and resets the connection as the answer comes. */
function resetAfterRefusedUpgrade(url: URL): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname, () =>
      socket.write(
        `GET /ws/page HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      ),
    );
    socket.once('data', () => {
      socket.resetAndDestroy();
      resolve();
    });
    socket.once('error', reject);
  });
}

/** Writes a raw request (one a browser would never send) and returns the status line of the answer. */
function rawStatusLine(url: URL, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname, () => socket.write(request));
    socket.once('data', (data) => {
      resolve(data.toString().split('\r\n')[0] ?? '');
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

/** A real agent reporting `bob` (or `users`) as logged on, whose opener records the launch files (added to `agents`). */
function bobsAgent(config: Awaited<ReturnType<typeof enroll>>, agents: Agent[], users = [user('bob')]) {
  const opened: string[] = [];
  const agent = new Agent({
    config,
    detectUsers: async () => users,
    openPage: async (url) => {
      opened.push(url);
    },
    log: () => {},
  });
  agents.push(agent);
  return { agent, opened };
}

/** The page URL (with its key in the fragment) that a launch file sends the browser to. */
function pageUrlOf(launchFile: string): URL {
  const html = readFileSync(fileURLToPath(launchFile), 'utf8');
  const href = /content="0;url=([^"]+)"/.exec(html)?.[1] ?? '';
  return new URL(href.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))));
}

/** The page's side of the P-13 handshake, as the page's script does it; resolves once the agent let it in. */
async function proveAsPage(socket: TestSocket, chatId: string, key: string): Promise<void> {
  const nonce = randomBytes(24).toString('base64url');
  socket.send({ type: 'page.hello', protocolVersion: PROTOCOL_VERSION, chatId, nonce });
  const challenge = (await socket.next((f) => f.type === 'page.challenge')) as {
    nonce: string;
    proof: string;
  };
  expect(challenge.proof).toBe(pageProof(key, pageProofText('agent', chatId, nonce, challenge.nonce)));
  socket.send({
    type: 'page.auth',
    proof: pageProof(key, pageProofText('page', chatId, challenge.nonce, nonce)),
  });
  await socket.next((f) => f.type === 'page.link');
}

/** The end-user page's socket as the page's script opens it (Origin: the agent's page server), proved (P-13). */
async function openPage(launchFile: string): Promise<TestSocket & { chatId: string; key: string }> {
  const page = pageUrlOf(launchFile);
  const chatId = decodeURIComponent(page.pathname.split('/').at(-1) ?? '');
  const key = new URLSearchParams(page.hash.slice(1)).get('k') ?? '';
  const socket = await TestSocket.connect(`ws://${page.host}/ws/page`, { origin: page.origin });
  await proveAsPage(socket, chatId, key);
  socket.send({ type: 'chat.subscribe', chatId, afterSeq: 0 });
  await socket.next((f) => f.type === 'chat.info');
  return Object.assign(socket, { chatId, key });
}

describe('parley-agent with the real server (SQLite)', () => {
  let server: TestServer;
  let api: ApiClient;
  const agents: Agent[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    api = new ApiClient(server.url);
    await api.login();
  });
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.stop()));
  });
  afterAll(async () => server.stop());

  async function startAgent(
    name: string,
    users: () => DetectedUser[],
    on: { server: TestServer; api: ApiClient } = { server, api },
  ) {
    const token = (await on.api.request('POST', '/api/enrollment-tokens')).body.token as string;
    const config = await enroll(on.server.url, token, name, 'linux');
    const opened: { url: string; endUser: DetectedUser | null }[] = [];
    const agent = new Agent({
      config,
      detectUsers: async () => users(),
      openPage: async (url, endUser) => {
        opened.push({ url, endUser });
      },
      log: () => {},
      usersPollMs: 50,
    });
    agents.push(agent);
    await agent.start();
    return { agent, config, opened };
  }

  it('enrolls once per token and stores only a credential the server can check', async () => {
    const token = (await api.request('POST', '/api/enrollment-tokens')).body.token as string;
    const config = await enroll(server.url, token, 'PC-ENROLL', 'linux');
    expect(config.credential.length).toBeGreaterThanOrEqual(32);
    await expect(enroll(server.url, token, 'PC-AGAIN', 'linux')).rejects.toThrow(
      /401.*unknown, used up, revoked or expired/,
    );
    const stored = await server.store.devices.find(config.deviceId);
    expect(stored?.credentialHash).not.toContain(config.credential);
    expect(stored?.credentialHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reports logged-on users and re-reports when they change', async () => {
    let users = [user('alice')];
    const console = await connectConsole(server, api);
    const { config } = await startAgent('PC-USERS', () => users);
    const isDevice = (f: Record<string, unknown>, names: string[]) =>
      f.type === 'device.updated' &&
      (f.device as { id: string }).id === config.deviceId &&
      (f.device as { online: boolean }).online &&
      JSON.stringify((f.device as { loggedOnUsers: unknown }).loggedOnUsers) ===
        JSON.stringify(names.map((name) => ({ name })));
    await expect
      .poll(async () => (await server.store.devices.find(config.deviceId))?.onlineNode)
      .toBe('test-node');
    // The console shows the device (P-37): its state now, then its changes.
    const [shown] = await watchDevices(console, [config.deviceId]);
    expect(shown).toMatchObject({ online: true, loggedOnUsers: [{ name: 'alice' }] });
    users = [user('alice'), user('carol')];
    await console.next((f) => isDevice(f, ['alice', 'carol']));
    users = [];
    await console.next((f) => isDevice(f, []));
    const refused = await api.request('POST', `/api/devices/${config.deviceId}/chats`);
    expect(refused).toMatchObject({ status: 409, body: { error: 'no_user_logged_on' } });
    console.close();
  });

  it('opens the end-user page for the logged-on user and relays the chat both ways', async () => {
    const { config, opened } = await startAgent('PC-CHAT', () => [user('bob')]);
    await expect
      .poll(async () => (await server.store.devices.find(config.deviceId))?.onlineNode)
      .toBe('test-node');
    const chatId = (await api.request('POST', `/api/devices/${config.deviceId}/chats`)).body.chatId as string;
    await expect.poll(() => opened.length).toBe(1);
    expect(opened[0]?.endUser?.name).toBe('bob');
    // 6: the opener gets a file name, never the page key.
    expect(opened[0]?.url).toMatch(/^file:\/\/\/.+\/parley-chat-\w+\/chat\.html$/);
    expect(pageUrlOf(opened[0]?.url ?? '').href).toMatch(
      new RegExp(`^http://127\\.0\\.0\\.1:\\d+/chat/${chatId}#k=[\\w-]{43}$`),
    );

    const console = await connectConsole(server, api);
    console.send({ type: 'chat.subscribe', chatId, afterSeq: 0 });
    const page = await openPage(opened[0]?.url ?? '');
    expect(page.ofType('chat.info')[0]?.chat).toMatchObject({
      chatId,
      operatorName: 'Administrator',
      endUserName: 'bob',
    });
    await console.next((f) => f.type === 'chat.entries' && JSON.stringify(f).includes('end_user_connected'));

    console.send({
      type: 'chat.send',
      chatId,
      clientId: 'op-0000001',
      text: 'Hi Bob <script>alert(1)</script>',
    });
    const atPage = await page.next(
      (f) => f.type === 'chat.entries' && JSON.stringify(f).includes('op-0000001'),
    );
    expect((atPage.entries as { text: string }[])[0]?.text).toBe('Hi Bob <script>alert(1)</script>');

    page.send({ type: 'chat.send', chatId, clientId: 'eu-0000001', text: 'Thanks!' });
    const ack = await page.next((f) => f.type === 'chat.ack');
    expect(ack).toMatchObject({ chatId, clientId: 'eu-0000001' });
    const atConsole = await console.next(
      (f) => f.type === 'chat.entries' && JSON.stringify(f).includes('eu-0000001'),
    );
    expect((atConsole.entries as unknown[])[0]).toMatchObject({
      from: { role: 'end_user', name: 'bob' },
      text: 'Thanks!',
    });

    page.close();
    await console.next(
      (f) => f.type === 'chat.entries' && JSON.stringify(f).includes('end_user_disconnected'),
    );
    console.close();
  });

  it('P-16: on a computer several people use, shows the chat to the person chosen, in their session only', async () => {
    const terminalServer: DetectedUser[] = [
      { name: 'maria', uid: 1000, sessionId: '2', graphical: true, remote: false, session: 'console' },
      { name: 'jonas', uid: 1001, sessionId: '5', graphical: true, remote: true, session: 'remote' },
      { name: 'lena', uid: 1002, sessionId: '6', graphical: true, remote: true, session: 'remote' },
    ];
    const { config, opened } = await startAgent('TS-AGENT', () => terminalServer);
    await expect
      .poll(async () => (await server.store.devices.find(config.deviceId))?.loggedOnUsers)
      .toEqual([
        { name: 'maria', session: 'console', sessionId: '2' },
        { name: 'jonas', session: 'remote', sessionId: '5' },
        { name: 'lena', session: 'remote', sessionId: '6' },
      ]);
    const path = `/api/devices/${config.deviceId}/chats`;
    expect(await api.request('POST', path)).toMatchObject({ status: 409, body: { error: 'choose_user' } });
    const chatId = (await api.request('POST', path, { user: 'jonas' })).body.chatId as string;
    await expect.poll(() => opened.length).toBe(1);
    // The opener is asked for jonas's session, nobody else's.
    expect(opened[0]?.endUser).toEqual(terminalServer[1]);
    const page = await openPage(opened[0]?.url ?? '');
    expect(page.ofType('chat.info')[0]?.chat).toMatchObject({ chatId, endUserName: 'jonas' });
    // Asked to show it again while jonas's page is connected: nothing opens anywhere.
    expect((await api.request('POST', path, { user: 'jonas' })).status).toBe(200);
    const lena = (await api.request('POST', path, { user: 'lena' })).body.chatId as string;
    await expect.poll(() => opened.length).toBe(2);
    expect(opened.map((o) => o.endUser?.name)).toEqual(['jonas', 'lena']);
    expect(pageUrlOf(opened[1]?.url ?? '').pathname).toBe(`/chat/${lena}`);
    page.close();
  });

  it('P-16: a chat with someone the agent does not see logged on is never shown to anyone: page_failed', async () => {
    const { config, opened } = await startAgent('TS-GHOST', () => [user('maria'), user('jonas')]);
    await expect
      .poll(async () => (await server.store.devices.find(config.deviceId))?.loggedOnUsers.length)
      .toBe(2);
    // The server believes "ghost" is logged on (a report that raced a log-off); the agent does not see them.
    await server.store.devices.setLoggedOnUsers(
      config.deviceId,
      [{ name: 'maria' }, { name: 'jonas' }, { name: 'ghost' }],
      new Date().toISOString(),
    );
    const chatId = (await api.request('POST', `/api/devices/${config.deviceId}/chats`, { user: 'ghost' }))
      .body.chatId as string;
    expect(chatId).toEqual(expect.any(String));
    const console = await connectConsole(server, api);
    console.send({ type: 'chat.subscribe', chatId, afterSeq: 0 });
    const failed = await console.next(
      (f) => f.type === 'chat.entries' && JSON.stringify(f).includes('page_failed'),
    );
    expect(JSON.stringify(failed)).toContain('ghost is not logged on to this computer');
    expect(opened).toEqual([]);
    console.close();
  });

  it('P-13: guards the end-user page: private launch file, no cookie, Host, Origin, proof both ways, chat id', async () => {
    const { config, opened } = await startAgent('PC-GUARD', () => [user('bob')]);
    await expect
      .poll(async () => (await server.store.devices.find(config.deviceId))?.onlineNode)
      .toBe('test-node');
    await api.request('POST', `/api/devices/${config.deviceId}/chats`);
    await expect.poll(() => opened.length).toBe(1);
    const launchFile = fileURLToPath(opened[0]?.url ?? '');
    expect(statSync(launchFile).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(launchFile)).mode & 0o777).toBe(0o700);
    const url = pageUrlOf(opened[0]?.url ?? '');
    const chatId = url.pathname.split('/').at(-1) ?? '';
    const key = new URLSearchParams(url.hash.slice(1)).get('k') ?? '';

    // 7: the page is a shell that needs no cookie and sets none (a cookie would go to every port of 127.0.0.1).
    const shell = await fetch(new URL(`/chat/${chatId}`, url.origin));
    expect(shell.status).toBe(200);
    expect(shell.headers.get('set-cookie')).toBeNull();
    expect((await fetch(new URL('/chat/another-chat', url.origin))).status).toBe(404);
    expect(await statusWithHost(url, 'evil.example')).toBe(421);
    // Only the address the agent opens: `localhost` may be ::1, where another process can listen.
    expect(await statusWithHost(url, `localhost:${url.port}`)).toBe(421);
    // Malformed requests any web page could make get an answer, and the agent keeps serving.
    expect(await statusWithHost(new URL(`${url.origin}/chat/%E0`), url.host)).toBe(404);
    expect(await rawStatusLine(url, `GET http://[ HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`)).toMatch(
      /^HTTP\/1\.1 400/,
    );

    const wsUrl = `ws://${url.host}/ws/page`;
    await expect(TestSocket.connect(wsUrl, { origin: 'http://evil.example' })).rejects.toThrow(/403/);
    await expect(TestSocket.connect(wsUrl)).rejects.toThrow(/403/);
    await expect(TestSocket.connect(wsUrl, { origin: `http://localhost:${url.port}` })).rejects.toThrow(
      /403/,
    );
    // A refused upgrade whose client resets the connection at once does not take the agent down.
    await resetAfterRefusedUpgrade(url);
    expect((await fetch(new URL(`/chat/${chatId}`, url.origin))).status).toBe(200);
    // A chat frame before the proof: refused and closed.
    const early = await TestSocket.connect(wsUrl, { origin: url.origin });
    early.send({ type: 'chat.subscribe', chatId, afterSeq: 0 });
    expect((await early.closed).code).toBe(4001);
    expect(early.ofType('chat.info')).toEqual([]);
    // A page without the key: the agent's challenge gives nothing away, and a guessed proof closes the socket.
    const guesser = await TestSocket.connect(wsUrl, { origin: url.origin });
    guesser.send({ type: 'page.hello', protocolVersion: PROTOCOL_VERSION, chatId, nonce: 'n'.repeat(32) });
    await guesser.next((f) => f.type === 'page.challenge');
    guesser.send({ type: 'page.auth', proof: pageProof('x'.repeat(43), 'guess') });
    expect((await guesser.closed).code).toBe(4001);
    expect(guesser.frames.map((f) => f.type)).toEqual(['page.challenge', 'error']);
    // A proof seen on one connection does not open another: each is over that connection's agent nonce.
    const hello = { type: 'page.hello', protocolVersion: PROTOCOL_VERSION, chatId, nonce: 'm'.repeat(32) };
    const seen = await TestSocket.connect(wsUrl, { origin: url.origin });
    seen.send(hello);
    const firstChallenge = (await seen.next((f) => f.type === 'page.challenge')) as { nonce: string };
    const replayed = await TestSocket.connect(wsUrl, { origin: url.origin });
    replayed.send(hello);
    await replayed.next((f) => f.type === 'page.challenge');
    replayed.send({
      type: 'page.auth',
      proof: pageProof(key, pageProofText('page', chatId, firstChallenge.nonce, hello.nonce)),
    });
    expect((await replayed.closed).code).toBe(4001);
    seen.close();
    const unknownChat = await TestSocket.connect(wsUrl, { origin: url.origin });
    unknownChat.send({
      type: 'page.hello',
      protocolVersion: PROTOCOL_VERSION,
      chatId: 'nope',
      nonce: 'n'.repeat(32),
    });
    expect((await unknownChat.closed).code).toBe(4001);

    const page = await TestSocket.connect(wsUrl, { origin: url.origin });
    await proveAsPage(page, chatId, key);
    page.send({ type: 'page.hello', protocolVersion: PROTOCOL_VERSION, chatId, nonce: 'n'.repeat(32) });
    expect(await page.next((f) => f.type === 'error')).toMatchObject({ code: 'bad_frame' });
    page.send({ type: 'chat.send', chatId: 'another-chat', clientId: 'eu-0000002', text: 'sneaky' });
    expect(await page.next((f) => f.type === 'error' && f.code === 'forbidden')).toBeTruthy();
    page.send('{not json');
    await expect.poll(() => page.ofType('error').filter((f) => f.code === 'bad_frame').length).toBe(2);
    // Once a page is there, the launch file is gone.
    await expect.poll(() => existsSync(launchFile)).toBe(false);
    page.close();
    // At most MAX_PENDING_HANDSHAKES sockets wait for their proof at once: sockets that never prove anything (or
    // upgrades that never complete) cannot shut the page out; each new one closes the one that waited longest.
    const idle = [];
    for (let i = 0; i < MAX_PENDING_HANDSHAKES; i++)
      idle.push(await TestSocket.connect(wsUrl, { origin: url.origin }));
    for (let i = 0; i < 40; i++)
      await rawStatusLine(
        url,
        `GET /ws/page HTTP/1.1\r\nHost: ${url.host}\r\nOrigin: ${url.origin}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n`,
      );
    const late = await TestSocket.connect(wsUrl, { origin: url.origin });
    expect((await idle[0]?.closed)?.code).toBe(1006);
    await proveAsPage(late, chatId, key);
    for (const socket of [...idle, late]) socket.close();
  });

  it('holds the end user’s messages while the server restarts and delivers them after, in order', async () => {
    const own = await startTestServer();
    const ownApi = new ApiClient(own.url);
    await ownApi.login();
    const { config, opened, agent } = await startAgent('PC-RESTART', () => [user('bob')], {
      server: own,
      api: ownApi,
    });
    await expect.poll(() => agent.connected).toBe(true);
    const chatId = (await ownApi.request('POST', `/api/devices/${config.deviceId}/chats`)).body
      .chatId as string;
    await expect.poll(() => opened.length).toBe(1);
    const page = await openPage(opened[0]?.url ?? '');

    await own.close();
    await expect.poll(() => agent.connected).toBe(false);
    page.send({ type: 'chat.send', chatId, clientId: 'eu-offline-1', text: 'are you there?' });
    page.send({ type: 'chat.send', chatId, clientId: 'eu-offline-2', text: 'hello?' });

    const restarted = await startServer({
      host: '127.0.0.1',
      port: own.port,
      store: own.database.location,
      nodeId: 'test-node',
      loginAttemptsPerMinute: 20,
      logger: pino({ level: 'silent' }),
    });
    try {
      await expect.poll(() => agent.connected, { timeout: 10_000 }).toBe(true);
      await page.next((f) => f.type === 'chat.ack' && f.clientId === 'eu-offline-2', 10_000);
      const entries = await restarted.store.chats.entriesAfter(chatId, 0, 100);
      expect(entries.flatMap((e) => (e.kind === 'message' ? [e.text] : []))).toEqual([
        'are you there?',
        'hello?',
      ]);
      expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
      page.close();
    } finally {
      await agent.stop();
      await restarted.close();
      await own.database.drop();
    }
  });
});

describe('the page server across agent restarts', () => {
  const info: ChatInfo = {
    chatId: 'chat-restart',
    organization: 'IT',
    deviceId: 'dev-1',
    deviceName: 'PC-1',
    operatorName: 'Olga',
    endUserName: 'bob',
    status: 'open',
    recorded: false,
    receipts: { operator: { deliveredSeq: 0, readSeq: 0 }, end_user: { deliveredSeq: 0, readSeq: 0 } },
  };
  const events = { onFrame: () => {}, onPresence: () => {} };

  it('stops even when a page never answers its close (a frozen tab): the page socket is cut', async () => {
    const statePath = join(mkdtempSync(join(tmpdir(), 'parley-pages-')), 'agent.pages.json');
    const pages = new PageServer(events, { statePath });
    await pages.listen();
    const port = Number(new URL(pages.addChat(info)).port);
    // A raw socket that upgrades to /ws/page and then never reads or answers anything.
    const frozen = net.connect(port, '127.0.0.1');
    const upgraded = new Promise<string>((resolve) =>
      frozen.once('data', (data) => resolve(data.toString())),
    );
    frozen.write(
      [
        'GET /ws/page HTTP/1.1',
        `Host: 127.0.0.1:${port}`,
        `Origin: http://127.0.0.1:${port}`,
        'Connection: Upgrade',
        'Upgrade: websocket',
        'Sec-WebSocket-Version: 13',
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
        '',
        '',
      ].join('\r\n'),
    );
    expect(await upgraded).toMatch(/^HTTP\/1\.1 101/);
    // It reads what comes (the agent's close frame) and answers nothing.
    frozen.on('data', () => {});
    const cut = new Promise<void>((resolve) => frozen.once('close', () => resolve()));
    await pages.close();
    await cut;
  });

  it("serves the page's scripts as the build compressed them, per Accept-Encoding, under a CSP naming script-src", async () => {
    const pages = new PageServer(events, { statePath: null });
    await pages.listen();
    try {
      const url = new URL(pages.addChat(info));
      const get = (path: string, headers: Record<string, string>) =>
        new Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
          http
            .get(new URL(path, url.origin), { headers }, (response) => {
              const parts: Buffer[] = [];
              response.on('data', (part: Buffer) => parts.push(part));
              response.on('end', () => resolve({ headers: response.headers, body: Buffer.concat(parts) }));
            })
            .on('error', reject);
        });
      const shell = await get(url.pathname, {});
      const csp = String(shell.headers['content-security-policy']);
      expect(csp).toContain("script-src 'self';");
      expect(csp).toContain("default-src 'self'");
      const script = /<script type="module" crossorigin src="([^"]+)"/.exec(shell.body.toString())?.[1] ?? '';
      expect(script).toMatch(/^\/assets\/enduser-.+\.js$/);

      const plain = await get(script, {});
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.headers.vary).toBe('accept-encoding');
      const brotli = await get(script, { 'accept-encoding': 'gzip, br' });
      expect(brotli.headers['content-encoding']).toBe('br');
      expect(brotli.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(brotliDecompressSync(brotli.body).equals(plain.body)).toBe(true);
      const gzip = await get(script, { 'accept-encoding': 'br;q=0, gzip' });
      expect(gzip.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(gzip.body).equals(plain.body)).toBe(true);
      expect((await get(script, { 'accept-encoding': 'identity' })).body.equals(plain.body)).toBe(true);
    } finally {
      await pages.close();
    }
  });

  it('4, 8: comes back on its saved port with its page keys; when another process holds the port, new port, new keys', async () => {
    const statePath = join(mkdtempSync(join(tmpdir(), 'parley-pages-')), 'agent.pages.json');
    const first = new PageServer(events, { statePath });
    await first.listen();
    const url = new URL(first.addChat(info));
    await first.close();
    expect(statSync(statePath).mode & 0o777).toBe(0o600);

    const second = new PageServer(events, { statePath });
    await second.listen();
    expect(second.takeRestored()).toEqual(['chat-restart']);
    expect(second.addChat(info)).toBe(url.href);
    await second.close();

    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(Number(url.port), '127.0.0.1', resolve));
    try {
      const third = new PageServer(events, { statePath });
      await third.listen();
      expect(third.takeRestored()).toEqual([]);
      const moved = new URL(third.addChat(info));
      expect(moved.port).not.toBe(url.port);
      expect(moved.hash).not.toBe(url.hash);
      await third.close();
    } finally {
      squatter.close();
    }
  });
});

describe('parley-agent behind a network that can drop', () => {
  // Beats every 100 ms: the server notices a silent agent quickly, the agent (20 s watchdog) does not.
  const suite = useTestServer({ heartbeatMs: 100 });
  let proxy: TcpProxy;
  const agents: Agent[] = [];

  beforeAll(async () => {
    proxy = await TcpProxy.start(suite.server.port);
  });
  afterEach(async () => {
    proxy.restore();
    await Promise.all(agents.splice(0).map((a) => a.stop()));
  });
  afterAll(async () => proxy.close());

  /** An agent that reaches the server through the proxy, a chat opened on it, and its end-user page. */
  async function chatThroughProxy(name: string) {
    const { server, api } = suite;
    const token = (await api.request('POST', '/api/enrollment-tokens')).body.token as string;
    const config = { ...(await enroll(server.url, token, name, 'linux')), server: proxy.url };
    const { agent, opened } = bobsAgent(config, agents);
    await agent.start();
    await expect.poll(() => agent.connected).toBe(true);
    const chatId = (await api.request('POST', `/api/devices/${config.deviceId}/chats`)).body.chatId as string;
    await expect.poll(() => opened.length).toBe(1);
    const launchFile = opened[0] ?? '';
    const pageUrl = pageUrlOf(launchFile);
    const page = await openPage(launchFile);
    /** Drops the network until the server has cut the agent off (the agent has not noticed yet). */
    const loseNetwork = async () => {
      proxy.blackhole();
      await expect
        .poll(async () => (await server.store.devices.find(config.deviceId))?.onlineNode)
        .toBeNull();
    };
    return { agent, chatId, page, pageUrl, loseNetwork };
  }

  it('P-20: sends again what a dropped network swallowed, so nothing is lost and nothing doubled', async () => {
    const { agent, chatId, page, loseNetwork } = await chatThroughProxy('PC-FLAKY');
    proxy.blackhole();
    page.send({ type: 'chat.send', chatId, clientId: 'into-the-void', text: 'anyone?' });
    await loseNetwork();
    expect(agent.connected).toBe(true);
    proxy.restore();

    const ack = await page.next((f) => f.type === 'chat.ack' && f.clientId === 'into-the-void', 10_000);
    expect(page.ofType('page.link').map((f) => f.up)).toEqual([true, false, true]);
    const stored = (await suite.server.store.chats.entriesAfter(chatId, 0, 100)).filter(
      (e) => e.kind === 'message',
    );
    expect(stored).toMatchObject([{ clientId: 'into-the-void', text: 'anyone?', seq: ack.seq }]);
    page.close();
  });

  it('P-25a: sends again a receipt a dropped network swallowed, so the operator sees the message delivered', async () => {
    const { chatId, page, loseNetwork } = await chatThroughProxy('PC-RECEIPT');
    const admin = await operatorNamed(suite.server, 'admin');
    const sent = await suite.server.services.chats.send(
      chatId,
      { kind: 'operator', operator: admin },
      'op-msg-1',
      'hello?',
    );
    if (!sent.ok) throw new Error(sent.message);
    await page.next((f) => f.type === 'chat.entries' && JSON.stringify(f).includes('op-msg-1'));
    proxy.blackhole();
    page.send({ type: 'chat.receipt', chatId, seq: sent.value.seq, state: 'delivered' });
    await loseNetwork();
    proxy.restore();
    await expect
      .poll(async () => (await suite.server.store.chats.find(chatId))?.receipts.end_user.deliveredSeq, {
        timeout: 10_000,
      })
      .toBe(sent.value.seq);
    page.close();
  });

  it('learns after a reconnect that a chat closed while it was away, and stops serving its page', async () => {
    const { chatId, page, pageUrl, loseNetwork } = await chatThroughProxy('PC-AWAY');
    await loseNetwork();
    const admin = await operatorNamed(suite.server, 'admin');
    await suite.server.services.chats.close(chatId, { kind: 'operator', operator: admin });
    proxy.restore();

    await page.next(
      (f) => f.type === 'chat.info' && (f.chat as { status: string }).status === 'closed',
      10_000,
    );
    page.close();
    await expect.poll(async () => (await fetch(new URL(pageUrl.pathname, pageUrl.origin))).status).toBe(404);
  });
});

describe('parley-agent on a device with many open chats', () => {
  const suite = useTestServer();
  const agents: Agent[] = [];
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.stop()));
  });

  it('P-11: an agent whose device has 300 open chats becomes ready and serves every one of them', async () => {
    const { server, api } = suite;
    const token = (await api.request('POST', '/api/enrollment-tokens')).body.token as string;
    const config = await enroll(server.url, token, 'PC-BUSY', 'linux');
    // A terminal server: each chat is with another of its 300 users, whom the agent sees logged on.
    const crowd = Array.from({ length: 300 }, (_, i) => user(`user-${i}`));
    const first = bobsAgent(config, agents, crowd);
    await first.agent.start();
    await expect.poll(() => first.agent.connected).toBe(true);
    const chatIds = await openManyChats(server, config.deviceId, 300);
    await expect.poll(() => first.opened.length, { timeout: 10_000 }).toBe(300);
    await first.agent.stop();
    const open = await server.services.chats.openChatsOf(config.deviceId);
    expect(open).toHaveLength(300);
    // One welcome carrying them all would be over what a client may send: the old cap dropped it.
    expect(Buffer.byteLength(JSON.stringify(open))).toBeGreaterThan(MAX_CLIENT_FRAME_BYTES);

    // The agent restarts: its welcome lists the 300 chats, and it shows a page for each.
    const again = bobsAgent(config, agents, crowd);
    await again.agent.start();
    await expect.poll(() => again.agent.connected, { timeout: 10_000 }).toBe(true);
    await expect.poll(() => again.opened.length, { timeout: 10_000 }).toBe(300);
    const pages = again.opened.map(pageUrlOf);
    expect(new Set(pages.map((page) => decodeURIComponent(page.pathname.split('/').at(-1) ?? '')))).toEqual(
      chatIds,
    );
    for (const page of pages) expect((await fetch(new URL(page.pathname, page.origin))).status).toBe(200);
  });
});
