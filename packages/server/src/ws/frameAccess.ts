import type { AgentClientFrame, ConsoleClientFrame } from '@parley/protocol';
import type { ActionKind } from '../rights/policy.js';

/**
 * What the policy (rights/policy.ts) is asked for each frame a socket may send, and by whom. The types make each
 * table complete; `test/access.test.ts` checks it against the schemas at run time too.
 * - `session.read`: the console socket's session, checked at the upgrade, at every heartbeat, and before the next
 *   frame once the bus said the operator's access or sessions changed (ConsoleConnection.revalidate);
 * - `chat.take_part`: asked by the chat service with the chat itself (ChatService.authorize), for every chat frame;
 * - `device.self`: the agent's own device, authenticated by its credential at hello: nothing to ask;
 * - `device.read`: each device a console watches, asked once for the ids it sends and for each change it gets (P-37).
 */
export const CONSOLE_FRAME_ACCESS: { readonly [T in ConsoleClientFrame['type']]: ActionKind } = {
  hello: 'session.read',
  'devices.watch': 'device.read',
  'chat.subscribe': 'chat.take_part',
  'chat.send': 'chat.take_part',
  'chat.typing': 'chat.take_part',
  'chat.close': 'chat.take_part',
  'chat.receipt': 'chat.take_part',
};

export const AGENT_FRAME_ACCESS: { readonly [T in AgentClientFrame['type']]: ActionKind | 'device.self' } = {
  'agent.hello': 'device.self',
  'agent.users': 'device.self',
  'agent.end_user': 'chat.take_part',
  'agent.page_failed': 'chat.take_part',
  'chat.subscribe': 'chat.take_part',
  'chat.send': 'chat.take_part',
  'chat.typing': 'chat.take_part',
  'chat.close': 'chat.take_part',
  'chat.receipt': 'chat.take_part',
};
