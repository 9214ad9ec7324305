import type { DevicePage, DeviceRow } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../src/audit/audit.js';
import { uuidv7 } from '../src/ids.js';
import {
  ApiClient,
  operatorClient,
  operatorNamed,
  startTestServer,
  type TestServer,
} from './support/server.js';

/** Issue 11: the device list at fleet size, filtered, sorted and paged by the server. */

const FLEET = 10_000;
const at = new Date(Date.UTC(2026, 10, 1)).toISOString();
const name = (i: number) => `PC-${String(i).padStart(5, '0')}`;

describe.each([
  ['SQLite', false],
  ['PostgreSQL', true],
])('the device list of %s at 10,000 devices', (_name, postgres) => {
  let server: TestServer;
  let api: ApiClient;
  let branchId: string;
  let frontDeskId: string;
  let seenAt: string;

  async function page(search: string): Promise<DevicePage> {
    const answer = await api.request('GET', `/api/devices/page${search}`);
    expect(answer.status).toBe(200);
    return answer.body as unknown as DevicePage;
  }
  const names = (rows: DeviceRow[]) => rows.map((d) => d.name);

  beforeAll(async () => {
    server = await startTestServer({ postgres });
    api = new ApiClient(server.url);
    await api.login();
    // Seeded in the store in one transaction (enrolling 10,000 agents through the API is the bench's job).
    await server.store.transaction(async (tx) => {
      for (let i = 0; i < FLEET; i++) {
        await tx.devices.create(
          { id: `fleet-${i}`, name: name(i), os: i % 3 === 0 ? 'windows' : 'linux', credentialHash: 'c' },
          at,
        );
      }
    });
    // Three online: two with someone logged on; one of them named in a way LIKE would misread.
    const online: [number, string[]][] = [
      [9001, ['maria.jensen']],
      [42, ['Bob', 'Ann_Admin']],
      [7777, []],
    ];
    // Seen now: the presence lease takes devices offline whose node stopped renewing them.
    seenAt = new Date().toISOString();
    for (const [i, users] of online) {
      await server.store.devices.setOnline(
        `fleet-${i}`,
        'test-node',
        {
          name: name(i),
          os: i % 3 === 0 ? 'windows' : 'linux',
          agentVersion: '1.2.3',
          loggedOnUsers: users.map((n) => ({ name: n })),
        },
        null,
        seenAt,
      );
    }
    const admin = await operatorNamed(server, 'admin');
    const branch = await server.services.rights.createGroup({ name: 'Branch' }, CLI, admin);
    if (!branch.ok) throw new Error(branch.message);
    branchId = branch.value.id;
    const frontDesk = await server.services.rights.createGroup(
      { name: 'Front desk', parentId: branchId },
      CLI,
      admin,
    );
    if (!frontDesk.ok) throw new Error(frontDesk.message);
    frontDeskId = frontDesk.value.id;
    await server.services.rights.setGroupDevices(branchId, ['fleet-1', 'fleet-2'], CLI, admin);
    await server.services.rights.setGroupDevices(frontDeskId, ['fleet-3'], CLI, admin);
    await server.store.chats.create(
      {
        id: uuidv7(),
        deviceId: 'fleet-42',
        operatorId: admin.id,
        operatorName: 'Administrator',
        endUserName: 'Bob',
        openedAt: at,
        recorded: false,
      },
      { role: 'operator', name: 'Administrator' },
    );
  }, 120_000);
  afterAll(async () => server?.stop());

  it('answers a page, online first by default, with who is logged on, when last seen, and open chats (mine and whose)', async () => {
    const first = await page('');
    expect(first.total).toBe(FLEET);
    expect(first.online).toBe(3);
    expect(first.devices).toHaveLength(50);
    expect(names(first.devices.slice(0, 3))).toEqual([name(42), name(7777), name(9001)]);
    expect(first.devices[0]).toMatchObject({
      online: true,
      loggedOnUsers: [{ name: 'Bob' }, { name: 'Ann_Admin' }],
      lastSeenAt: seenAt,
      agentVersion: '1.2.3',
      chats: [{ operator: 'Administrator', mine: true }],
    });
    expect(first.devices[3]).toMatchObject({ name: name(0), online: false, chats: [] });
    expect(first.oses).toEqual(['linux', 'windows']);
    const byName = await page('?sort=name&limit=3');
    expect(names(byName.devices)).toEqual([name(0), name(1), name(2)]);
  });

  it('walks every device once through its cursors, 500 at a time', async () => {
    const seen = new Set<string>();
    let cursor: string | null = '';
    let pages = 0;
    while (cursor !== null) {
      const next: DevicePage = await page(`?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
      for (const device of next.devices) seen.add(device.id);
      cursor = next.nextCursor;
      pages += 1;
    }
    expect(pages).toBe(20);
    expect(seen.size).toBe(FLEET);
  });

  it('searches names of devices and of logged-on users as typed, case ignored, wildcards taken literally', async () => {
    expect(names((await page('?q=pc-0999')).devices)).toEqual(
      [
        name(9990),
        name(9991),
        name(9992),
        name(9993),
        name(9994),
        name(9995),
        name(9996),
        name(9997),
        name(9998),
        name(9999),
      ].filter((n) => n.startsWith('PC-0999')),
    );
    expect(names((await page('?q=MARIA')).devices)).toEqual([name(9001)]);
    expect(names((await page('?q=jensen%20pc-09')).devices)).toEqual([name(9001)]);
    expect(names((await page('?q=ann_admin')).devices)).toEqual([name(42)]);
    // _ and % are no wildcards: "ann%admin" is no one's name, and "_" matches only a real underscore.
    expect((await page('?q=ann%25admin')).total).toBe(0);
    expect(names((await page('?q=_')).devices)).toEqual([name(42)]);
    // The JSON the users are kept in is not searched as text.
    expect((await page('?q=name')).total).toBe(0);
  });

  it('filters by online, logged on, OS, device group (with its subgroups) and open chat, and they combine', async () => {
    expect((await page('?online=true')).total).toBe(3);
    expect((await page('?online=false')).total).toBe(FLEET - 3);
    expect(names((await page('?loggedOn=true')).devices)).toEqual([name(42), name(9001)]);
    expect((await page('?os=windows')).total).toBe(Math.ceil(FLEET / 3));
    expect(names((await page('?os=windows&online=true')).devices)).toEqual([name(42)]);
    expect(names((await page(`?group=${branchId}`)).devices)).toEqual([name(1), name(2), name(3)]);
    expect(names((await page(`?group=${frontDeskId}`)).devices)).toEqual([name(3)]);
    expect(names((await page('?hasChat=true')).devices)).toEqual([name(42)]);
    expect((await page('?hasChat=false')).total).toBe(FLEET - 1);
  });

  it('shows an operator only the devices they may read: rows, counts and OS choices', async () => {
    const olga = await operatorClient(server, {
      username: `olga${postgres ? 'p' : 's'}`,
      password: 'olga password 12',
      capabilities: ['instant-messaging'],
      devices: ['fleet-2', 'fleet-9001'],
    });
    const answer = (await olga.request('GET', '/api/devices/page')).body as unknown as DevicePage;
    expect(names(answer.devices)).toEqual([name(9001), name(2)]);
    expect(answer).toMatchObject({ total: 2, online: 1, oses: ['linux'] });
    // Her chats are hers; the administrator's chat on PC-00042 is not even a device she sees.
    const search = (await olga.request('GET', '/api/devices/page?q=bob')).body as unknown as DevicePage;
    expect(search.total).toBe(0);
  });

  it('refuses malformed queries with a clear error', async () => {
    for (const bad of ['limit=0', 'limit=501', 'sort=random', 'online=yes', `q=${'x'.repeat(101)}`]) {
      const answer = await api.request('GET', `/api/devices/page?${bad}`);
      expect(answer.status, bad).toBe(400);
      expect(answer.body.error).toBe('bad_request');
    }
  });

  // Last: it adds a device to the fleet the tests above count.
  it('searches names in any script, in any case (SQLite’s own lower() knows only ASCII)', async () => {
    await server.store.devices.create(
      { id: 'fleet-åsa', name: 'ÅSA-PÄRNU', os: 'linux', credentialHash: 'c' },
      at,
    );
    await server.store.devices.setOnline(
      'fleet-åsa',
      'test-node',
      { name: 'ÅSA-PÄRNU', os: 'linux', agentVersion: '1.2.3', loggedOnUsers: [{ name: 'JÜRGEN.ÖZTÜRK' }] },
      null,
      new Date().toISOString(),
    );
    for (const q of ['åsa-pärnu', 'ÅSA', 'pärnu', 'jürgen', 'öztürk', 'JÜRGEN.ÖZTÜRK'])
      expect(names((await page(`?q=${encodeURIComponent(q)}`)).devices), q).toEqual(['ÅSA-PÄRNU']);
    expect((await page(`?q=${encodeURIComponent('jurgen')}`)).total).toBe(0);
  });
});
