import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestJson, type ServerLink, serverLink } from '../../agent/src/serverLink.js';
import { signInOverTls, tlsFixture } from './support/certificates.js';
import { ADMIN_PASSWORD, startTestServer, type TestServer, TestSocket } from './support/server.js';

/** Signs in as admin over the link and returns the session cookie, which must be Secure. */
async function signIn(link: ServerLink): Promise<string> {
  const { cookie, setCookie } = await signInOverTls(link);
  expect(setCookie).toMatch(/; Secure/i);
  return cookie;
}

/** A plain-http GET with chosen headers (what a TLS proxy in front of the server sends it). */
function plainGet(server: TestServer, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get(`http://127.0.0.1:${server.port}${path}`, { headers }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', reject);
  });
}

describe('HTTPS and WSS served by the server itself (issue 9)', () => {
  let server: TestServer;
  let link: ServerLink;
  let ca: string;

  beforeAll(async () => {
    const { tls, caFile, ca: authority } = tlsFixture('parley-tls-');
    ca = authority.cert;
    server = await startTestServer({
      tls,
      edge: { trustedProxies: ['127.0.0.1'], metricsAllow: ['10.1.1.1'] },
    });
    link = serverLink(server.url, { ca: caFile });
  });
  afterAll(async () => server?.stop());

  it('answers over https, with a Secure session cookie and Strict-Transport-Security', async () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const health = await requestJson(link, 'GET', '/healthz');
    expect(health).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(health.headers['strict-transport-security']).toBe('max-age=31536000');
    const cookie = await signIn(link);
    const devices = await requestJson(link, 'GET', '/api/devices', undefined, { cookie });
    expect(devices).toMatchObject({ status: 200, body: [] });
  });

  it('does not answer plain http on its port', async () => {
    await expect(plainGet(server, '/healthz', {})).rejects.toThrow();
  });

  it('upgrades /ws/console over wss with the https Origin, and refuses the http one', async () => {
    const cookie = await signIn(link);
    const wss = `wss://127.0.0.1:${server.port}/ws/console`;
    const console = await TestSocket.connect(wss, { origin: server.url, cookie }, { ca });
    console.ws.close();
    await expect(
      TestSocket.connect(wss, { origin: `http://127.0.0.1:${server.port}`, cookie }, { ca }),
    ).rejects.toThrow(/403/);
  });

  it('still believes X-Forwarded-For from a trusted proxy over TLS', async () => {
    const metrics = (address: string) =>
      requestJson(link, 'GET', '/metrics', undefined, { 'x-forwarded-for': address });
    expect((await metrics('10.1.1.1')).status).toBe(200);
    expect((await metrics('10.1.1.2')).status).toBe(403);
  });
});

describe('behind a TLS proxy (PARLEY_TRUSTED_PROXIES, no PARLEY_PUBLIC_URL)', () => {
  let proxied: TestServer;
  let direct: TestServer;
  beforeAll(async () => {
    proxied = await startTestServer({ edge: { trustedProxies: ['127.0.0.1'] } });
    direct = await startTestServer();
  });
  afterAll(async () => {
    await proxied?.stop();
    await direct?.stop();
  });

  it('takes an https Origin on a WebSocket upgrade when a trusted proxy says the client used https', async () => {
    for (const server of [proxied, direct]) {
      const login = await fetch(`${server.url}/api/auth/login`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          origin: `https://127.0.0.1:${server.port}`,
          'x-forwarded-proto': 'https',
        },
        body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
      });
      const trusted = server === proxied;
      expect(login.status).toBe(trusted ? 200 : 403);
      if (!trusted) {
        // The untrusted server refuses the upgrade as it refused the sign-in: an https Origin on plain http.
        await expect(
          TestSocket.connect(`ws://127.0.0.1:${server.port}/ws/console`, {
            origin: `https://127.0.0.1:${server.port}`,
            'x-forwarded-proto': 'https',
          }),
        ).rejects.toThrow(/403/);
        continue;
      }
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      const socket = await TestSocket.connect(`ws://127.0.0.1:${server.port}/ws/console`, {
        origin: `https://127.0.0.1:${server.port}`,
        'x-forwarded-proto': 'https',
        cookie,
      });
      socket.ws.close();
    }
  });
});
