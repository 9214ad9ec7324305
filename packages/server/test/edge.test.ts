import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SECURITY_HEADERS } from '../src/http/app.js';
import {
  ADMIN_PASSWORD,
  ApiClient,
  startTestServer,
  type TestServer,
  useTestServer,
  wsUrl,
} from './support/server.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with headers fetch() will not send as given (Host, X-Forwarded-For). */
function get(server: TestServer, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${server.url}${path}`, { headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
      );
    });
    request.on('error', reject);
    request.end();
  });
}

describe('the HTTP edge (issue 8)', () => {
  const suite = useTestServer();

  it('sends the security headers with console pages, their assets and API answers', async () => {
    const index = await get(suite.server, '/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toContain('text/html');
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(index.body)?.[1];
    expect(asset, 'the console page loads a script from /assets').toBeDefined();
    for (const path of ['/', asset ?? '', '/devices', '/api/auth/me', '/api/nowhere', '/healthz']) {
      const answer = await get(suite.server, path);
      for (const [name, value] of Object.entries(SECURITY_HEADERS))
        expect(answer.headers[name], `${path} ${name}`).toBe(value);
    }
    expect(SECURITY_HEADERS['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(SECURITY_HEADERS['content-security-policy']).not.toContain('unsafe-inline');
  });

  it('refuses requests and WebSocket upgrades addressed to a name it does not answer to (DNS rebinding)', async () => {
    const rebound = await get(suite.server, '/api/auth/me', { host: `evil.example:${suite.server.port}` });
    expect(rebound.status).toBe(421);
    expect(JSON.parse(rebound.body)).toMatchObject({ error: 'wrong_host' });
    expect((await get(suite.server, '/healthz', { host: `localhost:${suite.server.port}` })).status).toBe(
      200,
    );

    const socket = new WebSocket(wsUrl(suite.server, '/ws/agent'), { headers: { host: 'evil.example' } });
    const status = await new Promise<number>((resolve) => {
      socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      socket.on('open', () => resolve(101));
      socket.on('error', () => undefined);
    });
    expect(status).toBe(421);
  });

  it('clears the session cookie at sign-out with the flags it was set with', async () => {
    const api = new ApiClient(suite.server.url);
    await api.request('POST', '/api/auth/login', { username: 'admin', password: ADMIN_PASSWORD });
    const out = await api.request('POST', '/api/auth/logout');
    expect(out.status).toBe(204);
    const cookie = out.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^parley_session=;/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/');
  });

  it('serves /metrics to loopback by default', async () => {
    const metrics = await get(suite.server, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('parley_websockets');
  });
});

describe('/metrics and trusted proxies (issue 8)', () => {
  const TOKEN = 'a-metrics-token-of-some-length';
  let direct: TestServer;
  let proxied: TestServer;

  beforeAll(async () => {
    const edge = { metricsAllow: ['10.1.1.1'], metricsToken: TOKEN };
    direct = await startTestServer({ edge });
    proxied = await startTestServer({ edge: { ...edge, trustedProxies: ['127.0.0.1'] } });
  });
  afterAll(async () => {
    await direct?.close();
    await proxied?.close();
  });

  it('refuses an address not allowed, unless it sends the bearer token', async () => {
    const refused = await get(direct, '/metrics');
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({ error: 'forbidden' });
    expect(
      (await get(direct, '/metrics', { authorization: 'Bearer wrong-token-of-some-length' })).status,
    ).toBe(403);
    expect((await get(direct, '/metrics', { authorization: TOKEN })).status).toBe(403);
    expect((await get(direct, '/metrics', { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
  });

  it('believes X-Forwarded-For from a trusted proxy only', async () => {
    const forwarded = { 'x-forwarded-for': '10.1.1.1' };
    expect((await get(direct, '/metrics', forwarded)).status).toBe(403);
    expect((await get(proxied, '/metrics', forwarded)).status).toBe(200);
    expect((await get(proxied, '/metrics', { 'x-forwarded-for': '10.1.1.2' })).status).toBe(403);
  });
});
