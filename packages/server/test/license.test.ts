import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../src/audit/audit.js';
import { LocalBus } from '../src/bus/bus.js';
import { LICENSE_CACHE_MS, LicenseService } from '../src/license/license.js';
import { readTrustedKeys } from '../src/license/licenseFile.js';
import { openStore } from '../src/store/open.js';
import { rawSql, type TempDatabase, tempPostgres } from './support/databases.js';
import { days, TestClock, TestLicenseKey } from './support/licenses.js';
import {
  ADMIN_PASSWORD,
  ApiClient,
  connectConsole,
  connectRawAgent,
  operatorClient,
  startTestServer,
  type TestServer,
  useTestServer,
} from './support/server.js';

const implementations: [string, boolean][] = [
  ['SQLite', false],
  ['PostgreSQL', true],
];

async function enroll(api: ApiClient, token?: string) {
  const used = token ?? ((await api.request('POST', '/api/enrollment-tokens')).body.token as string);
  const answer = await api.request('POST', '/api/agents/enroll', {
    token: used,
    name: 'PC-SEAT',
    os: 'linux',
  });
  return { ...answer, token: used };
}

/** Issue 9: the Direct Access license, on the real server with a real database, a moved clock and real sockets. */
describe.each(implementations)('licenses on %s', (_name, postgres) => {
  const key = new TestLicenseKey();
  const clock = new TestClock();
  const suite = useTestServer({
    postgres,
    license: { licenseKeyFiles: [key.publicFile], licenseClock: clock.now },
  });
  afterAll(() => key.remove());
  const license = async () => (await suite.api.request('GET', '/api/license')).body;
  const install = (file: string) =>
    suite.api.request('POST', '/api/license', file, { 'content-type': 'text/plain' });

  it('starts with an evaluation license of 20 devices for 30 days, made once: a restart makes no second one', async () => {
    const first = await license();
    expect(first).toMatchObject({
      valid: true,
      directAccess: true,
      status: 'Valid',
      licensee: 'Evaluation',
      features: ['direct-access'],
      deviceLimit: 20,
      devicesUsed: 0,
      evaluation: true,
    });
    const length = Date.parse(first.expiresAt as string) - Date.parse(first.issuedAt as string);
    expect(length).toBe(days(30));
    expect(await suite.server.services.license.ensureEvaluation()).toBe(false);
    const again = await startTestServer({ database: suite.server.database, nodeId: 'second-start' });
    try {
      const api = new ApiClient(again.url);
      await api.login();
      expect((await api.request('GET', '/api/license')).body.id).toBe(first.id);
    } finally {
      await again.close();
    }
    const evaluations = await suite.server.store.audit.page({ action: 'license.evaluation' }, 10);
    expect(evaluations).toHaveLength(1);
    expect(evaluations[0]).toMatchObject({ actor: 'system', target: `license:${first.id}` });
  });

  it('refuses a file changed by one byte, expired, issued in the future or signed by an unknown key: 400 invalid_license, nothing changes', async () => {
    const genuine = key.issue();
    const signature = (JSON.parse(genuine) as { signature: string }).signature;
    const stranger = new TestLicenseKey();
    const refused: [string, RegExp][] = [
      [genuine.replace('Example Corp', 'Example Corq'), /signature does not match/],
      [
        genuine.replace(signature, `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`),
        /signature/,
      ],
      [key.issue({ days: 30 }, new Date(Date.now() - days(40))), /expired on/],
      [key.issue({}, new Date(Date.now() + days(2))), /not valid before .* \(issued in the future\)/],
      [stranger.issue(), /signed by a key this server does not trust/],
      ['this is not a license', /not a Parley license/],
    ];
    stranger.remove();
    const before = await license();
    for (const [file, reason] of refused) {
      const answer = await install(file);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ error: 'invalid_license', message: expect.stringMatching(reason) });
    }
    expect(await license()).toEqual(before);
    expect(await suite.server.store.audit.page({ action: 'license.import' }, 10)).toEqual([]);
  });

  it('P-31: without a valid license no chat opens and no message goes; a genuine import lifts that at once, without a restart', async () => {
    const agent = await connectRawAgent(suite.server, suite.api, ['bob'], 'PC-LICENSED');
    const opened = await suite.api.request('POST', `/api/devices/${agent.deviceId}/chats`);
    expect(opened.status).toBe(201);
    const chatId = opened.body.chatId as string;
    const console = await connectConsole(suite.server, suite.api);
    console.send({ type: 'chat.subscribe', chatId, afterSeq: 0 });
    await console.next((f) => f.type === 'chat.info');

    clock.advanceDays(31);
    expect(await license()).toMatchObject({
      valid: false,
      directAccess: false,
      status: 'Expired',
      reason: expect.stringMatching(
        /^the Direct Access license expired on \d{4}-\d\d-\d\d: import a new one under License$/,
      ),
    });
    const refused = await suite.api.request('POST', `/api/devices/${agent.deviceId}/chats`);
    expect(refused).toMatchObject({
      status: 403,
      body: { error: 'license_required', message: /expired on/ },
    });
    console.send({ type: 'chat.send', chatId, clientId: 'unlicensed-1', text: 'hello?' });
    expect(await console.next((f) => f.type === 'error' && f.ref === 'unlicensed-1')).toMatchObject({
      code: 'license_required',
      message: expect.stringMatching(/expired on/),
    });
    agent.socket.send({ type: 'chat.send', chatId, clientId: 'unlicensed-2', text: 'anyone?' });
    expect(await agent.socket.next((f) => f.type === 'error' && f.ref === 'unlicensed-2')).toMatchObject({
      code: 'license_required',
    });
    // The chat waits: no right was lost, so the revocation sweep leaves it open.
    await suite.server.services.chats.closeRevoked('all');
    expect((await suite.server.store.chats.find(chatId))?.status).toBe('open');

    const imported = await install(key.issue());
    expect(imported).toMatchObject({
      status: 200,
      body: { status: 'Valid', licensee: 'Example Corp', deviceLimit: 100, evaluation: false },
    });
    expect((await suite.api.request('POST', `/api/devices/${agent.deviceId}/chats`)).status).toBe(200);
    console.send({ type: 'chat.send', chatId, clientId: 'licensed-1', text: 'hello again' });
    await console.next((f) => f.type === 'chat.ack' && f.clientId === 'licensed-1');
    const audit = await suite.server.store.audit.page({ action: 'license.import' }, 10);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor: 'admin',
      details: { licensee: 'Example Corp', deviceLimit: 100, features: ['direct-access'] },
    });
    console.close();
    agent.socket.close();
    clock.reset();
  });

  it('refuses a JSON body nested too deep to be a license with 400 invalid_license, not a 500', async () => {
    const depth = 5000;
    const nested = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const answer = await suite.api.request('POST', '/api/license', nested, {
      'content-type': 'application/json',
    });
    expect(answer).toMatchObject({ status: 400, body: { error: 'invalid_license' } });
  });

  it('is Expiring from 15 days before its expiry and Expired after it, on a clock the test moves', async () => {
    expect((await install(key.issue({ days: 30 }))).status).toBe(200);
    clock.advanceDays(14);
    expect(await license()).toMatchObject({ status: 'Valid' });
    clock.advanceDays(2);
    expect(await license()).toMatchObject({
      status: 'Expiring',
      valid: true,
      directAccess: true,
      reason: expect.stringMatching(/expires on .* \(in 14 days\)/),
    });
    clock.advanceDays(14);
    expect(await license()).toMatchObject({ status: 'Expired', directAccess: false });
    clock.reset();
    expect((await install(key.issue())).status).toBe(200);
  });

  it('is Exceeded with more devices enrolled than it allows, and an enrollment past the limit is refused saying so', async () => {
    await enroll(suite.api);
    await enroll(suite.api);
    const used = (await license()).devicesUsed as number;
    expect(used).toBeGreaterThanOrEqual(3);
    expect((await install(key.issue({ deviceLimit: used - 1 }))).body).toMatchObject({
      status: 'Exceeded',
      directAccess: false,
      reason: `the license allows ${used - 1} devices and ${used} are enrolled: remove devices or import a license for more under License`,
    });
    const agent = await suite.server.store.devices.list();
    const chat = await suite.api.request('POST', `/api/devices/${agent[0]?.id}/chats`);
    expect(chat.body).toMatchObject({ error: 'license_required', message: /allows/ });
    const refused = await enroll(suite.api);
    expect(refused).toMatchObject({
      status: 403,
      body: {
        error: 'license_exceeded',
        message: expect.stringMatching(`allows ${used - 1} devices and ${used} are`),
      },
    });

    // The token was not used up: with a seat free, the same token enrolls.
    expect((await install(key.issue({ deviceLimit: used + 1 }))).body).toMatchObject({ status: 'Valid' });
    expect((await enroll(suite.api, refused.token)).status).toBe(201);
    expect((await enroll(suite.api)).body).toMatchObject({
      error: 'license_exceeded',
      message: `the license allows ${used + 1} devices and ${used + 1} are enrolled: remove devices or import a license for more under License`,
    });
  });

  it('two enrollments racing for the last seat: one gets it', async () => {
    const used = (await license()).devicesUsed as number;
    expect((await install(key.issue({ deviceLimit: used + 1 }))).status).toBe(200);
    const answers = await Promise.all([enroll(suite.api), enroll(suite.api), enroll(suite.api)]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 403, 403]);
    expect((await license()).devicesUsed).toBe(used + 1);
    expect((await install(key.issue())).status).toBe(200);
  });

  it('is Invalid once the stored license is changed in the database outside an import (verified again when read)', async () => {
    const { deviceLimit } = await license();
    await rawSql(suite.server.database.location, [
      `update licenses set file = replace(file, '"deviceLimit": ${deviceLimit}', '"deviceLimit": 99999')`,
    ]);
    clock.advanceMs(LICENSE_CACHE_MS);
    expect(await license()).toMatchObject({
      status: 'Invalid',
      valid: false,
      directAccess: false,
      reason: expect.stringMatching(/changed outside an import .*signature does not match/),
    });
    const devices = await suite.server.store.devices.list();
    const chat = await suite.api.request('POST', `/api/devices/${devices[0]?.id}/chats`);
    expect(chat.body).toMatchObject({ error: 'license_required' });
    expect((await enroll(suite.api)).body).toMatchObject({
      error: 'license_required',
      message: /no device can be enrolled/,
    });
    clock.reset();
    expect((await install(key.issue())).body).toMatchObject({ status: 'Valid' });
  });

  it('takes a file as text/plain, as a JSON string or as its JSON; only settings.manage may, anyone signed in reads it', async () => {
    const file = key.issue({ licensee: 'Body Forms Ltd' });
    expect((await suite.api.request('POST', '/api/license', JSON.stringify(file))).body).toMatchObject({
      licensee: 'Body Forms Ltd',
    });
    expect((await suite.api.request('POST', '/api/license', JSON.parse(file))).body).toMatchObject({
      licensee: 'Body Forms Ltd',
    });
    const lena = await operatorClient(suite.server, {
      username: 'lena',
      password: 'lena password 12',
      capabilities: ['instant-messaging'],
    });
    expect((await lena.request('GET', '/api/license')).body).toMatchObject({ licensee: 'Body Forms Ltd' });
    expect(
      await lena.request('POST', '/api/license', key.issue({ licensee: 'Lena' }), {
        'content-type': 'text/plain',
      }),
    ).toMatchObject({ status: 403, body: { error: 'forbidden', message: /settings.manage/ } });
    expect((await license()).licensee).toBe('Body Forms Ltd');
    const anonymous = new ApiClient(suite.server.url);
    expect((await anonymous.request('GET', '/api/license')).status).toBe(401);
  });
});

// Several nodes share one database only on PostgreSQL.
describe('the license cache and the evaluation (PostgreSQL)', () => {
  let database: TempDatabase;
  beforeAll(async () => {
    database = await tempPostgres();
  });
  afterAll(async () => database.drop());

  it('two nodes starting at once make one evaluation; a node reads the license again after LICENSE_CACHE_MS without news', async () => {
    const key = new TestLicenseKey();
    const keys = readTrustedKeys([key.publicFile]);
    const [a, b] = [await openStore(database.location), await openStore(database.location)];
    try {
      let now = Date.now();
      const clock = () => new Date(now);
      const nodeA = new LicenseService(a, new LocalBus(), keys, clock);
      const nodeB = new LicenseService(b, new LocalBus(), keys, clock);
      expect((await Promise.all([nodeA.ensureEvaluation(), nodeB.ensureEvaluation()])).sort()).toEqual([
        false,
        true,
      ]);
      expect(await nodeB.directAccess()).toEqual({ allowed: true });
      // Imported on node A, whose bus does not reach node B: as when the news was lost.
      expect((await nodeA.import(key.issue({ features: [] }, clock()), CLI)).ok).toBe(true);
      now += LICENSE_CACHE_MS - 1;
      expect(await nodeB.directAccess()).toEqual({ allowed: true });
      now += 1;
      expect(await nodeB.directAccess()).toMatchObject({ allowed: false, code: 'license_required' });
    } finally {
      key.remove();
      await a.close();
      await b.close();
    }
  });
});

describe('a license imported on one node counts on the other at once (PostgreSQL and NATS)', () => {
  let database: TempDatabase;
  let nodeA: TestServer;
  let nodeB: TestServer;
  const key = new TestLicenseKey();
  const clock = new TestClock();

  beforeAll(async () => {
    database = await tempPostgres();
    const license = { licenseKeyFiles: [key.publicFile], licenseClock: clock.now };
    nodeA = await startTestServer({ database, nats: true, nodeId: 'license-a', license });
    nodeB = await startTestServer({ database, nats: true, nodeId: 'license-b', license });
  });
  afterAll(async () => {
    await nodeA?.close();
    await nodeB?.close();
    await database?.drop();
    key.remove();
  });

  it('P-31: an import on node A lifts the block on node B, and one without Direct Access sets it, over the bus', async () => {
    const apiA = new ApiClient(nodeA.url);
    await apiA.login('admin', ADMIN_PASSWORD);
    const apiB = new ApiClient(nodeB.url);
    await apiB.login();
    const agent = await connectRawAgent(nodeA, apiA, ['bob'], 'PC-CLUSTER-LICENSE');
    const path = `/api/devices/${agent.deviceId}/chats`;
    clock.advanceDays(31);
    // Node B reads the license (and keeps it) with the clock moved: the evaluation has expired.
    expect((await apiB.request('POST', path)).body).toMatchObject({ error: 'license_required' });

    expect((await apiA.request('POST', '/api/license', key.issue({}, clock.now()))).status).toBe(200);
    // Well within LICENSE_CACHE_MS: only license_changed on the bus can have told node B.
    await expect.poll(async () => (await apiB.request('POST', path)).status).toBe(201);

    const withoutDirectAccess = key.issue({ features: [], licensee: 'No DA Inc' }, clock.now());
    expect((await apiA.request('POST', '/api/license', withoutDirectAccess)).status).toBe(200);
    await expect
      .poll(async () => (await apiB.request('POST', path)).body)
      .toMatchObject({ error: 'license_required', message: /No DA Inc does not include Direct Access/ });
    agent.socket.close();
  });
});
