import type { Socket } from 'node:net';
import { CloseCode } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { ApiClient, connectConsole, connectRawAgent, useTestServer, watchDevices } from './support/server.js';

describe('heartbeat', () => {
  // Beats every 200 ms instead of 5 s: the same code path, in test time.
  const suite = useTestServer({ heartbeatMs: 200 });

  it('P-5, P-26: an agent that stops answering is cut off, its device goes offline, its chat hears of it', async () => {
    const agent = await connectRawAgent(suite.server, suite.api, ['bob'], 'PC-SILENT');
    const chatId = (await suite.api.request('POST', `/api/devices/${agent.deviceId}/chats`)).body
      .chatId as string;
    agent.socket.send({ type: 'agent.end_user', chatId, connected: true });
    const console = await connectConsole(suite.server, suite.api);
    await watchDevices(console, [agent.deviceId]);
    console.send({ type: 'chat.subscribe', chatId, afterSeq: 0 });
    await console.next((f) => f.type === 'chat.entries' && JSON.stringify(f).includes('end_user_connected'));

    // The network drops: the agent's side reads nothing more, so it answers no ping.
    (agent.socket.ws as unknown as { _socket: Socket })._socket.pause();
    const lost = await console.next(
      (f) => f.type === 'chat.entries' && JSON.stringify(f).includes('end_user_disconnected'),
      3000,
    );
    expect((lost.entries as { event: string }[])[0]?.event).toBe('end_user_disconnected');
    await console.next(
      (f) =>
        f.type === 'device.updated' &&
        (f.device as { id: string; online: boolean }).id === agent.deviceId &&
        !(f.device as { online: boolean }).online,
      3000,
    );
    expect(console.ws.readyState).toBe(console.ws.OPEN);
    console.close();
  });

  it('P-5: a stall of the server itself does not cut off peers whose pongs wait unread', async () => {
    const console = await connectConsole(suite.server, suite.api);
    // Server and client share this process: blocking it right after the client's pong went out leaves that pong
    // unread while the server's beats fall late, as in a stall under load.
    await new Promise<void>((resolve) =>
      console.ws.once('ping', () => {
        const until = Date.now() + 800;
        while (Date.now() < until) {
          // stalled
        }
        resolve();
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(console.ws.readyState).toBe(console.ws.OPEN);
    console.close();
  });

  it('P-24: signing out ends the console socket at the next beat, with nothing sent on it', async () => {
    const own = new ApiClient(suite.server.url);
    await own.login();
    const console = await connectConsole(suite.server, own);
    await own.request('POST', '/api/auth/logout');
    expect((await console.closed).code).toBe(CloseCode.sessionEnded);
    expect(console.ofType('error')).toMatchObject([{ code: 'not_authenticated' }]);
  });
});
