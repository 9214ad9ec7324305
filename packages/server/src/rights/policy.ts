import type { OperatorRecord } from '../auth/operatorStore.js';
import { type Capability, hasCapability } from './capabilities.js';

/**
 * The one authorization point (issue 7): every REST route (its `access`, http/request.ts) and every WebSocket frame
 * (the frame tables of ws/, and the chat service for what needs the chat itself) asks `authorize`. Access rights
 * per device and device group (issue 8) are written here and nowhere else.
 */

/** Who asks: a signed-in operator, or the agent of a device on its end user's behalf. */
export type Actor = { kind: 'operator'; operator: OperatorRecord } | { kind: 'device'; deviceId: string };

/** Everything that can be asked for, one kind per thing the API and the sockets do. */
export type Action =
  /** The actor's own session: who am I, the console socket's hello, sign out. */
  | { kind: 'session.read' }
  /** List devices (each one then needs `device.read`). */
  | { kind: 'devices.list' }
  | { kind: 'device.read'; deviceId: string }
  /** Create enrollment tokens for new devices. */
  | { kind: 'devices.enroll' }
  /** Instant messaging at all: the operator's open chats, live chat feeds. */
  | { kind: 'chats.use' }
  | { kind: 'chat.open'; deviceId: string }
  /** Any frame about one chat (subscribe, send, typing, receipts, close, presence, page failures). */
  | { kind: 'chat.take_part'; chat: { operatorId: string; deviceId: string } };

export type ActionKind = Action['kind'];

export type Decision = { allowed: true } | { allowed: false; message: string };

const ALLOWED: Decision = { allowed: true };

function needs(operator: OperatorRecord, capability: Capability, what: string): Decision {
  return hasCapability(operator, capability)
    ? ALLOWED
    : { allowed: false, message: `${what} needs the ${capability} capability` };
}

export function authorize(actor: Actor, action: Action): Decision {
  if (actor.kind === 'device') {
    // A device speaks only for itself, in chats on itself.
    return action.kind === 'chat.take_part' && action.chat.deviceId === actor.deviceId
      ? ALLOWED
      : { allowed: false, message: 'a device takes part only in chats on itself' };
  }
  const { operator } = actor;
  switch (action.kind) {
    case 'session.read':
    case 'devices.list':
    case 'device.read':
      return ALLOWED;
    case 'devices.enroll':
      return needs(operator, 'devices.manage', 'enrolling devices');
    case 'chats.use':
    case 'chat.open':
      return needs(operator, 'instant-messaging', 'instant messaging');
    case 'chat.take_part':
      if (action.chat.operatorId !== operator.id) return { allowed: false, message: 'this is not your chat' };
      return needs(operator, 'instant-messaging', 'instant messaging');
  }
}

export function operatorMay(operator: OperatorRecord, action: Action): boolean {
  return authorize({ kind: 'operator', operator }, action).allowed;
}
