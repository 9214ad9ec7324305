import { AgentClientFrame, ConsoleClientFrame } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { AGENT_FRAME_ACCESS, CONSOLE_FRAME_ACCESS } from '../src/ws/frameAccess.js';
import { ApiClient, useTestServer } from './support/server.js';

/** Issue 7: every REST route and every frame type goes through the one authorization point (rights/policy.ts). */
describe('the authorization point covers every route and every frame', () => {
  const suite = useTestServer();

  it('every /api route declares its access, and refuses a caller without a session unless it is public', async () => {
    const api = suite.server.routeTable.filter(
      (route) => route.url.startsWith('/api/') && route.method !== 'HEAD',
    );
    expect(api.length).toBeGreaterThanOrEqual(8);
    expect(api.filter((route) => route.access === undefined)).toEqual([]);
    const anonymous = new ApiClient(suite.server.url);
    for (const route of api.filter((r) => r.access !== 'public')) {
      const path = route.url.replace(/:(\w+)/g, 'x');
      const answer = await anonymous.request(route.method, path, route.method === 'GET' ? undefined : {});
      expect({ route: `${route.method} ${route.url}`, status: answer.status }).toEqual({
        route: `${route.method} ${route.url}`,
        status: 401,
      });
    }
  });

  it('every frame type a console or an agent may send has its entry in the access tables', () => {
    const types = (union: {
      _zod: { def: { options: readonly { shape: { type: { _zod: { values: Set<unknown> } } } }[] } };
    }) => union._zod.def.options.flatMap((option) => [...option.shape.type._zod.values]).sort();
    expect(Object.keys(CONSOLE_FRAME_ACCESS).sort()).toEqual(types(ConsoleClientFrame));
    expect(Object.keys(AGENT_FRAME_ACCESS).sort()).toEqual(types(AgentClientFrame));
  });
});
