import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloseCode } from '@parley/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { agentHello, TestSocket, useTestServer, wsUrl } from '../../server/test/support/server.js';
import { Agent } from '../src/agent.js';
import { type AgentConfig, readConfig, writeConfig } from '../src/config.js';
import { enroll } from '../src/enroll.js';
import { rotateCredential } from '../src/rotate.js';
import { serverLink } from '../src/serverLink.js';

/** Issue 9: the agent's credential rotated (P-30), asked for by the server or run by hand, and a removed device. */
describe('the device credential of a real agent', () => {
  const suite = useTestServer();
  const dir = mkdtempSync(join(tmpdir(), 'parley-credential-'));
  const agents: Agent[] = [];
  afterAll(async () => {
    for (const agent of agents) await agent.stop();
  });

  async function enrolled(name: string): Promise<{ config: AgentConfig; file: string }> {
    const token = (await suite.api.request('POST', '/api/enrollment-tokens')).body.token as string;
    const config = await enroll(suite.server.url, token, name, 'linux');
    const file = join(dir, `${name}.json`);
    await writeConfig(file, config);
    return { config, file };
  }

  async function start(config: AgentConfig, file: string, log: string[] = []): Promise<Agent> {
    const agent = new Agent({
      config,
      configFile: file,
      detectUsers: async () => [{ name: 'bob', graphical: true, remote: false }],
      openPage: async () => {},
      log: (line) => log.push(line),
    });
    agents.push(agent);
    await agent.start();
    return agent;
  }

  const online = async (deviceId: string) =>
    (await suite.api.request('GET', `/api/devices/${deviceId}`)).body.online;
  const credentialState = async (deviceId: string) =>
    (await suite.api.request('GET', `/api/devices/${deviceId}`)).body.credential;

  /** Whether the server still takes this credential in a hello. */
  async function accepted(deviceId: string, credential: string): Promise<boolean> {
    const socket = await TestSocket.connect(wsUrl(suite.server, '/ws/agent'));
    socket.send(agentHello(deviceId, credential, 'probe'));
    const result = await Promise.race([
      socket.next((f) => f.type === 'agent.welcome').then(() => true),
      socket.closed.then(() => false),
    ]);
    socket.close();
    return result;
  }

  it('P-30: rotates when the server asks: the new credential saved, proven, the old one refused', async () => {
    const { config, file } = await enrolled('PC-ASKED');
    await start(config, file);
    await expect.poll(() => online(config.deviceId)).toBe(true);
    const ask = await suite.api.request('POST', `/api/devices/${config.deviceId}/credential/rotate`);
    expect(ask.status).toBe(202);
    await expect.poll(() => readConfig(file).credential !== config.credential).toBe(true);
    await expect.poll(() => credentialState(config.deviceId)).toBe('active');
    const saved = readConfig(file);
    expect({ ...saved, credential: config.credential }).toEqual(config);
    expect(await accepted(config.deviceId, config.credential)).toBe(false);
    expect(await online(config.deviceId)).toBe(true);
  });

  it('P-30: `parley-agent rotate` beside a running agent: its next hello uses the credential in the file', async () => {
    const { config, file } = await enrolled('PC-BY-HAND');
    const agent = await start(config, file);
    await expect.poll(() => online(config.deviceId)).toBe(true);
    const next = await rotateCredential(file, serverLink(config.server));
    expect(next.credential).not.toBe(config.credential);
    expect(await accepted(config.deviceId, config.credential)).toBe(false);
    await agent.stop();
    await expect.poll(() => online(config.deviceId)).toBe(false);
    // Started with the configuration it read before the rotation, it says hello with the one in the file.
    await start(config, file);
    await expect.poll(() => online(config.deviceId)).toBe(true);
  });

  it('refuses to rotate with a credential the server does not take, and leaves the file as it was', async () => {
    const { config, file } = await enrolled('PC-REVOKED');
    await suite.api.request('POST', `/api/devices/${config.deviceId}/credential/revoke`);
    await expect(rotateCredential(file, serverLink(config.server))).rejects.toThrow(
      /credential rotation refused \(401\)/,
    );
    expect(readConfig(file)).toEqual(config);
  });

  it('P-29: an agent whose device is removed is cut off and stays out', async () => {
    const { config, file } = await enrolled('PC-GONE');
    const log: string[] = [];
    await start(config, file, log);
    await expect.poll(() => online(config.deviceId)).toBe(true);
    expect((await suite.api.request('DELETE', `/api/devices/${config.deviceId}`)).status).toBe(204);
    expect((await suite.api.request('GET', `/api/devices/${config.deviceId}`)).status).toBe(404);
    await expect
      .poll(() => log.some((line) => line.includes(`(${CloseCode.deviceRemoved} device removed)`)))
      .toBe(true);
    expect(await accepted(config.deviceId, config.credential)).toBe(false);
  });
});
