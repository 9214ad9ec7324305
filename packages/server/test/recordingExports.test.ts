import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { RecordingExportJob, RecordingTranscriptPage } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TempDatabase, tempPostgres, tempSqlite } from './support/databases.js';
import { parseCsv, pdfText, readZip } from './support/files.js';
import { seedRecordedChat } from './support/recordings.js';
import {
  ApiClient,
  operatorClient,
  operatorNamed,
  startTestServer,
  type TestServer,
  useTestServer,
} from './support/server.js';

/**
 * Exports and transcripts at size: made as they are sent, kept in the shared database (any node serves them, a restart
 * keeps them), within their limits.
 */

/** A closed recorded chat of `count` messages of the server's admin, seeded in the store. */
async function seededChat(server: TestServer, count: number, text?: (i: number) => string) {
  return seedRecordedChat(server.store, (await operatorNamed(server, 'admin')).id, count, text);
}

async function job(api: ApiClient, id: string): Promise<RecordingExportJob> {
  return (await api.request('GET', `/api/recordings/exports/${id}`)).body as unknown as RecordingExportJob;
}

async function startExport(api: ApiClient, body: unknown): Promise<RecordingExportJob> {
  const started = await api.request('POST', '/api/recordings/exports', body);
  if (started.status !== 202) throw new Error(`export: ${started.status} ${JSON.stringify(started.body)}`);
  return started.body as unknown as RecordingExportJob;
}

/** A step the exports of a server await; held, it stops them between two conversations until let go. */
function heldStep() {
  let held = false;
  const waiting: (() => void)[] = [];
  return {
    step: () => (held ? new Promise<void>((resolve) => waiting.push(resolve)) : Promise.resolve()),
    hold: () => {
      held = true;
    },
    letGo: () => {
      held = false;
      for (const resolve of waiting.splice(0)) resolve();
    },
    get waiting() {
      return waiting.length;
    },
  };
}

describe.each([
  ['SQLite', false],
  ['PostgreSQL', true],
])('transcripts and exports at size on %s', (_name, postgres) => {
  const suite = useTestServer({ postgres });
  let long: { chatId: string; deviceId: string };
  beforeAll(async () => {
    long = await seededChat(suite.server, 2500);
  });

  it('the JSON view answers a transcript in pages that add up to every entry once, in order', async () => {
    const seqs: number[] = [];
    let after: number | null = 0;
    let pages = 0;
    while (after !== null) {
      const page = await suite.api.request('GET', `/api/recordings/${long.chatId}?after=${after}&limit=1000`);
      expect(page.status).toBe(200);
      const body = page.body as unknown as RecordingTranscriptPage;
      expect(body.entries.length).toBeLessThanOrEqual(1000);
      seqs.push(...body.entries.map((e) => e.seq));
      after = body.nextAfter;
      pages += 1;
    }
    // 2,500 messages and the opened and closed events.
    expect(pages).toBe(3);
    expect(seqs).toEqual(Array.from({ length: 2502 }, (_, i) => i + 1));
    const first = (await suite.api.request('GET', `/api/recordings/${long.chatId}`))
      .body as unknown as RecordingTranscriptPage;
    expect(first.entries).toHaveLength(1000);
    expect(first.nextAfter).toBe(1000);
    expect(first.messageCount).toBe(2500);
    const past = (await suite.api.request('GET', `/api/recordings/${long.chatId}?after=9999`)).body;
    expect(past).toMatchObject({ entries: [], nextAfter: null });
    for (const bad of ['limit=0', 'limit=5001', 'limit=ten', 'after=-1'])
      expect((await suite.api.request('GET', `/api/recordings/${long.chatId}?${bad}`)).status).toBe(400);
  });

  it('a file of a long chat holds every message and is made in slices: other requests are answered meanwhile', async () => {
    const csv = parseCsv((await suite.api.file(`/api/recordings/${long.chatId}?format=csv`)).data.toString());
    expect(csv.filter((row) => row[2] === 'message').map((row) => row[5])).toEqual(
      Array.from({ length: 2500 }, (_, i) => `message number ${i}`),
    );
    // While the PDF of 2,500 messages is drawn, the server answers others (it used to hold its loop for all of it).
    let pdfDone = false;
    const pdf = suite.api.file(`/api/recordings/${long.chatId}?format=pdf`).then((answer) => {
      pdfDone = true;
      return answer;
    });
    let answeredMeanwhile = 0;
    while (!pdfDone) {
      const health = await fetch(`${suite.server.url}/healthz`);
      if (health.ok && !pdfDone) answeredMeanwhile += 1;
    }
    expect(answeredMeanwhile).toBeGreaterThan(1);
    const text = pdfText((await pdf).data);
    expect(text).toContain('message number 0');
    expect(text).toContain('message number 2499');
  });
});

describe('PDF transcripts in any script the fonts have', () => {
  const suite = useTestServer();

  it('shows Greek, Cyrillic and Czech as written beside Latin-1 (read back by poppler’s pdftotext)', async () => {
    const said = [
      'Καλημέρα, ο εκτυπωτής',
      'Здравствуйте, принтер не печатает',
      'Příliš žluťoučký kůň',
      'café crème',
    ];
    const { chatId } = await seededChat(suite.server, said.length, (i) => said[i] ?? '');
    const pdf = await suite.api.file(`/api/recordings/${chatId}?format=pdf`);
    expect(pdf.status).toBe(200);
    const text = execFileSync('/usr/bin/pdftotext', ['-enc', 'UTF-8', '-', '-'], {
      input: pdf.data,
    }).toString();
    for (const line of said) expect(text).toContain(line);
  });
});

describe('exports kept in the database: served by any node, kept over a restart (PostgreSQL, NATS)', () => {
  let database: TempDatabase;
  let nodeA: TestServer;
  let nodeB: TestServer;
  const stepA = heldStep();
  let apiA: ApiClient;
  let apiB: ApiClient;
  beforeAll(async () => {
    database = await tempPostgres();
    nodeA = await startTestServer({
      database,
      nats: true,
      nodeId: 'exp-a',
      exports: { exportStep: stepA.step },
    });
    nodeB = await startTestServer({ database, nats: true, nodeId: 'exp-b' });
    apiA = new ApiClient(nodeA.url);
    await apiA.login();
    // The same operator signed in on node B (sessions are in the shared database).
    apiB = new ApiClient(nodeB.url);
    apiB.cookie = apiA.cookie;
    await seededChat(nodeA, 3, (i) => `first chat ${i}`);
    await seededChat(nodeA, 3, (i) => `second chat ${i}`);
  });
  afterAll(async () => {
    await nodeA?.close();
    await nodeB?.close();
    await database?.drop();
  });

  it('a job node A writes is polled, downloaded and cancelled through node B', async () => {
    stepA.hold();
    const started = await startExport(apiA, { filter: {}, format: 'txt' });
    await expect.poll(() => stepA.waiting).toBe(1);
    expect(await job(apiB, started.id)).toMatchObject({ state: 'running', done: 1, total: 2 });
    stepA.letGo();
    await expect.poll(async () => (await job(apiB, started.id)).state).toBe('done');
    const zip = await apiB.file(`/api/recordings/exports/${started.id}/download`);
    expect(zip.status).toBe(200);
    expect(Number(zip.headers.get('content-length'))).toBe(zip.data.length);
    const texts = readZip(zip.data).map((f) => f.data.toString());
    expect(texts.join('')).toContain('first chat 2');
    expect(texts.join('')).toContain('second chat 0');

    stepA.hold();
    const cancelled = await startExport(apiA, { filter: {}, format: 'csv' });
    await expect.poll(() => stepA.waiting).toBe(1);
    expect((await apiB.request('DELETE', `/api/recordings/exports/${cancelled.id}`)).body).toMatchObject({
      state: 'cancelled',
    });
    stepA.letGo();
    // Node A sees the cancel at its next write and stops: the job stays cancelled, its file never made.
    await expect.poll(() => stepA.waiting).toBe(0);
    expect(await job(apiA, cancelled.id)).toMatchObject({ state: 'cancelled', bytes: 0 });
    expect((await apiA.file(`/api/recordings/exports/${cancelled.id}/download`)).status).toBe(409);
    expect(await nodeA.store.recordingExports.parts(cancelled.id, 0, 10)).toEqual([]);
  });
});

describe('exports under attack: parallel starts, a cancel mid-download, many downloads held open (PostgreSQL)', () => {
  let server: TestServer;
  let api: ApiClient;
  let long: string;
  beforeAll(async () => {
    server = await startTestServer({ postgres: true });
    api = new ApiClient(server.url);
    await api.login();
    // 400 messages of 8,000 characters that do not compress away: a zip of several parts, a file that takes a while.
    await seededChat(server, 400, () => randomBytes(4000).toString('hex'));
    long = (await seededChat(server, 2000)).chatId;
  }, 60_000);
  afterAll(async () => server?.stop());

  it('of 20 parallel starts by one operator, two run (the limit is counted under a lock)', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        api.request('POST', '/api/recordings/exports', { filter: {}, format: 'txt' }),
      ),
    );
    const started = answers.filter((a) => a.status === 202);
    expect(started).toHaveLength(2);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(18);
    for (const answer of started) {
      const id = (answer.body as unknown as RecordingExportJob).id;
      await expect.poll(async () => (await job(api, id)).state).toBe('done');
    }
  });

  it('a zip cancelled while it downloads ends in an error, never in a short file that looks whole', async () => {
    const started = await startExport(api, { filter: {}, format: 'txt' });
    await expect.poll(async () => (await job(api, started.id)).state).toBe('done');
    expect((await server.store.recordingExports.parts(started.id, 0, 10)).length).toBeGreaterThan(1);
    // The server's own download, read a part at a time as the route sends it (a socket would buffer it all).
    const admin = await operatorNamed(server, 'admin');
    const download = await server.services.recordingExports.download(admin, started.id);
    if (!download.ok) throw new Error(download.message);
    expect((await download.value.data.next()).done).toBe(false);
    await api.request('DELETE', `/api/recordings/exports/${started.id}`);
    const rest = (async () => {
      for await (const _part of download.value.data);
      return 'complete';
    })();
    await expect(rest).rejects.toThrow(/went while it was downloaded/);
  });

  it('an operator holds four downloads at once; a fifth is refused until one ends', async () => {
    // PDFs of 2,000 messages: each takes a while to make, in slices, so the five overlap.
    const path = `/api/recordings/${long}?format=pdf`;
    const held = await Promise.all(
      Array.from({ length: 5 }, () =>
        fetch(api.baseUrl + path, { headers: { cookie: api.cookie, origin: api.baseUrl } }),
      ),
    );
    expect(held.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 429]);
    const refused = held.find((r) => r.status === 429);
    expect(await refused?.json()).toMatchObject({ error: 'rate_limited' });
    for (const r of held) if (r.status === 200) await r.arrayBuffer();
    expect((await api.file(path)).status).toBe(200);
  });
});

describe('exports over a restart, and their limits (SQLite)', () => {
  let database: TempDatabase;
  let server: TestServer;
  let api: ApiClient;
  const step = heldStep();
  const start = (limits?: { maxExportBytes: number; maxStoredBytes: number }) =>
    startTestServer({
      database,
      exports: { exportStep: step.step, ...(limits ? { exportLimits: limits } : {}) },
    });
  beforeAll(async () => {
    database = tempSqlite();
    server = await start();
    api = new ApiClient(server.url);
    await api.login();
    // Text that does not compress away: the size limits below are on the zip's bytes.
    await seededChat(server, 40, (i) => `restart chat ${i} ${randomBytes(150).toString('hex')}`);
    await seededChat(server, 40, (i) => `other chat ${i} ${randomBytes(150).toString('hex')}`);
  });
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  async function restart(limits?: { maxExportBytes: number; maxStoredBytes: number }) {
    await server.close();
    server = await start(limits);
    const cookie = api.cookie;
    api = new ApiClient(server.url);
    api.cookie = cookie;
  }

  it('a finished export is downloaded after a restart; one running when the server stopped says so', async () => {
    const finished = await startExport(api, { filter: {}, format: 'json' });
    await expect.poll(async () => (await job(api, finished.id)).state).toBe('done');
    step.hold();
    const interrupted = await startExport(api, { filter: {}, format: 'txt' });
    await expect.poll(() => step.waiting).toBe(1);
    const closing = restart();
    step.letGo();
    await closing;

    const zip = await api.file(`/api/recordings/exports/${finished.id}/download`);
    expect(zip.status).toBe(200);
    const files = readZip(zip.data).map((f) => JSON.parse(f.data.toString()) as { entries: unknown[] });
    expect(files.map((f) => f.entries.length)).toEqual([42, 42]);
    expect(await job(api, interrupted.id)).toMatchObject({ state: 'failed' });
    expect((await job(api, interrupted.id)).message).toMatch(/stopped/);
    expect((await api.file(`/api/recordings/exports/${interrupted.id}/download`)).status).toBe(409);
  });

  it('an export past its size limit fails with what to do, and none starts while the kept ones fill the space', async () => {
    await restart({ maxExportBytes: 2_000, maxStoredBytes: 1_000_000 });
    const tooBig = await startExport(api, { filter: {}, format: 'txt' });
    await expect.poll(async () => (await job(api, tooBig.id)).state).toBe('failed');
    expect((await job(api, tooBig.id)).message).toMatch(/narrow the filters/);
    expect(await server.store.recordingExports.parts(tooBig.id, 0, 10)).toEqual([]);

    await restart({ maxExportBytes: 10_000_000, maxStoredBytes: 1_000 });
    // The finished export of the test before still waits to be downloaded: it takes more than the space left.
    const refused = await api.request('POST', '/api/recordings/exports', { filter: {}, format: 'txt' });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/download or cancel one/);
    const other = await operatorClient(server, {
      username: 'nora',
      password: 'nora password 12',
      capabilities: ['recordings.view'],
    });
    expect(
      (await other.request('POST', '/api/recordings/exports', { filter: {}, format: 'txt' })).status,
    ).toBe(409);
  });
});
