import { describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  ApiClient,
  addOperator,
  connectRawAgent,
  startTestServer,
  useTestServer,
} from './support/server.js';

describe('HTTP API', () => {
  const suite = useTestServer();

  it('serves /healthz, /metrics and an OpenAPI document of every API route', async () => {
    expect(await (await fetch(`${suite.server.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const metrics = await (await fetch(`${suite.server.url}/metrics`)).text();
    expect(metrics).toContain('parley_websockets{kind="agent"}');
    const doc = (await (await fetch(`${suite.server.url}/api/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    expect(doc.openapi).toBe('3.0.3');
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/api/access-rights',
      '/api/agent-package',
      '/api/agents/credential',
      '/api/agents/credential/confirm',
      '/api/agents/enroll',
      '/api/audit',
      '/api/auth/display-name',
      '/api/auth/login',
      '/api/auth/logout',
      '/api/auth/me',
      '/api/auth/password',
      '/api/auth/sessions',
      '/api/auth/sessions/{id}',
      '/api/chats',
      '/api/device-groups',
      '/api/device-groups/{id}',
      '/api/device-groups/{id}/devices',
      '/api/devices',
      '/api/devices/page',
      '/api/devices/{id}',
      '/api/devices/{id}/chats',
      '/api/devices/{id}/credential/revoke',
      '/api/devices/{id}/credential/rotate',
      '/api/enrollment-tokens',
      '/api/enrollment-tokens/{id}',
      '/api/license',
      '/api/operator-groups',
      '/api/operator-groups/{id}',
      '/api/operator-groups/{id}/capabilities',
      '/api/operator-groups/{id}/members',
      '/api/operators',
      '/api/operators/{id}',
      '/api/operators/{id}/capabilities',
      '/api/operators/{id}/effective-rights',
      '/api/operators/{id}/password',
      '/api/recordings',
      '/api/recordings/exports',
      '/api/recordings/exports/{id}',
      '/api/recordings/exports/{id}/download',
      '/api/recordings/page',
      '/api/recordings/usage',
      '/api/recordings/{chatId}',
      '/api/recordings/{chatId}/lock',
      '/api/recordings/{chatId}/note',
      '/api/settings/recording',
    ]);
    expect(JSON.stringify(doc.paths['/api/auth/login'])).toContain('"username"');
  });

  it('signs in with an HttpOnly SameSite=Strict cookie, and refuses wrong passwords with 401', async () => {
    const client = new ApiClient(suite.server.url);
    const wrong = await client.request('POST', '/api/auth/login', { username: 'admin', password: 'nope' });
    expect(wrong).toMatchObject({
      status: 401,
      body: { error: 'unauthorized', message: 'wrong username or password' },
    });
    const unknown = await client.request('POST', '/api/auth/login', { username: 'ghost', password: 'nope' });
    expect(unknown.status).toBe(401);
    const ok = await client.request('POST', '/api/auth/login', {
      username: 'admin',
      password: ADMIN_PASSWORD,
    });
    expect(ok.status).toBe(200);
    const cookie = ok.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^parley_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect((await client.request('GET', '/api/auth/me')).body).toMatchObject({ username: 'admin' });
    expect((await client.request('POST', '/api/auth/logout')).status).toBe(204);
    client.cookie = cookie.split(';')[0] ?? '';
    expect((await client.request('GET', '/api/auth/me')).status).toBe(401);
  });

  it('answers malformed and wrongly typed bodies with 400 and a message', async () => {
    const client = new ApiClient(suite.server.url);
    const malformed = await client.request('POST', '/api/auth/login', '{"username":', {
      'content-type': 'application/json',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ error: 'bad_request' });
    const wrongType = await client.request('POST', '/api/auth/login', { username: 42, password: 'x' });
    expect(wrongType).toMatchObject({ status: 400, body: { error: 'bad_request' } });
    expect(String(wrongType.body.message)).toContain('username');
    const huge = await client.request('POST', '/api/auth/login', {
      username: 'a',
      password: 'x'.repeat(70_000),
    });
    expect(huge).toMatchObject({ status: 413, body: { error: 'too_large' } });
  });

  it('gives each HTTP status its own error code, not bad_request for every 4xx', async () => {
    const client = new ApiClient(suite.server.url);
    const xml = await client.request('POST', '/api/auth/login', '<login/>', {
      'content-type': 'application/xml',
    });
    expect(xml).toMatchObject({ status: 415, body: { error: 'unsupported_media_type' } });
    expect(await client.request('GET', '/api/no-such-route')).toMatchObject({
      status: 404,
      body: { error: 'not_found' },
    });
    expect(await client.request('GET', '/api/devices')).toMatchObject({
      status: 401,
      body: { error: 'unauthorized' },
    });
  });

  it('answers a path the router refuses (bad percent-encoding, an over-long id) in the error shape', async () => {
    const badEncoding = await suite.api.request('GET', '/api/operators/%zz');
    expect(badEncoding).toMatchObject({ status: 400, body: { error: 'bad_request' } });
    const longId = await suite.api.request('PUT', `/api/operators/${'x'.repeat(150)}/password`, {
      password: 'a long enough password',
    });
    expect(longId).toMatchObject({ status: 414, body: { error: 'bad_request' } });
    for (const answer of [badEncoding, longId])
      expect(Object.keys(answer.body).sort()).toEqual(['error', 'message']);
  });

  it('refuses state-changing requests from another origin or without one', async () => {
    const foreign = await suite.api.request('POST', '/api/enrollment-tokens', undefined, {
      origin: 'http://evil.example',
    });
    expect(foreign).toMatchObject({ status: 403, body: { error: 'bad_origin' } });
    const response = await fetch(`${suite.server.url}/api/enrollment-tokens`, {
      method: 'POST',
      headers: { cookie: suite.api.cookie },
    });
    expect(response.status).toBe(403);
  });

  it('needs a session for the API, and the devices.manage capability for enrollment tokens', async () => {
    const anonymous = new ApiClient(suite.server.url);
    expect((await anonymous.request('GET', '/api/devices')).status).toBe(401);
    expect((await anonymous.request('POST', '/api/enrollment-tokens')).status).toBe(401);
    await addOperator(suite.server, {
      username: 'helper',
      password: 'helper-password-1',
      capabilities: ['instant-messaging'],
    });
    const helper = new ApiClient(suite.server.url);
    await helper.login('helper', 'helper-password-1');
    expect(await helper.request('POST', '/api/enrollment-tokens')).toMatchObject({
      status: 403,
      body: { error: 'forbidden' },
    });
    const created = await suite.api.request('POST', '/api/enrollment-tokens');
    expect(created.status).toBe(201);
    expect(String(created.body.token)).toMatch(/^[\w-]{43}$/);
  });

  it('explains why a chat cannot open: unknown device, offline, nobody logged on, no capability', async () => {
    expect(await suite.api.request('POST', '/api/devices/nope/chats')).toMatchObject({
      status: 404,
      body: { error: 'not_found' },
    });
    const nobody = await connectRawAgent(suite.server, suite.api, [], 'PC-EMPTY');
    expect(await suite.api.request('POST', `/api/devices/${nobody.deviceId}/chats`)).toMatchObject({
      status: 409,
      body: { error: 'no_user_logged_on' },
    });
    nobody.socket.close();
    await expect
      .poll(async () => (await suite.server.store.devices.find(nobody.deviceId))?.onlineNode)
      .toBeNull();
    expect(await suite.api.request('POST', `/api/devices/${nobody.deviceId}/chats`)).toMatchObject({
      status: 409,
      body: { error: 'device_offline' },
    });
    // Read and Write on the device, but not the instant-messaging capability: refused.
    await addOperator(suite.server, {
      username: 'viewer',
      password: 'viewer-password-1',
      capabilities: [],
      devices: [nobody.deviceId],
    });
    const viewer = new ApiClient(suite.server.url);
    await viewer.login('viewer', 'viewer-password-1');
    expect(await viewer.request('POST', `/api/devices/${nobody.deviceId}/chats`)).toMatchObject({
      status: 403,
      body: { error: 'forbidden' },
    });
  });

  it('rate-limits sign-in attempts per client', async () => {
    const client = new ApiClient(suite.server.url);
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) {
      statuses.push(
        (await client.request('POST', '/api/auth/login', { username: 'admin', password: `guess-${i}` }))
          .status,
      );
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    const limited = await client.request('POST', '/api/auth/login', {
      username: 'admin',
      password: ADMIN_PASSWORD,
    });
    expect(limited).toMatchObject({ status: 429, body: { error: 'rate_limited' } });
  });
});

describe('behind a TLS proxy (PARLEY_PUBLIC_URL)', () => {
  it('accepts the public origin and makes the session cookie Secure', async () => {
    const server = await startTestServer({ publicUrl: 'https://help.example.com' });
    try {
      const api = new ApiClient(server.url);
      const login = await api.request(
        'POST',
        '/api/auth/login',
        { username: 'admin', password: ADMIN_PASSWORD },
        { origin: 'https://help.example.com' },
      );
      expect(login.status).toBe(200);
      expect(login.headers.get('set-cookie')).toMatch(/;\s*Secure/i);
      const foreign = await api.request('POST', '/api/enrollment-tokens', undefined, {
        origin: 'https://evil.example',
      });
      expect(foreign.status).toBe(403);
    } finally {
      await server.stop();
    }
  });
});
