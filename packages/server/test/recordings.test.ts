import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  AuditPage,
  RecordingExportJob,
  RecordingPage,
  RecordingSummary,
  RecordingTranscript,
} from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { CLI } from '../src/audit/audit.js';
import { parseCsv, pdfText, readZip } from './support/files.js';
import { type RawAgent, recordedChat } from './support/recordings.js';
import {
  ApiClient,
  addOperator,
  connectRawAgent,
  operatorClient,
  operatorNamed,
  useTestServer,
} from './support/server.js';

async function exportSet(api: ApiClient, body: unknown): Promise<Buffer> {
  const started = await api.request('POST', '/api/recordings/exports', body);
  expect(started.status).toBe(202);
  const id = (started.body as unknown as RecordingExportJob).id;
  // Waits for the state, not for a time.
  await expect
    .poll(
      async () =>
        ((await api.request('GET', `/api/recordings/exports/${id}`)).body as unknown as RecordingExportJob)
          .state,
    )
    .toBe('done');
  const zip = await api.file(`/api/recordings/exports/${id}/download`);
  expect(zip.status).toBe(200);
  expect(zip.headers.get('content-type')).toBe('application/zip');
  return zip.data;
}

function chatIds(body: unknown): string[] {
  return (body as RecordingSummary[]).map((r) => r.chatId);
}

const TRICKY = 'Paths: "C:\\Temp", a, b\nand a second line; =SUM(A1)';

describe.each([
  ['SQLite', false],
  ['PostgreSQL', true],
])('the recordings browser on %s (issue 10)', (_name, postgres) => {
  const suite = useTestServer({ postgres });
  let front: RawAgent;
  let secret: RawAgent;
  const chat: Record<string, string> = {};

  it('lists recorded chats made through the real sockets, filtered and in pages, keeping the stable array', async () => {
    const { server, api } = suite;
    front = await connectRawAgent(server, api, ['ann'], 'PC-FRONT');
    secret = await connectRawAgent(server, api, ['sid'], 'PC-SECRET');
    chat.first = await recordedChat(server, api, front, [
      ['operator', 'Hello Ann, what is wrong?'],
      ['end_user', 'My printer is jammed again'],
    ]);
    chat.tricky = await recordedChat(server, api, front, [['end_user', TRICKY]]);
    chat.secret = await recordedChat(server, api, secret, [['end_user', 'The printer in the vault leaks']]);
    // An unrecorded chat is no recording.
    const unrecorded = await api.request('POST', `/api/devices/${front.deviceId}/chats`);
    await server.services.chats.close(unrecorded.body.chatId as string, {
      kind: 'operator',
      operator: await operatorNamed(server, 'admin'),
    });

    const all = await api.request('GET', '/api/recordings');
    expect(all.status).toBe(200);
    expect(chatIds(all.body)).toEqual([chat.secret, chat.tricky, chat.first]);
    expect(all.body[2]).toEqual({
      chatId: chat.first,
      deviceId: front.deviceId,
      deviceName: 'PC-FRONT',
      operator: 'Administrator',
      endUser: 'ann',
      startedAt: expect.any(String),
      endedAt: expect.any(String),
      messageCount: 2,
    });
    expect(all.headers.get('x-total-count')).toBe('3');

    const first = await api.request('GET', '/api/recordings?limit=2');
    expect(first.body).toHaveLength(2);
    const cursor = first.headers.get('x-next-cursor') ?? '';
    const second = await api.request('GET', `/api/recordings?limit=2&cursor=${cursor}`);
    expect(chatIds(second.body)).toEqual([chat.first]);
    expect(second.headers.get('x-next-cursor')).toBeNull();

    const ids = async (query: string) => chatIds((await api.request('GET', `/api/recordings?${query}`)).body);
    expect(await ids(`device=${secret.deviceId}`)).toEqual([chat.secret]);
    expect(await ids('operator=admin&endUser=ANN')).toEqual([chat.tricky, chat.first]);
    expect(await ids('operator=nobody')).toEqual([]);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect(await ids(`from=${future}`)).toEqual([]);
    expect(await ids(`to=${future}&endUser=sid`)).toEqual([chat.secret]);
    expect((await api.request('GET', '/api/recordings?from=yesterday')).status).toBe(400);
  });

  it('finds words in messages and marks them; an operator sees nothing of a device they may not read', async () => {
    const { server, api } = suite;
    const found = (await api.request('GET', '/api/recordings/page?q=Printer'))
      .body as unknown as RecordingPage;
    expect(found.total).toBe(2);
    const hit = found.recordings.find((r) => r.chatId === chat.first);
    expect(hit?.matches).toEqual([
      { seq: expect.any(Number), text: 'My printer is jammed again', marks: [[3, 10]] },
    ]);

    const olga = await operatorClient(server, {
      username: 'olga',
      password: 'olga password 12',
      capabilities: ['recordings.view'],
    });
    await server.services.rights.setAccessRight(
      { operatorId: (await operatorNamed(server, 'olga')).id, deviceId: front.deviceId, read: 'allow' },
      CLI,
    );
    const list = await olga.request('GET', '/api/recordings?q=printer');
    expect(chatIds(list.body)).toEqual([chat.first]);
    expect(list.headers.get('x-total-count')).toBe('1');
    const everything = await olga.request('GET', '/api/recordings/page');
    expect((everything.body as unknown as RecordingPage).total).toBe(2);
    expect(JSON.stringify(everything.body)).not.toContain('vault');
    expect(await olga.request('GET', `/api/recordings?device=${secret.deviceId}`)).toMatchObject({
      body: [],
    });
    expect((await olga.request('GET', `/api/recordings/${chat.secret}`)).status).toBe(404);
    expect((await olga.request('GET', `/api/recordings/${chat.secret}?format=csv`)).status).toBe(404);
    const usage = (await olga.request('GET', '/api/recordings/usage')).body;
    const adminUsage = (await api.request('GET', '/api/recordings/usage')).body;
    expect(usage.recordings).toBe(2);
    expect(adminUsage.recordings).toBe(3);
    expect(Number(usage.bytes)).toBeLessThan(Number(adminUsage.bytes));

    const zip = readZip(await exportSet(olga, { filter: { q: 'printer' }, format: 'txt' }));
    expect(zip.map((f) => f.name)).toEqual([expect.stringContaining(chat.first ?? '')]);
    const wholeZip = readZip(await exportSet(olga, { filter: {}, format: 'json' }));
    expect(wholeZip).toHaveLength(2);
    expect(wholeZip.map((f) => f.data.toString()).join('')).not.toContain('vault');
  });

  it('shows an operator with instant messaging their own past chats only, without recordings.view; managing needs reading', async () => {
    const { server, api } = suite;
    const ivan = await addOperator(server, {
      username: 'ivan',
      password: 'ivan password 12',
      displayName: 'Ivan',
      capabilities: ['instant-messaging'],
      devices: [front.deviceId],
    });
    const ivanApi = new ApiClient(server.url);
    await ivanApi.login('ivan', 'ivan password 12');
    const own = await recordedChat(server, ivanApi, front, [['operator', 'Ivan here, about last week']]);
    expect(ivan.id).toBeTruthy();
    const list = await ivanApi.request('GET', '/api/recordings');
    expect(chatIds(list.body)).toEqual([own]);
    expect(list.body[0]).toMatchObject({ operator: 'Ivan', endUser: 'ann' });
    expect((await ivanApi.request('GET', '/api/recordings?operator=admin')).body).toEqual([]);
    expect((await ivanApi.request('GET', `/api/recordings/${chat.first}`)).status).toBe(404);
    expect((await ivanApi.request('GET', `/api/recordings/${own}`)).status).toBe(200);
    // A note needs recordings.view; lock and delete need recordings.manage.
    expect((await ivanApi.request('PUT', `/api/recordings/${own}/note`, { note: 'x' })).status).toBe(403);
    expect((await ivanApi.request('PUT', `/api/recordings/${own}/lock`, { locked: true })).status).toBe(403);
    expect((await ivanApi.request('DELETE', `/api/recordings/${own}`)).status).toBe(403);
    // recordings.manage alone, with Read on the device, does not reach a recording one may not read (review).
    const keeper = await operatorClient(server, {
      username: 'keeper',
      password: 'keeper password 12',
      capabilities: ['recordings.manage'],
    });
    await server.services.rights.setAccessRight(
      {
        operatorId: (await server.store.operators.findByUsername('keeper'))?.id ?? '',
        deviceId: front.deviceId,
        read: 'allow',
      },
      { name: 'cli', address: null, superAdmin: true },
    );
    expect((await keeper.request('PUT', `/api/recordings/${own}/lock`, { locked: true })).status).toBe(403);
    expect((await keeper.request('DELETE', `/api/recordings/${own}`)).status).toBe(403);
    expect((await api.request('GET', `/api/recordings/${own}`)).body).toMatchObject({ lockedAt: null });
    chat.ivan = own;
    // Nobody with neither capability gets the browser at all.
    const nobody = await operatorClient(server, {
      username: 'nora',
      password: 'nora password 12',
      capabilities: [],
    });
    expect((await nobody.request('GET', '/api/recordings')).status).toBe(403);
    expect((await nobody.request('GET', '/api/recordings/usage')).status).toBe(403);
    expect((await api.request('GET', '/api/recordings')).body).toHaveLength(4);
  });

  it('keeps a note, locks, unlocks and deletes, each audited; a locked recording is not deleted', async () => {
    const { api } = suite;
    const id = chat.ivan ?? '';
    expect(
      (await api.request('PUT', `/api/recordings/${id}/note`, { note: 'Called back Monday' })).status,
    ).toBe(204);
    expect((await api.request('PUT', `/api/recordings/${id}/lock`, { locked: true })).status).toBe(204);
    const locked = (await api.request('GET', `/api/recordings/${id}`)).body as unknown as RecordingTranscript;
    expect(locked).toMatchObject({ note: 'Called back Monday', lockedAt: expect.any(String) });
    expect(await api.request('DELETE', `/api/recordings/${id}`)).toMatchObject({
      status: 409,
      body: { error: 'conflict' },
    });
    expect((await api.request('PUT', `/api/recordings/${id}/lock`, { locked: false })).status).toBe(204);
    expect((await api.request('DELETE', `/api/recordings/${id}`)).status).toBe(204);
    expect((await api.request('GET', `/api/recordings/${id}`)).status).toBe(404);
    expect((await api.request('DELETE', `/api/recordings/${id}`)).status).toBe(404);
    const audit = ((await api.request('GET', '/api/audit?limit=20')).body as unknown as AuditPage).entries;
    const actions = audit.filter((e) => e.target === `recording:${id}`).map((e) => e.action);
    expect(actions).toEqual(['recording.delete', 'recording.unlock', 'recording.lock', 'recording.note']);
  });

  it('exports one conversation as JSON, text, CSV and PDF that read back as what was said', async () => {
    const { api } = suite;
    const id = chat.tricky ?? '';
    const json = (await api.request('GET', `/api/recordings/${id}?format=json`))
      .body as unknown as RecordingTranscript;
    expect(json.entries.map((e) => [e.kind, e.from?.role ?? null, e.text])).toEqual([
      ['event', 'operator', 'Chat started by Administrator'],
      ['message', 'end_user', TRICKY],
      ['event', 'operator', 'Administrator closed the chat'],
    ]);
    expect(json.entries.map((e) => e.seq)).toEqual([1, 2, 3]);

    const csv = await api.file(`/api/recordings/${id}?format=csv`);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toMatch(
      /^attachment; filename=".*\.csv"; filename\*=UTF-8''.*\.csv$/,
    );
    const rows = parseCsv(csv.data.toString());
    expect(rows[0]).toEqual(['seq', 'at', 'kind', 'role', 'name', 'text']);
    expect(rows[2]).toEqual(['2', expect.any(String), 'message', 'end_user', 'ann', TRICKY]);

    const text = (await api.file(`/api/recordings/${id}?format=txt`)).data.toString();
    expect(text).toContain('Chat with ann on PC-FRONT');
    expect(text).toContain(`ann (user): ${TRICKY}`);

    const pdf = await api.file(`/api/recordings/${chat.first}?format=pdf`);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.data.subarray(0, 5).toString()).toBe('%PDF-');
    const shown = pdfText(pdf.data);
    expect(shown).toContain('Chat with ann on PC-FRONT');
    expect(shown).toContain('Administrator (operator)');
    expect(shown).toContain('Hello Ann, what is wrong?');
    expect(shown).toContain('My printer is jammed again');
  });

  it('exports a filtered set as one zip (read back, and by unzip where installed), and a 100 KB chat whole', async () => {
    const { server, api } = suite;
    const big = await connectRawAgent(server, api, ['bea'], 'PC-BIG');
    const lines = Array.from({ length: 13 }, (_, i): ['operator' | 'end_user', string] => [
      i % 2 ? 'operator' : 'end_user',
      `${i}:${'log line with words '.repeat(390)}`,
    ]);
    const bigChat = await recordedChat(server, api, big, lines);
    const whole = (await api.file(`/api/recordings/${bigChat}?format=txt`)).data.toString();
    for (const [, line] of lines) expect(whole).toContain(line);
    expect(Buffer.byteLength(whole)).toBeGreaterThan(100_000);
    const bigCsv = parseCsv((await api.file(`/api/recordings/${bigChat}?format=csv`)).data.toString());
    expect(
      bigCsv
        .slice(1)
        .filter((r) => r[2] === 'message')
        .map((r) => r[5]),
    ).toEqual(lines.map(([, t]) => t));

    const zip = await exportSet(api, { filter: { device: front.deviceId }, format: 'csv' });
    const files = readZip(zip);
    expect(files).toHaveLength(2);
    expect(files.map((f) => f.data.toString()).join('')).toContain('jammed');
    if (existsSync('/usr/bin/unzip')) {
      const dir = mkdtempSync(join(tmpdir(), 'parley-zip-'));
      try {
        writeFileSync(join(dir, 'set.zip'), zip);
        execFileSync('/usr/bin/unzip', ['-tq', join(dir, 'set.zip')]);
        const listing = execFileSync('/usr/bin/unzip', ['-Z1', join(dir, 'set.zip')])
          .toString()
          .trim()
          .split('\n');
        expect(listing.sort()).toEqual(files.map((f) => f.name).sort());
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it('cancels an export; another operator’s export is not found for them', async () => {
    const { server, api } = suite;
    const started = (await api.request('POST', '/api/recordings/exports', { filter: {}, format: 'pdf' }))
      .body as unknown as RecordingExportJob;
    const cancelled = await api.request('DELETE', `/api/recordings/exports/${started.id}`);
    expect((cancelled.body as unknown as RecordingExportJob).state).toMatch(/cancelled|done/);
    const other = await operatorClient(server, {
      username: 'otto',
      password: 'otto password 12',
      capabilities: ['recordings.view'],
    });
    expect((await other.request('GET', `/api/recordings/exports/${started.id}`)).status).toBe(404);
    expect((await other.request('DELETE', `/api/recordings/exports/${started.id}`)).status).toBe(404);
  });
});
