import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInOverTls, tlsFixture } from '../../server/test/support/certificates.js';
import { startTestServer, type TestServer } from '../../server/test/support/server.js';
import { Agent } from '../src/agent.js';
import { enroll } from '../src/enroll.js';
import { requestJson, type ServerLink, serverLink } from '../src/serverLink.js';

/**
 * The real agent and the real server over https and wss (issue 9), with a private CA made here: the server's
 * certificate (for 127.0.0.1 and localhost) is signed by `ca`; `other` is a CA that signed nothing of it.
 */
describe('parley-agent over TLS, with a private CA', () => {
  let server: TestServer;
  let caFile: string;
  let otherCaFile: string;
  let operator: ServerLink;
  let cookie: string;
  const agents: Agent[] = [];

  beforeAll(async () => {
    const fixture = tlsFixture('parley-agent-tls-');
    caFile = fixture.caFile;
    otherCaFile = fixture.otherCaFile;
    const tls = fixture.tls;
    server = await startTestServer({ tls });
    operator = serverLink(server.url, { ca: caFile });
    cookie = (await signInOverTls(operator)).cookie;
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await server?.stop();
  });

  async function token(): Promise<string> {
    const answer = await requestJson(operator, 'POST', '/api/enrollment-tokens', {}, { cookie });
    expect(answer.status).toBe(201);
    return (answer.body as { token: string }).token;
  }

  async function devices(): Promise<{ id: string; online: boolean }[]> {
    const answer = await requestJson(operator, 'GET', '/api/devices', undefined, { cookie });
    expect(answer.status).toBe(200);
    return answer.body as { id: string; online: boolean }[];
  }

  it('enrolls over https with --ca, keeps the CA in its config, and comes online over wss', async () => {
    const config = await enroll(server.url, await token(), 'PC-TLS', 'linux', { ca: caFile });
    expect(config).toMatchObject({ server: server.url, ca: caFile });
    expect(config.insecure).toBeUndefined();
    // `run` without flags: what enroll stored is enough.
    const agent = new Agent({ config, detectUsers: async () => [], openPage: async () => {}, log: () => {} });
    agents.push(agent);
    await agent.start();
    await expect.poll(async () => (await devices()).find((d) => d.id === config.deviceId)?.online).toBe(true);
  });

  it('refuses a server whose certificate another CA issued, saying what to do', async () => {
    const enrollment = await token();
    await expect(enroll(server.url, enrollment, 'PC-WRONG-CA', 'linux', { ca: otherCaFile })).rejects.toThrow(
      `cannot reach ${server.url}: its certificate is not issued by the CA in ${otherCaFile} (UNABLE_TO_VERIFY_LEAF_SIGNATURE); give --ca the PEM file of the CA that issued it`,
    );
    await expect(enroll(server.url, enrollment, 'PC-NO-CA', 'linux')).rejects.toThrow(
      /its certificate is not issued by a CA this system trusts \(\w+\); give --ca/,
    );
    // The token was not spent: nothing reached the server.
    const config = await enroll(server.url, enrollment, 'PC-RIGHT-CA', 'linux', { ca: caFile });
    // A `run --ca` with the wrong CA overrides the stored one, and the agent never connects.
    const logs: string[] = [];
    const agent = new Agent({
      config,
      reach: { ca: otherCaFile },
      detectUsers: async () => [],
      openPage: async () => {},
      log: (line) => logs.push(line),
    });
    agents.push(agent);
    await agent.start();
    await expect
      .poll(() => logs.find((line) => line.startsWith('connection error:')))
      .toBe(
        `connection error: cannot reach ${server.url}: its certificate is not issued by the CA in ${otherCaFile} (UNABLE_TO_VERIFY_LEAF_SIGNATURE); give --ca the PEM file of the CA that issued it`,
      );
    expect(agent.connected).toBe(false);
    expect((await devices()).find((d) => d.id === config.deviceId)?.online).toBe(false);
  });

  it('refuses plain http to a server that is not this computer unless --insecure, and says why', async () => {
    await expect(enroll('http://parley.invalid:8080', 'token', 'PC-PLAIN', 'linux')).rejects.toThrow(
      /^refusing plain http:\/\/parley\.invalid:8080: the device credential and every chat would cross the network unencrypted/,
    );
    // Allowed, it gets as far as the network (where this name does not resolve).
    await expect(
      enroll('http://parley.invalid:8080', 'token', 'PC-PLAIN', 'linux', { insecure: true }),
    ).rejects.toThrow(/^cannot reach http:\/\/parley\.invalid:8080: /);
    const config = {
      server: 'http://parley.invalid:8080',
      deviceId: 'd',
      credential: 'c'.repeat(43),
      name: 'PC-PLAIN',
    };
    expect(() => new Agent({ config, detectUsers: async () => [], openPage: async () => {} })).toThrow(
      /^refusing plain http:\/\/parley\.invalid:8080/,
    );
  });
});
