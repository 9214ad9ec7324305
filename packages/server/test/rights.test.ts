import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../src/audit/audit.js';
import { LocalBus } from '../src/bus/bus.js';
import { OperatorService } from '../src/operators/operators.js';
import { openStore } from '../src/store/open.js';
import { CONSOLE_FRAME_ACCESS } from '../src/ws/frameAccess.js';
import {
  ApiClient,
  addOperator,
  connectConsole,
  connectRawAgent,
  startTestServer,
  type TestServer,
  useTestServer,
  watchDevices,
} from './support/server.js';

/** Access rights, enforced (issue 8): the list, the live list, every id, every route and every chat frame. */
describe('access rights', () => {
  const suite = useTestServer();

  async function signedIn(username: string, password: string): Promise<ApiClient> {
    const api = new ApiClient(suite.server.url);
    await api.login(username, password);
    return api;
  }

  it('P-28, P-37: an operator sees only the devices granted to them: list, watched devices, live updates, ids', async () => {
    const mine = await connectRawAgent(suite.server, suite.api, ['kim'], 'PC-MINE');
    const hidden = await connectRawAgent(suite.server, suite.api, ['lee'], 'PC-HIDDEN');
    const readOnly = await connectRawAgent(suite.server, suite.api, ['max'], 'PC-READ');
    await addOperator(suite.server, {
      username: 'maria',
      password: 'maria password 1',
      capabilities: ['instant-messaging'],
      devices: [mine.deviceId],
    });
    const admin = suite.server.services.rights;
    const maria = await suite.server.store.operators.findByUsername('maria');
    if (!maria) throw new Error('maria missing');
    await admin.setAccessRight(
      { operatorId: maria.id, deviceId: readOnly.deviceId, read: 'allow' },
      {
        name: 'admin',
        address: null,
      },
    );
    const api = await signedIn('maria', 'maria password 1');

    const names = ((await api.request('GET', '/api/devices')).body as { name: string }[]).map((d) => d.name);
    expect(names.sort()).toEqual(['PC-MINE', 'PC-READ']);
    // Not readable: it does not exist. Readable without Write: refused.
    expect(await api.request('POST', `/api/devices/${hidden.deviceId}/chats`)).toMatchObject({
      status: 404,
      body: { error: 'not_found' },
    });
    expect(await api.request('POST', `/api/devices/nonexistent/chats`)).toMatchObject({ status: 404 });
    expect(await api.request('POST', `/api/devices/${readOnly.deviceId}/chats`)).toMatchObject({
      status: 403,
      body: { error: 'forbidden' },
    });
    expect((await api.request('POST', `/api/devices/${mine.deviceId}/chats`)).status).toBe(201);

    const socket = await connectConsole(suite.server, api);
    // No list at hello (P-37); a console asking for the hidden device too gets the readable ones only.
    const watched = await watchDevices(socket, [mine.deviceId, readOnly.deviceId, hidden.deviceId]);
    expect(watched.map((d) => d.name).sort()).toEqual(['PC-MINE', 'PC-READ']);
    await socket.next((f) => f.type === 'error' && f.code === 'not_found' && f.ref === 'devices.watch');
    // Live updates: the hidden device's users change, then mine's; only mine's reaches maria.
    hidden.socket.send({ type: 'agent.users', loggedOnUsers: [{ name: 'lee' }, { name: 'lou' }] });
    mine.socket.send({ type: 'agent.users', loggedOnUsers: [{ name: 'kim' }, { name: 'kai' }] });
    await socket.next(
      (f) => f.type === 'device.updated' && (f.device as { id: string }).id === mine.deviceId,
      10_000,
    );
    // The hidden device's id is in no frame maria got.
    expect(socket.frames.filter((f) => JSON.stringify(f).includes(hidden.deviceId))).toEqual([]);
    socket.ws.close();
  });

  it('refuses every route to an operator without its capability or right, and every one but sign-in to nobody', async () => {
    await addOperator(suite.server, { username: 'nobody', password: 'nobody password 1', capabilities: [] });
    const nobody = await signedIn('nobody', 'nobody password 1');
    const anonymous = new ApiClient(suite.server.url);
    const device = await connectRawAgent(suite.server, suite.api, ['zoe'], 'PC-WALK');
    const admin = await suite.server.store.operators.findByUsername('admin');
    const sample: Record<string, string> = { id: device.deviceId };
    // Routes every signed-in operator may call: they answer about the operator's own things only.
    const own = new Set([
      'GET /api/auth/me',
      'GET /api/chats',
      'GET /api/devices',
      'GET /api/devices/page',
      'GET /api/device-groups',
      'PUT /api/auth/password',
      'PUT /api/auth/display-name',
      'GET /api/auth/sessions',
      'DELETE /api/auth/sessions/:id',
      // The license's status is the server's, which every operator is shown (why Direct Access is dimmed).
      'GET /api/license',
    ]);
    const guarded = suite.server.routeTable.filter(
      (route) => route.url.startsWith('/api/') && route.access !== 'public' && route.method !== 'HEAD',
    );
    expect(guarded.length).toBeGreaterThan(20);
    for (const route of guarded) {
      const path = route.url.replace(/:(\w+)/g, (_m, name: string) =>
        route.url.startsWith('/api/operators') ? (admin?.id ?? '') : (sample[name] ?? 'x'),
      );
      const name = `${route.method} ${route.url}`;
      const body = route.method === 'GET' || route.method === 'DELETE' ? undefined : {};
      expect((await anonymous.request(route.method, path, body)).status, name).toBe(401);
      if (own.has(name)) continue;
      const status = (await nobody.request(route.method, path, body)).status;
      expect([403, 404], `${name} answered ${status}`).toContain(status);
    }
    // And the own routes show nobody nothing of anyone else's.
    expect((await nobody.request('GET', '/api/devices')).body).toEqual([]);
    expect((await nobody.request('GET', '/api/devices/page')).body).toMatchObject({
      devices: [],
      total: 0,
      oses: [],
    });
    expect((await nobody.request('GET', '/api/device-groups')).body).toEqual([]);
    expect((await nobody.request('GET', '/api/chats')).body).toEqual([]);
  });

  it('P-28: withdrawing Write ends the open chat for both sides, with an access_revoked event', async () => {
    const agent = await connectRawAgent(suite.server, suite.api, ['ann'], 'PC-REVOKE');
    const sam = await addOperator(suite.server, {
      username: 'sam',
      password: 'sam password 123',
      capabilities: ['instant-messaging'],
      devices: [agent.deviceId],
    });
    const api = await signedIn('sam', 'sam password 123');
    const chatId = (await api.request('POST', `/api/devices/${agent.deviceId}/chats`)).body.chatId as string;
    const socket = await connectConsole(suite.server, api);
    socket.send({ type: 'chat.subscribe', chatId, afterSeq: 0 });
    await socket.next((f) => f.type === 'chat.info');

    const change = await suite.api.request('PUT', '/api/access-rights', {
      operatorId: sam.id,
      deviceId: agent.deviceId,
      write: null,
    });
    expect(change.status).toBe(204);
    const isEvent = (name: string) => (f: Record<string, unknown>) =>
      f.type === 'chat.entries' &&
      (f.entries as { kind: string; event?: string }[]).some((e) => e.kind === 'event' && e.event === name);
    await socket.next(isEvent('access_revoked'));
    await socket.next(isEvent('chat_closed'));
    await agent.socket.next(isEvent('access_revoked'));
    await agent.socket.next(
      (f) => f.type === 'chat.info' && (f.chat as { id: string; status: string }).status === 'closed',
    );
    // And every chat frame on it is refused now.
    socket.send({ type: 'chat.send', chatId, clientId: 'after-revoke-1', text: 'still there?' });
    expect(await socket.next((f) => f.type === 'error' && f.ref === 'after-revoke-1')).toMatchObject({
      code: 'forbidden',
    });
    socket.ws.close();
  });

  it('P-28: disabling an operator ends their chats and sessions, and they cannot sign in', async () => {
    const agent = await connectRawAgent(suite.server, suite.api, ['bea'], 'PC-DISABLE');
    const tom = await addOperator(suite.server, {
      username: 'tom',
      password: 'tom password 123',
      capabilities: ['instant-messaging'],
      devices: [agent.deviceId],
    });
    const api = await signedIn('tom', 'tom password 123');
    const chatId = (await api.request('POST', `/api/devices/${agent.deviceId}/chats`)).body.chatId as string;
    const socket = await connectConsole(suite.server, api);
    expect((await suite.api.request('PATCH', `/api/operators/${tom.id}`, { disabled: true })).status).toBe(
      204,
    );
    expect((await socket.closed).code).toBe(4007);
    expect((await api.request('GET', '/api/auth/me')).status).toBe(401);
    await expect.poll(async () => (await suite.server.store.chats.find(chatId))?.status).toBe('closed');
    expect(
      await new ApiClient(suite.server.url).request('POST', '/api/auth/login', {
        username: 'tom',
        password: 'tom password 123',
      }),
    ).toMatchObject({ status: 403, body: { error: 'forbidden' } });
    // admin is the super-administrator: it cannot be disabled.
    const admin = await suite.server.store.operators.findByUsername('admin');
    expect(await suite.api.request('PATCH', `/api/operators/${admin?.id}`, { disabled: true })).toMatchObject(
      {
        status: 403,
      },
    );
  });

  it('writes the audit log with each change, and serves it filtered and as CSV', async () => {
    const created = await suite.api.request('POST', '/api/operators', {
      username: 'auditee',
      password: 'auditee password 1',
    });
    expect(created.status).toBe(201);
    const page = await suite.api.request('GET', '/api/audit?action=operator.create&actor=admin');
    const entries = page.body.entries as unknown as { action: string; target: string; actor: string }[];
    expect(entries[0]).toMatchObject({
      action: 'operator.create',
      target: 'operator:auditee',
      actor: 'admin',
    });
    expect(entries.every((e) => e.action === 'operator.create')).toBe(true);
    const signIns = await suite.api.request('GET', '/api/audit?action=auth.sign_in&limit=1');
    expect((signIns.body.entries as unknown as unknown[]).length).toBe(1);
    const next = await suite.api.request(
      'GET',
      `/api/audit?action=auth.sign_in&limit=1&cursor=${signIns.body.nextCursor}`,
    );
    expect(next.status).toBe(200);

    const csv = await fetch(`${suite.server.url}/api/audit?format=csv&action=operator.create`, {
      headers: { cookie: suite.api.cookie },
    });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const text = await csv.text();
    expect(text.split('\r\n')[0]).toBe('id,at,actor,action,target,address,details');
    expect(text).toContain('operator:auditee');

    await addOperator(suite.server, { username: 'noaudit', password: 'noaudit password', capabilities: [] });
    const noaudit = await signedIn('noaudit', 'noaudit password');
    expect((await noaudit.request('GET', '/api/audit')).status).toBe(403);
  });

  it('P-24: refuses every chat frame type from an operator who may not take part, and from no-write operators', async () => {
    const agent = await connectRawAgent(suite.server, suite.api, ['una'], 'PC-FRAMES');
    const chatId = (await suite.api.request('POST', `/api/devices/${agent.deviceId}/chats`)).body
      .chatId as string;
    // Read on the device and instant messaging, but the chat is admin's and Write is not granted.
    const reader = await addOperator(suite.server, {
      username: 'reader',
      password: 'reader password 1',
      capabilities: ['instant-messaging'],
    });
    await suite.server.services.rights.setAccessRight(
      { operatorId: reader.id, deviceId: agent.deviceId, read: 'allow' },
      { name: 'admin', address: null },
    );
    const socket = await connectConsole(suite.server, await signedIn('reader', 'reader password 1'));
    const samples: Record<string, Record<string, unknown>> = {
      'chat.subscribe': { chatId, afterSeq: 0 },
      'chat.send': { chatId, clientId: 'walker-send-01', text: 'hello' },
      'chat.typing': { chatId, typing: true },
      'chat.close': { chatId },
      'chat.receipt': { chatId, seq: 1, state: 'read' },
    };
    const chatFrames = Object.entries(CONSOLE_FRAME_ACCESS).filter(
      ([, action]) => action === 'chat.take_part',
    );
    expect(chatFrames.map(([type]) => type).sort()).toEqual(Object.keys(samples).sort());
    for (const [type] of chatFrames) {
      const frame = { type, ...samples[type] };
      socket.send(frame);
      const ref = type === 'chat.send' ? 'walker-send-01' : chatId;
      const error = await socket.next((f) => f.type === 'error' && f.ref === ref);
      expect(error.code, type).toBe('forbidden');
      socket.frames.splice(socket.frames.indexOf(error), 1);
    }
    expect((await suite.server.store.chats.find(chatId))?.status).toBe('open');
    socket.ws.close();
  });

  it("a dynamic group's members follow the devices' facts, and the rights granted on it with them", async () => {
    await addOperator(suite.server, { username: 'dyn', password: 'dyn password 123', capabilities: [] });
    const dyn = await suite.server.store.operators.findByUsername('dyn');
    const group = await suite.api.request('POST', '/api/device-groups', {
      name: 'Lab machines',
      rule: { namePattern: 'LAB-*' },
    });
    expect(group.status).toBe(201);
    const grant = await suite.api.request('PUT', '/api/access-rights', {
      operatorId: dyn?.id,
      deviceGroupId: group.body.id,
      read: 'allow',
    });
    expect(grant.status).toBe(204);
    const api = await signedIn('dyn', 'dyn password 123');
    const names = async () =>
      ((await api.request('GET', '/api/devices')).body as { name: string }[]).map((d) => d.name).sort();
    expect(await names()).toEqual([]);
    // Enrolled after the group was made: it joins as its facts match.
    await connectRawAgent(suite.server, suite.api, ['ola'], 'LAB-01');
    await connectRawAgent(suite.server, suite.api, ['pia'], 'OFFICE-01');
    await expect.poll(names).toEqual(['LAB-01']);
    const groups = (await api.request('GET', '/api/device-groups')).body as {
      name: string;
      deviceCount: number;
    }[];
    expect(groups).toEqual([
      expect.objectContaining({ name: 'Lab machines', deviceCount: 1, rule: { namePattern: 'LAB-*' } }),
    ]);
    // A static group's devices are set by hand; a dynamic one refuses.
    expect(
      (await suite.api.request('PUT', `/api/device-groups/${group.body.id}/devices`, { deviceIds: [] }))
        .status,
    ).toBe(409);
  });

  it("shows an operator's effective rights on a device and which grants decided them", async () => {
    const agent = await connectRawAgent(suite.server, suite.api, ['vic'], 'PC-EFFECTIVE');
    const eff = await addOperator(suite.server, {
      username: 'eff',
      password: 'eff password 123',
      capabilities: [],
    });
    const team = await suite.api.request('POST', '/api/operator-groups', { name: 'Front desk' });
    expect(
      (
        await suite.api.request('PUT', `/api/operator-groups/${team.body.id}/members`, {
          operatorIds: [eff.id],
        })
      ).status,
    ).toBe(204);
    const desks = await suite.api.request('POST', '/api/device-groups', { name: 'Desks' });
    expect(
      (
        await suite.api.request('PUT', `/api/device-groups/${desks.body.id}/devices`, {
          deviceIds: [agent.deviceId],
        })
      ).status,
    ).toBe(204);
    await suite.api.request('PUT', '/api/access-rights', {
      operatorId: eff.id,
      deviceGroupId: desks.body.id,
      read: 'allow',
      write: 'allow',
    });
    await suite.api.request('PUT', '/api/access-rights', {
      operatorGroupId: team.body.id,
      deviceId: agent.deviceId,
      write: 'deny',
    });
    const view = await suite.api.request(
      'GET',
      `/api/operators/${eff.id}/effective-rights?device=${agent.deviceId}`,
    );
    expect(view.body).toMatchObject({
      superAdministrator: false,
      read: {
        effect: 'allow',
        via: [
          { subject: { kind: 'operator', name: 'eff' }, target: { kind: 'device_group', name: 'Desks' } },
        ],
      },
      write: {
        effect: 'deny',
        via: [
          {
            subject: { kind: 'operator_group', name: 'Front desk' },
            target: { kind: 'device', name: 'PC-EFFECTIVE' },
          },
        ],
      },
      assign: { effect: 'unset', via: [] },
    });
    const audit = (await suite.api.request('GET', '/api/audit?action=access_right.set&limit=2')).body
      .entries as unknown as {
      target: string;
      details: Record<string, unknown>;
    }[];
    expect(audit[0]).toMatchObject({
      target: 'device:PC-EFFECTIVE',
      details: { subject: 'operator_group:Front desk', write: 'deny' },
    });
    const chats = await suite.api.request('GET', '/api/audit?action=chat.open');
    expect((chats.body.entries as unknown as unknown[]).length).toBeGreaterThan(0);
  });

  it('an operator who manages operators cannot take admin over: no password reset, no change of admin', async () => {
    await addOperator(suite.server, {
      username: 'manager',
      password: 'manager password 1',
      capabilities: ['operators.manage'],
    });
    const manager = await signedIn('manager', 'manager password 1');
    const admin = await suite.server.store.operators.findByUsername('admin');
    expect(
      await manager.request('PUT', `/api/operators/${admin?.id}/password`, {
        password: 'taken over at last',
      }),
    ).toMatchObject({ status: 403, body: { error: 'forbidden' } });
    expect(
      await manager.request('PATCH', `/api/operators/${admin?.id}`, { displayName: 'Mallory' }),
    ).toMatchObject({
      status: 403,
    });
    expect(
      await manager.request('PUT', `/api/operators/${admin?.id}/capabilities`, { capabilities: [] }),
    ).toMatchObject({
      status: 403,
    });
    expect(await manager.request('DELETE', `/api/operators/${admin?.id}`)).toMatchObject({ status: 403 });
    // The operators it may manage, it does.
    const other = await manager.request('POST', '/api/operators', {
      username: 'junior',
      password: 'junior password 1',
    });
    expect(other.status).toBe(201);
    expect(
      (
        await manager.request('PUT', `/api/operators/${other.body.id}/password`, {
          password: 'junior password 2',
        })
      ).status,
    ).toBe(204);
    expect((await suite.server.store.operators.findByUsername('admin'))?.displayName).toBe('Administrator');
  });

  it("device groups cannot widen an operator's reach: dynamic rules, parents, hidden and denied devices", async () => {
    const front = await connectRawAgent(suite.server, suite.api, ['fay'], 'FD-01');
    const ceo = await connectRawAgent(suite.server, suite.api, ['cal'], 'CEO-LAPTOP');
    const vault = await connectRawAgent(suite.server, suite.api, ['val'], 'VAULT-PC');
    const eve = await addOperator(suite.server, {
      username: 'eve',
      password: 'eve password 1234',
      capabilities: ['devices.manage', 'instant-messaging'],
    });
    const created = await suite.api.request('POST', '/api/device-groups', { name: 'Front desk (eve)' });
    const frontDesk = created.body.id as string;
    const vaultGroup = (
      await suite.api.request('POST', '/api/device-groups', { name: 'Vault (eve)', parentId: frontDesk })
    ).body.id as string;
    await suite.api.request('PUT', `/api/device-groups/${frontDesk}/devices`, {
      deviceIds: [front.deviceId],
    });
    await suite.api.request('PUT', `/api/device-groups/${vaultGroup}/devices`, {
      deviceIds: [vault.deviceId],
    });
    const grant = (target: string, rights: Record<string, string>) =>
      suite.api.request('PUT', '/api/access-rights', {
        operatorId: eve.id,
        deviceGroupId: target,
        ...rights,
      });
    await grant(frontDesk, { read: 'allow', write: 'allow' });
    const api = await signedIn('eve', 'eve password 1234');

    // Seen before the fix: a dynamic `*` group under Front desk gave her every device.
    const dynamic = await api.request('POST', '/api/device-groups', {
      name: 'pwn',
      parentId: frontDesk,
      rule: { namePattern: '*' },
    });
    expect(dynamic).toMatchObject({ status: 403, body: { error: 'forbidden' } });
    expect(
      (await api.request('POST', '/api/device-groups', { name: 'child', parentId: frontDesk })).status,
    ).toBe(403);
    const names = async () =>
      ((await api.request('GET', '/api/devices')).body as { name: string }[]).map((d) => d.name).sort();
    expect(await names()).toEqual(['FD-01', 'VAULT-PC']);

    // With Assign on Front desk: a hidden device cannot be pulled in, and answers as an unknown id does.
    await grant(frontDesk, { assign: 'allow' });
    const hidden = await api.request('PUT', `/api/device-groups/${frontDesk}/devices`, {
      deviceIds: [front.deviceId, ceo.deviceId],
    });
    const unknown = await api.request('PUT', `/api/device-groups/${frontDesk}/devices`, {
      deviceIds: [front.deviceId, 'no-such-device-id'],
    });
    expect(hidden.status).toBe(400);
    expect(unknown.status).toBe(400);
    expect(String(hidden.body.message).replace(ceo.deviceId, 'ID')).toBe(
      String(unknown.body.message).replace('no-such-device-id', 'ID'),
    );
    expect(await names()).toEqual(['FD-01', 'VAULT-PC']);
    // A group locked with a deny of Assign keeps its devices.
    await grant(vaultGroup, { write: 'deny', assign: 'deny' });
    expect(
      (await api.request('PUT', `/api/device-groups/${vaultGroup}/devices`, { deviceIds: [] })).status,
    ).toBe(403);
    expect((await api.request('DELETE', `/api/device-groups/${vaultGroup}`)).status).toBe(403);
    expect((await api.request('POST', `/api/devices/${vault.deviceId}/chats`)).status).toBe(403);
    // What she may do, she does: a static child group under Front desk, with a device she may assign.
    const child = await api.request('POST', '/api/device-groups', {
      name: 'Front desk east',
      parentId: frontDesk,
    });
    expect(child.status).toBe(201);
    expect(
      (
        await api.request('PUT', `/api/device-groups/${child.body.id}/devices`, {
          deviceIds: [front.deviceId],
        })
      ).status,
    ).toBe(204);
    expect((await api.request('GET', `/api/device-groups/${frontDesk}/devices`)).body).toEqual({
      deviceIds: [front.deviceId],
    });
    // A device she may not read stays in a group whose devices she sets: for her it does not exist.
    await suite.api.request('PUT', `/api/device-groups/${child.body.id}/devices`, {
      deviceIds: [front.deviceId, ceo.deviceId],
    });
    await suite.api.request('PUT', '/api/access-rights', {
      operatorId: eve.id,
      deviceId: ceo.deviceId,
      read: 'deny',
    });
    const childDevices = `/api/device-groups/${child.body.id as string}/devices`;
    expect((await api.request('GET', childDevices)).body).toEqual({ deviceIds: [front.deviceId] });
    expect((await api.request('PUT', childDevices, { deviceIds: [] })).status).toBe(204);
    expect((await suite.api.request('GET', childDevices)).body).toEqual({ deviceIds: [ceo.deviceId] });
    // Rights are granted on it now: deleting it would drop them, and that is managing rights.
    await grant(child.body.id as string, { read: 'allow' });
    expect(await api.request('DELETE', `/api/device-groups/${child.body.id}`)).toMatchObject({
      status: 403,
      body: {
        message: 'rights are granted on this group: deleting it needs the operators.manage capability',
      },
    });
  });
});

describe('a change the bus never carried (parley operator … on the server)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ revocationSweepMs: 100 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('P-28: disabling an operator from another process still ends their open chat', async () => {
    const api = new ApiClient(server.url);
    await api.login();
    const agent = await connectRawAgent(server, api, ['nia'], 'PC-SWEEP');
    const ned = await addOperator(server, {
      username: 'ned',
      password: 'ned password 1234',
      capabilities: ['instant-messaging'],
      devices: [agent.deviceId],
    });
    const nedApi = new ApiClient(server.url);
    await nedApi.login('ned', 'ned password 1234');
    const chatId = (await nedApi.request('POST', `/api/devices/${agent.deviceId}/chats`)).body
      .chatId as string;
    // What `parley operator disable ned` does: its own store and an in-process bus no server listens to.
    const other = await openStore(server.database.location);
    try {
      const disabled = await new OperatorService(other, new LocalBus()).update(
        ned.id,
        { disabled: true },
        CLI,
      );
      expect(disabled.ok).toBe(true);
    } finally {
      await other.close();
    }
    await agent.socket.next(
      (f) => f.type === 'chat.info' && (f.chat as { id: string; status: string }).status === 'closed',
    );
    expect((await server.store.chats.find(chatId))?.status).toBe('closed');
  });
});
